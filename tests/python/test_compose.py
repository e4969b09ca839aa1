"""docker-compose.yml: valid, scalable workers, healthchecks and restart policies."""
import base64
import hashlib
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
        # Its own login only, as files (docs/security.md, "Roles and users").
        assert env["COVERPAY_DATABASE_URL_FILE"] == f"/run/secrets/{worker}-database-url"
        assert env["COVERPAY_AMQP_URL_FILE"] == f"/run/secrets/{worker}-amqp-url"
        assert not {"COVERPAY_DATABASE_URL", "COVERPAY_AMQP_URL"} & set(env), worker
        assert service["secrets"] == [f"{worker}-database-url", f"{worker}-amqp-url"]


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
    # Every user is a login of docs/security.md with no password in the repository: the file
    # docker-compose loads is made from this one with the hashes (Deploy/compose/secrets).
    assert sorted(u["name"] for u in definitions["users"]) == sorted(
        ["coverpay_operator"] + ["coverpay_" + worker.replace("-", "_") for worker in WORKERS])
    assert all(u["password_hash"] == "" for u in definitions["users"])


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


def test_prometheus_scrapes_every_replica_of_every_worker(compose):
    services = compose["services"]
    mounts = " ".join(services["prometheus"]["volumes"])
    assert "Deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml" in mounts
    config = yaml.safe_load((REPO / "Deploy" / "prometheus" / "prometheus.yml").read_text())
    scraped = {}
    for job in config["scrape_configs"]:
        # DNS discovery of the compose service name: one target per replica under --scale.
        for sd in job["dns_sd_configs"]:
            assert sd["type"] == "A" and sd["port"] == 9000, job["job_name"]
            for name in sd["names"]:
                scraped[name] = job["job_name"]
    assert set(scraped) == set(WORKERS)
    assert all(name in services for name in scraped)


def test_grafana_is_provisioned_with_the_fleet_dashboard(compose):
    grafana = compose["services"]["grafana"]
    mounts = " ".join(grafana["volumes"])
    assert "Deploy/grafana/provisioning:/etc/grafana/provisioning" in mounts
    assert "Deploy/grafana/dashboards:/var/lib/grafana/dashboards" in mounts
    datasources = yaml.safe_load((REPO / "Deploy" / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    source = datasources["datasources"][0]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    providers = yaml.safe_load((REPO / "Deploy" / "grafana" / "provisioning" / "dashboards" / "coverpay.yml").read_text())
    assert providers["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    dashboard = json.loads((REPO / "Deploy" / "grafana" / "dashboards" / "coverpay.json").read_text())
    titles = " ".join(panel["title"] for panel in dashboard["panels"]).lower()
    for topic in ("throughput", "latency", "dead letters", "outbox backlog", "retries", "delinquency", "trust check"):
        assert topic in titles, topic
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == source["uid"]
            assert "coverpay_" in target["expr"]


def test_shared_folders_are_named_volumes_mounted_by_exactly_their_users(compose):
    services = compose["services"]

    def users(volume):
        return {name for name, service in services.items()
                if any(str(m).split(":")[0] == volume for m in service.get("volumes", []))}

    assert set(compose["volumes"]) >= {"ach-outbound", "recon-inbound"}
    assert users("ach-outbound") == {"collector", "sandbox-bank", "demo"}
    assert users("recon-inbound") == {"reconciler", "sandbox-bank", "demo"}
    for service, variable, volume in [("collector", "COVERPAY_ACH_OUTBOUND_DIR", "ach-outbound"),
                                      ("reconciler", "COVERPAY_RECON_INBOUND_DIR", "recon-inbound")]:
        folder = services[service]["environment"][variable]
        assert f"{volume}:{folder}" in services[service]["volumes"]
    # Tools run on demand, never with a plain `up`.
    for tool in ("sandbox-bank", "demo"):
        assert services[tool]["profiles"] == ["tools"]


def test_unroutable_events_are_kept_by_the_definitions():
    """coverpay.events' alternate exchange and its queue, and the fleet's own types routed to
    coverpay.published, are in the definitions docker-compose loads."""
    definitions = json.loads((REPO / "Deploy" / "rabbitmq" / "definitions.json").read_text())
    exchanges = {e["name"]: e for e in definitions["exchanges"]}
    assert exchanges["coverpay.events"]["arguments"] == {"alternate-exchange": "coverpay.unroutable"}
    assert exchanges["coverpay.unroutable"]["type"] == "fanout"
    assert "coverpay.unroutable" in [q["name"] for q in definitions["queues"]]
    bindings = definitions["bindings"]
    assert {"source": "coverpay.unroutable", "destination": "coverpay.unroutable"} in [
        {"source": b["source"], "destination": b["destination"]} for b in bindings]
    published = {b["routing_key"] for b in bindings
                 if b["destination"] == "coverpay.published" and b["destination_type"] == "exchange"}
    assert {"coverpay.payment.routed", "coverpay.ledger.posted", "coverpay.gl.synced"} <= published
    assert not any(key.startswith("coverpay.policy.") and key != "coverpay.policy.cancellation_requested" for key in published)


def test_definitions_carry_the_users_and_permissions_of_users_py():
    """The broker users of docs/security.md ("Roles and users"), written down once in
    Deploy/rabbitmq/users.py; regenerate definitions.json with it when they change:
    python3 Deploy/rabbitmq/users.py --vhost coverpay --base Deploy/rabbitmq/definitions.json > defs
    coverpay topology export --base defs > Deploy/rabbitmq/definitions.json"""
    path = REPO / "Deploy" / "rabbitmq" / "definitions.json"
    generated = json.loads(run(["python3", REPO / "Deploy" / "rabbitmq" / "users.py", "--vhost", "coverpay",
                                "--base", path]).stdout)
    committed = json.loads(path.read_text())
    key = lambda item: json.dumps(item, sort_keys=True)
    for section in ("permissions", "topic_permissions"):
        assert sorted(map(key, committed[section])) == sorted(map(key, generated[section])), section
    users = {user["name"]: user for user in committed["users"]}
    for worker in WORKERS:
        name = "coverpay_" + worker.replace("-", "_")
        # No password in the repository: a deployment sets one (Deploy/local/services from .local/secrets).
        assert users[name]["password_hash"] == "" and users[name]["tags"] == [], name
        own = [p for p in committed["permissions"] if p["user"] == name]
        assert own and own[0]["configure"] == rf"^{worker}\..*$", own
    assert users["coverpay_operator"]["password_hash"] == ""


def test_compose_secrets_make_one_login_per_component(tmp_path):
    """Deploy/compose/secrets: every URL file names its own login with that login's password; the
    PostgreSQL init script and the RabbitMQ definitions set the same passwords; a second run keeps them."""
    script = REPO / "Deploy" / "compose" / "secrets"
    env = {"COVERPAY_COMPOSE_SECRETS": str(tmp_path)}
    assert run([script], env=env).returncode == 0
    secrets = tmp_path / "secrets"
    password = lambda login: (secrets / f"{login}.password").read_text().strip()
    logins = {"migration": "coverpay", "operator": "coverpay_operator", "sandbox": "coverpay_sandbox"}
    logins.update({worker: "coverpay_" + worker.replace("-", "_") for worker in WORKERS})
    for name, login in logins.items():
        assert (secrets / f"{name}-database-url").read_text().strip() == \
            f"postgresql://{login}:{password(login)}@postgres:5432/coverpay", name
        if name not in ("migration", "sandbox"):
            assert (secrets / f"{name}-amqp-url").read_text().strip() == \
                f"amqp://{login}:{password(login)}@rabbitmq:5672/coverpay", name
    passwords = {password(login) for login in logins.values()} | {password("postgres")}
    assert len(passwords) == len(logins) + 1 and all(len(p) == 32 for p in passwords)

    init = (tmp_path / "postgres-init.sql").read_text()
    for login in logins.values():
        assert f"CREATE ROLE {login} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password(login)}';" in init
    assert "CREATE DATABASE coverpay OWNER coverpay;" in init

    users = {user["name"]: user for user in json.loads((tmp_path / "definitions.json").read_text())["users"]}
    assert set(users) == {login for name, login in logins.items() if name not in ("migration", "sandbox")}
    for name, user in users.items():
        digest = base64.b64decode(user["password_hash"])
        salt = digest[:4]
        assert digest[4:] == hashlib.sha256(salt + password(name).encode()).digest(), name

    before = sorted(p.read_text() for p in secrets.glob("*.password"))
    assert run([script], env=env).returncode == 0
    assert sorted(p.read_text() for p in secrets.glob("*.password")) == before


def test_compose_services_get_only_their_own_secrets(compose):
    services = compose["services"]
    assert services["postgres"]["secrets"] == ["postgres-password"]
    assert services["migrate"]["environment"]["COVERPAY_MIGRATION_DATABASE_URL_FILE"] == "/run/secrets/migration-database-url"
    for tool in ("migrate", "sandbox-bank", "demo"):
        assert {"operator-database-url", "operator-amqp-url"} <= set(services[tool]["secrets"]), tool
    for path in ("./.local/compose/postgres-init.sql", "./.local/compose/definitions.json"):
        assert any(volume.startswith(path) for name in ("postgres", "rabbitmq") for volume in services[name]["volumes"])
    files = [secret["file"] for secret in compose["secrets"].values()]
    assert all(file.startswith("./.local/compose/secrets/") for file in files)
