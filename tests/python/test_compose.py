"""docker-compose.yml: valid, scalable workers, healthchecks and restart policies."""
import json
import os
import shutil
import subprocess

import pytest
import yaml

from conftest import REPO, WORKERS, run


def compose_command():
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and run(["docker", "compose", "version"]).returncode == 0:
        return ["docker", "compose"]
    if os.environ.get("COVERPAY_REQUIRE_COMPOSE") == "1":
        pytest.fail("no docker-compose client installed")
    pytest.skip("no docker-compose client installed")


@pytest.fixture(scope="module")
def compose():
    with open(REPO / "docker-compose.yml") as f:
        return yaml.safe_load(f)


def test_compose_config_is_valid():
    result = run(compose_command() + ["-f", REPO / "docker-compose.yml", "config", "-q"])
    assert result.returncode == 0, result.stderr


def test_workers_are_scalable_and_supervised(compose):
    services = compose["services"]
    for worker in WORKERS:
        service = services[worker]
        assert "container_name" not in service, worker
        assert "ports" not in service, worker
        assert service["restart"] == "unless-stopped"
        assert service["command"] == [worker]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "/health/ready" in " ".join(service["healthcheck"]["test"])
        env = service["environment"]
        assert env["COVERPAY_HTTP_PORT"] == "9000"
        assert env["COVERPAY_DATABASE_URL"].startswith("postgresql://")
        assert env["COVERPAY_AMQP_URL"].startswith("amqp://")


def test_infrastructure_and_migrate(compose):
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["rabbitmq"]["image"].startswith("rabbitmq:3.10")
    assert services["rabbitmq"]["healthcheck"]["test"][-3:] == ["rabbitmq-diagnostics", "-q", "ping"]
    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    assert "coverpay migrate" in " ".join(migrate["command"])
    assert "coverpay topology apply" in " ".join(migrate["command"])


def test_rabbitmq_loads_definitions():
    conf = (REPO / "Deploy" / "rabbitmq" / "rabbitmq.conf").read_text()
    assert "load_definitions = /etc/rabbitmq/definitions.json" in conf
    definitions = json.loads((REPO / "Deploy" / "rabbitmq" / "definitions.json").read_text())
    assert {"name": "coverpay"} in [{"name": v["name"]} for v in definitions["vhosts"]]
    assert "coverpay" in [u["name"] for u in definitions["users"]]


def test_definitions_match_the_topology_the_workers_declare():
    """Deploy/rabbitmq/definitions.json is `coverpay topology export`; regenerate it when queues change:
    coverpay topology export --base Deploy/rabbitmq/definitions.json > defs && mv defs Deploy/rabbitmq/definitions.json"""
    coverpay = REPO / ".build" / "debug" / "coverpay"
    if not coverpay.exists():
        pytest.skip("coverpay is not built")
    exported = json.loads(subprocess.run([str(coverpay), "topology", "export"], check=True, capture_output=True, text=True).stdout)
    committed = json.loads((REPO / "Deploy" / "rabbitmq" / "definitions.json").read_text())
    for section in ("exchanges", "queues", "bindings"):
        key = lambda item: json.dumps(item, sort_keys=True)
        assert sorted(map(key, committed[section])) == sorted(map(key, exported[section])), section
