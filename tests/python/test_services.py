"""Deploy/local/services: the env and status output other tools rely on."""
import re

from conftest import LOCAL_SCRIPTS, run

SERVICES = LOCAL_SCRIPTS / "services"
STATUS_LINE = re.compile(r"^(postgres|rabbitmq): (running|stopped) \(port (\d+)\b.*\)$")


def test_env_default_ports():
    result = run([SERVICES, "env"], env={"COVERPAY_PG_PORT": "", "COVERPAY_AMQP_PORT": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "export COVERPAY_DATABASE_URL=postgresql://coverpay:coverpay@127.0.0.1:61432/coverpay",
        "export COVERPAY_AMQP_URL=amqp://coverpay:coverpay@127.0.0.1:61672/coverpay",
    ]


def test_env_follows_port_overrides():
    result = run([SERVICES, "env"], env={"COVERPAY_PG_PORT": "6543", "COVERPAY_AMQP_PORT": "5673"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "export COVERPAY_DATABASE_URL=postgresql://coverpay:coverpay@127.0.0.1:6543/coverpay",
        "export COVERPAY_AMQP_URL=amqp://coverpay:coverpay@127.0.0.1:5673/coverpay",
    ]


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
