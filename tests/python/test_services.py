"""Deploy/local/services: the env and status output other tools rely on."""
import re

from conftest import LOCAL_SCRIPTS, run

SERVICES = LOCAL_SCRIPTS / "services"
STATUS_LINE = re.compile(r"^(postgres|rabbitmq): (running|stopped) \(port (\d+)\b.*\)$")


WORKER_PREFIXES = ["SCHEDULER", "COLLECTOR", "RETRIER", "RECONCILER", "ACCOUNTING_SYNC"]


def env_lines(result):
    """The `export NAME=value` lines as a dict."""
    assert result.returncode == 0, result.stderr
    pairs = [line.removeprefix("export ").split("=", 1) for line in result.stdout.splitlines()]
    return dict(pairs)


def assert_logins(lines, pg_port, amqp_port):
    """One login per purpose, each with its own password (docs/security.md, roles and users)."""
    expected = {
        "COVERPAY_DATABASE_URL": ("postgresql", "coverpay_operator", pg_port),
        "COVERPAY_AMQP_URL": ("amqp", "coverpay_operator", amqp_port),
        "COVERPAY_MIGRATION_DATABASE_URL": ("postgresql", "coverpay", pg_port),
        "COVERPAY_SANDBOX_DATABASE_URL": ("postgresql", "coverpay_sandbox", pg_port),
    }
    for prefix in WORKER_PREFIXES:
        role = "coverpay_" + prefix.lower()
        expected[f"COVERPAY_{prefix}_DATABASE_URL"] = ("postgresql", role, pg_port)
        expected[f"COVERPAY_{prefix}_AMQP_URL"] = ("amqp", role, amqp_port)
    assert sorted(lines) == sorted(expected)
    for name, (scheme, user, port) in expected.items():
        match = re.fullmatch(rf"{scheme}://{user}:([A-Za-z0-9]{{32}})@127\.0\.0\.1:{port}/coverpay", lines[name])
        assert match, (name, lines[name])
    passwords = {re.search(r":([A-Za-z0-9]{32})@", url).group(1) for url in lines.values()}
    assert len(passwords) == 8  # operator, owner, sandbox and five workers


def test_env_default_ports():
    lines = env_lines(run([SERVICES, "env"], env={"COVERPAY_PG_PORT": "", "COVERPAY_AMQP_PORT": ""}))
    assert_logins(lines, 61432, 61672)


def test_env_follows_port_overrides():
    lines = env_lines(run([SERVICES, "env"], env={"COVERPAY_PG_PORT": "6543", "COVERPAY_AMQP_PORT": "5673"}))
    assert_logins(lines, 6543, 5673)


def test_env_passwords_are_generated_once():
    first, second = (env_lines(run([SERVICES, "env"])) for _ in range(2))
    assert first == second


def test_status_lines_and_exit_code():
    result = run([SERVICES, "status"])
    lines = result.stdout.splitlines()
    assert [STATUS_LINE.match(line).group(1) for line in lines] == ["postgres", "rabbitmq"], lines
    both_running = all(STATUS_LINE.match(line).group(2) == "running" for line in lines)
    assert result.returncode == (0 if both_running else 3), result.stdout + result.stderr


def test_status_in_an_empty_checkout_reports_stopped(sandbox_repo):
    result = run([sandbox_repo / "Deploy" / "local" / "services", "status"],
                 env={"COVERPAY_PG_PORT": "1", "COVERPAY_AMQP_PORT": "2"})
    assert result.returncode == 3
    assert result.stdout.splitlines()[0] == "postgres: stopped (port 1)"
    assert result.stdout.splitlines()[1].startswith("rabbitmq: stopped (port 2, node coverpay-")


def test_usage_errors():
    result = run([SERVICES, "bogus"])
    assert result.returncode == 2
    assert "usage" in result.stderr
