"""Deploy/local/fleet: missing binaries, readiness, idempotence and stop, with fake workers."""
import socket
import sys
import textwrap

import pytest

from conftest import LOCAL_SCRIPTS, WORKERS, run

FLEET = LOCAL_SCRIPTS / "fleet"

FAKE_WORKER = textwrap.dedent("""
    import http.server, os, signal, sys
    ready = os.environ.get("FAKE_NOT_READY") != os.path.basename(sys.argv[1])
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path == "/health/live" or (self.path == "/health/ready" and ready)
            self.send_response(200 if ok else 503)
            self.end_headers()
        def log_message(self, *args):
            pass
    print("worker", os.environ["COVERPAY_WORKER_ID"], "port", os.environ["COVERPAY_HTTP_PORT"],
          "db", os.environ["COVERPAY_DATABASE_URL"], "extra", os.environ.get("COVERPAY_EXTRA"),
          flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    port = int(os.environ["COVERPAY_HTTP_PORT"])
    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
""")


def port_in_use(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def fake_bin(tmp_path):
    server = tmp_path / "fake_worker.py"
    server.write_text(FAKE_WORKER)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for worker in WORKERS:
        path = bin_dir / worker
        path.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{server}" "$0"\n')
        path.chmod(0o755)
    return bin_dir


# The tests' fleets use COVERPAY_FLEET_BASE_PORT so that they never meet a developer's fleet.
BASE = 29100


@pytest.fixture
def sandbox_fleet(sandbox_repo, monkeypatch):
    """The fleet script of a throw-away checkout; stopped after the test whatever happens."""
    fleet = sandbox_repo / "Deploy" / "local" / "fleet"
    if any(port_in_use(BASE + 10 * r + i) for r in range(2) for i in range(1, 6)):
        pytest.skip(f"ports {BASE + 1}-{BASE + 15} are in use")
    monkeypatch.setenv("COVERPAY_FLEET_BASE_PORT", str(BASE))
    yield fleet
    run([fleet, "stop"])


def test_missing_binaries_fail_clearly(tmp_path):
    result = run([FLEET, "start"], env={"COVERPAY_BIN_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "run swift build first" in result.stderr
    for worker in WORKERS:
        assert worker in result.stderr
    assert str(tmp_path) in result.stderr


def test_partly_built_names_the_missing_workers(tmp_path):
    (tmp_path / "scheduler").write_text("#!/bin/sh\n")
    (tmp_path / "scheduler").chmod(0o755)
    result = run([FLEET, "start"], env={"COVERPAY_BIN_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "collector retrier reconciler accounting-sync (run swift build first)" in result.stderr


def test_bad_replica_count():
    result = run([FLEET, "start", "--replicas", "zero"])
    assert result.returncode != 0
    assert "--replicas" in result.stderr


def test_start_status_stop_with_fake_workers(sandbox_fleet, fake_bin):
    env = {"COVERPAY_BIN_DIR": str(fake_bin), "COVERPAY_EXTRA": "passed-on",
           "COVERPAY_DATABASE_URL": "", "COVERPAY_AMQP_URL": ""}
    started = run([sandbox_fleet, "start", "--replicas", "2"], env=env)
    assert started.returncode == 0, started.stderr
    root = sandbox_fleet.parents[2]
    log = (root / ".local" / "logs" / "accounting-sync-1.log").read_text()
    assert f"worker accounting-sync-1 port {BASE + 15}" in log
    # Each worker connects as its own role (docs/security.md).
    assert "db postgresql://coverpay_accounting_sync:" in log
    assert "extra passed-on" in log

    again = run([sandbox_fleet, "start", "--replicas", "2"], env=env)
    assert again.returncode == 0, again.stderr
    assert "scheduler-0 already running" in again.stderr

    status = run([sandbox_fleet, "status"])
    assert status.returncode == 0, status.stdout
    lines = status.stdout.splitlines()
    assert len(lines) == 10
    assert all(line.endswith("ready") for line in lines)
    assert any(line.startswith("collector-1 ") and f"port {BASE + 12}" in line for line in lines)

    stopped = run([sandbox_fleet, "stop"])
    assert stopped.returncode == 0, stopped.stderr
    assert not list((root / ".local" / "run").glob("*.pid"))
    assert run([sandbox_fleet, "status"]).returncode == 3
    assert not port_in_use(BASE + 1)


def test_a_fleet_running_for_another_database_is_restarted(sandbox_fleet, fake_bin):
    """Left running with a testbed's URLs, say, a reused fleet would serve that database while this
    one's queues had no consumer: start restarts it, and says so without printing the URLs."""
    # The workers' own logins would take precedence over the shared URLs: none here.
    own = {f"COVERPAY_{w.upper().replace('-', '_')}_{kind}_URL": "" for w in WORKERS for kind in ("DATABASE", "AMQP")}
    first = dict(own, COVERPAY_BIN_DIR=str(fake_bin),
                 COVERPAY_DATABASE_URL="postgresql://u:secret-one@127.0.0.1:9/one",
                 COVERPAY_AMQP_URL="amqp://u:secret-one@127.0.0.1:9/one")
    assert run([sandbox_fleet, "start"], env=first).returncode == 0
    second = dict(first, COVERPAY_DATABASE_URL="postgresql://u:secret-two@127.0.0.1:9/two")
    restarted = run([sandbox_fleet, "start"], env=second)
    assert restarted.returncode == 0, restarted.stderr
    assert "runs with another database or broker" in restarted.stderr
    assert "already running" not in restarted.stderr
    assert "secret" not in restarted.stderr + restarted.stdout
    log = (sandbox_fleet.parents[2] / ".local" / "logs" / "scheduler-0.log").read_text()
    assert log.rstrip().endswith("db postgresql://u:secret-two@127.0.0.1:9/two extra None")
    again = run([sandbox_fleet, "start"], env=second)
    assert "scheduler-0 already running" in again.stderr


def test_not_ready_worker_is_named_with_its_log(sandbox_fleet, fake_bin):
    env = {"COVERPAY_BIN_DIR": str(fake_bin), "FAKE_NOT_READY": "retrier",
           "COVERPAY_FLEET_READY_TIMEOUT": "3"}
    result = run([sandbox_fleet, "start"], env=env)
    assert result.returncode != 0
    assert "not ready after 3s: retrier-0" in result.stderr
    assert f"worker retrier-0 port {BASE + 3}" in result.stderr  # the log's last lines
