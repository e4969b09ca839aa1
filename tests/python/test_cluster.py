"""A three-node RabbitMQ cluster on one host (`services start --cluster 3`): quorum queues keep
every confirmed message with one node down, and a worker given the nodes' URL list fails over
when the node it is connected to stops. Runs on its own services (a copy of Deploy/local, other
ports), so the suite's own broker is never touched."""
import json
import os
import socket
import subprocess
import time
import uuid

import pika
import psycopg
import pytest

from conftest import REPO, copy_local_scripts, run

BINARIES = REPO / ".build" / "debug"


def free_port_block(size):
    """A base port with `size` free ports above it (cluster nodes take AMQP and distribution ports)."""
    for base in range(62100, 63900, 20):
        if all(_free(base + offset) for offset in range(size)):
            return base
    pytest.fail("no free block of ports for the cluster")


def _free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    repo = tmp_path_factory.mktemp("cluster") / "repo"
    copy_local_scripts(repo)
    amqp = free_port_block(6)
    env = {"COVERPAY_PG_PORT": str(amqp + 10), "COVERPAY_AMQP_PORT": str(amqp)}
    services = repo / "Deploy" / "local" / "services"
    started = run([services, "start", "--cluster", "3"], env=env, timeout=600)
    assert started.returncode == 0, started.stderr[-3000:]
    lines = run([services, "env"], env=env).stdout.splitlines()
    urls = dict(line.removeprefix("export ").split("=", 1) for line in lines)
    yield {"services": services, "env": env, "urls": urls, "amqp_ports": [amqp, amqp + 2, amqp + 4]}
    run([services, "stop"], env=env, timeout=300)


def connect(port):
    credentials = pika.PlainCredentials("coverpay", "coverpay")
    return pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port, "coverpay", credentials))


def fault(cluster, kind, node):
    result = run([cluster["services"], "fault", kind, str(node)], env=cluster["env"], timeout=120)
    assert result.returncode == 0, result.stderr


def test_env_lists_every_node(cluster):
    nodes = cluster["urls"]["COVERPAY_AMQP_URL"].split(",")
    # The operator's login (docs/security.md), the same user and password on every node.
    password = nodes[0].split(":")[2].split("@")[0]
    assert nodes == [f"amqp://coverpay_operator:{password}@127.0.0.1:{port}/coverpay" for port in cluster["amqp_ports"]]
    status = run([cluster["services"], "status"], env=cluster["env"]).stdout
    assert status.count("rabbitmq: running") == 3, status


def test_confirmed_messages_survive_a_node_down(cluster):
    queue = f"cluster.check.{uuid.uuid4().hex[:8]}"
    first = connect(cluster["amqp_ports"][0]).channel()
    first.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
    first.confirm_delivery()
    persistent = pika.BasicProperties(delivery_mode=2)
    for n in range(300):
        first.basic_publish("", queue, f"before-{n}".encode(), persistent, mandatory=True)
    fault(cluster, "node-down", 2)
    try:
        survivor = connect(cluster["amqp_ports"][2]).channel()
        survivor.confirm_delivery()
        for n in range(300):
            survivor.basic_publish("", queue, f"during-{n}".encode(), persistent, mandatory=True)
        received = set()
        survivor.basic_qos(prefetch_count=100)
        for method, _, body in survivor.consume(queue, inactivity_timeout=5):
            if method is None:
                break
            received.add(body.decode())
            survivor.basic_ack(method.delivery_tag)
        expected = {f"before-{n}" for n in range(300)} | {f"during-{n}" for n in range(300)}
        assert expected - received == set(), f"{len(expected - received)} confirmed messages lost"
    finally:
        fault(cluster, "node-up", 2)


def test_a_worker_fails_over_to_the_next_node(cluster):
    if not (BINARIES / "scheduler").exists():
        pytest.fail(f"build first: {BINARIES / 'scheduler'} is missing (make test builds it)")
    env = dict(cluster["env"], **cluster["urls"], COVERPAY_SCHEMAS_DIR=str(REPO / "Schemas"))
    for step in (["migrate"], ["topology", "apply"]):
        result = run([BINARIES / "coverpay", *step], env=env, timeout=300)
        assert result.returncode == 0, result.stderr
    worker = subprocess.Popen(
        [BINARIES / "scheduler"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        env={**os.environ, **env, "COVERPAY_HTTP_PORT": str(free_port_block(1)), "COVERPAY_WORKER_ID": "scheduler-cluster"},
    )
    try:
        scheduled = lambda policy: psycopg.connect(env["COVERPAY_DATABASE_URL"]).execute(
            "SELECT count(*) FROM scheduler.entries WHERE policy_id = %s", (policy,)
        ).fetchone()[0]
        publish_issuance(cluster["amqp_ports"][1], "CLUSTER-A")
        wait_until(lambda: scheduled("CLUSTER-A") == 12, "the scheduler schedules CLUSTER-A")
        fault(cluster, "node-down", 1)  # the node of the first URL, the scheduler's
        publish_issuance(cluster["amqp_ports"][2], "CLUSTER-B")
        wait_until(lambda: scheduled("CLUSTER-B") == 12, "the scheduler, failed over, schedules CLUSTER-B", timeout=90)
        assert worker.poll() is None, "the scheduler exited instead of failing over"
    finally:
        fault(cluster, "node-up", 1)
        worker.terminate()
        worker.wait(timeout=30)


def publish_issuance(port, policy):
    channel = connect(port).channel()
    channel.confirm_delivery()
    event = {
        "specversion": "1.0", "id": f"{policy}-{uuid.uuid4().hex[:8]}", "source": "tests/cluster",
        "type": "coverpay.policy.issued", "subject": policy, "datacontenttype": "application/json",
        "data": {
            "policy_id": policy, "policy_number": f"PN-{policy}", "transaction_id": f"{policy}-t1", "sequence": 1,
            "effective_date": "2099-01-01", "state": "CA", "line_of_business": "homeowners",
            "term": {"start": "2099-01-01", "end": "2100-01-01"}, "currency": "USD",
            "billing": {"frequency": "monthly", "calculation_method": "modal"},
            "payment_method": {"type": "card", "token": "tok_success", "brand": "visa", "last4": "4242"},
            "carrier_id": "CARRIER-1", "agency_id": "AGENCY-1", "commission_rate": "0.10",
            "items": [{"kind": "coverage", "ref": "dwelling", "name": "Dwelling", "premium": "1200.00", "fee": "0.00", "tax": "0.00"}],
        },
    }
    channel.basic_publish(
        "coverpay.events", "coverpay.policy.issued", json.dumps(event).encode(),
        pika.BasicProperties(delivery_mode=2, message_id=event["id"], type=event["type"],
                             content_type="application/cloudevents+json"),
        mandatory=True,
    )


def wait_until(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except psycopg.Error:
            pass
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout} s: {what}")
