"""The collector's NACHA files, read by an independent parser (carta-ach) and checked field by field.

Starts a built collector against the local services (Deploy/local/services), publishes policies and
due installments, and reads the file it writes to its outbound folder. Skipped when the binaries
or the services are missing.
"""
import json
import os
import subprocess
import time
import uuid

import pytest

from conftest import REPO

pika = pytest.importorskip("pika")
psycopg = pytest.importorskip("psycopg")
ach_parser = pytest.importorskip("ach.parser")

DATABASE_URL = os.environ.get("COVERPAY_DATABASE_URL", "postgresql://coverpay:coverpay@127.0.0.1:61432/coverpay")
AMQP_URL = os.environ.get("COVERPAY_AMQP_URL", "amqp://coverpay:coverpay@127.0.0.1:61672/coverpay")
BIN_DIR = os.environ.get("COVERPAY_BIN_DIR", str(REPO / ".build" / "debug"))


def aba_ok(routing):
    weights = [3, 7, 1] * 3
    return sum(int(d) * w for d, w in zip(routing, weights)) % 10 == 0


def event(kind, policy, data):
    data = dict(data, policy_id=policy)
    return {"specversion": "1.0", "id": f"py-{uuid.uuid4().hex[:12]}", "source": "tests/python", "type": kind,
            "subject": policy, "time": "2026-01-01T00:00:00Z", "data": data}


def issued(policy, method):
    return event("coverpay.policy.issued", policy, {
        "policy_number": f"PN-{policy}", "transaction_id": f"{policy}-1", "sequence": 1, "effective_date": "2099-01-01",
        "state": "TX", "line_of_business": "commercial_auto", "term": {"start": "2099-01-01", "end": "2100-01-01"},
        "currency": "USD", "billing": {"frequency": "monthly", "calculation_method": "modal"}, "payment_method": method,
        "items": [{"kind": "coverage", "ref": "c", "name": "C", "premium": "1200.00", "fee": "0.00", "tax": "0.00"}]})


def due(policy, entry, amount, date):
    return event("coverpay.installment.due", policy, {
        "policy_number": f"PN-{policy}", "entry_number": entry, "schedule_date": date, "due_date": date,
        "amount": amount, "currency": "USD", "state": "TX", "line_of_business": "commercial_auto"})


def publish(events):
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    channel = connection.channel()
    channel.confirm_delivery()
    for e in events:
        channel.basic_publish("coverpay.events", e["type"], json.dumps(e).encode(), pika.BasicProperties(
            message_id=e["id"], type=e["type"], content_type="application/cloudevents+json", delivery_mode=2))
    connection.close()


def wait_for(query, params, predicate, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with psycopg.connect(DATABASE_URL) as db:
            rows = db.execute(query, params).fetchall()
        if predicate(rows):
            return rows
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {query} {params}")


@pytest.fixture
def collector(tmp_path):
    binary = os.path.join(BIN_DIR, "collector")
    if not os.path.exists(binary):
        pytest.skip(f"no collector binary in {BIN_DIR} (build first or set COVERPAY_BIN_DIR)")
    try:
        psycopg.connect(DATABASE_URL, connect_timeout=3).close()
    except Exception as error:  # noqa: BLE001 - any connection problem means no services
        pytest.skip(f"PostgreSQL unreachable: {error}")
    coverpay = os.path.join(BIN_DIR, "coverpay")
    for command in (["migrate"], ["topology", "apply"]):
        result = subprocess.run([coverpay, *command], cwd=REPO, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    # The collector must not first work through messages other runs left for it (e.g. benchmarks).
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    for queue in ("collector.policies", "collector.installments"):
        connection.channel().queue_purge(queue)
    connection.close()
    outbound = tmp_path / "outbound"
    env = dict(os.environ, COVERPAY_DATABASE_URL=DATABASE_URL, COVERPAY_AMQP_URL=AMQP_URL, COVERPAY_HTTP_PORT="0",
               COVERPAY_ACH_OUTBOUND_DIR=str(outbound), COVERPAY_ACH_FILE_WINDOW_MS="500",
               COVERPAY_SCHEMAS_DIR=str(REPO / "Schemas"))
    # The collector connects with its own login where the services hand one out (docs/security.md).
    worker_env = dict(env, COVERPAY_DATABASE_URL=os.environ.get("COVERPAY_COLLECTOR_DATABASE_URL", DATABASE_URL),
                      COVERPAY_AMQP_URL=os.environ.get("COVERPAY_COLLECTOR_AMQP_URL", AMQP_URL))
    process = subprocess.Popen([binary], cwd=REPO, env=worker_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)
    yield outbound, coverpay, env
    process.terminate()
    process.wait(timeout=15)


def test_nacha_file_parses_with_carta_ach_field_by_field(collector):
    outbound, coverpay, env = collector
    ppd, ccd = f"py-ppd-{uuid.uuid4().hex[:6]}", f"py-ccd-{uuid.uuid4().hex[:6]}"
    auth = {"id": "a-1", "method": "written", "at": "2098-12-01T00:00:00Z"}
    publish([
        issued(ppd, {"type": "ach", "routing_number": "011000015", "account_number": "000123456789",
                     "account_type": "checking", "holder": "consumer", "authorization": auth, "name": "JANE DOE"}),
        issued(ccd, {"type": "ach", "routing_number": "021000021", "account_number": "4444555566",
                     "account_type": "savings", "holder": "business", "authorization": auth, "name": "ACME LLC"}),
    ])
    wait_for("SELECT count(*) FROM collector.policies WHERE policy_id = ANY(%s) AND policy_number IS NOT NULL",
             ([ppd, ccd],), lambda rows: rows[0][0] == 2)
    publish([due(ppd, 1, "123.45", "2099-02-02"), due(ccd, 1, "9876.54", "2099-02-02")])
    rows = wait_for(
        """SELECT p.policy_id, p.trace_number, p.amount_cents, f.file_name FROM collector.payments p
           JOIN collector.ach_files f ON f.id = p.ach_file_id WHERE p.policy_id = ANY(%s) AND f.written_at IS NOT NULL""",
        ([ppd, ccd],), lambda rows: len(rows) == 2)
    expected = {policy: (trace, cents) for policy, trace, cents, _ in rows}

    for file_name in {row[3] for row in rows}:
        # The file as the collector wrote it (or, if another replica cut it, as stored for it).
        path = outbound / file_name
        text = path.read_text() if path.exists() else subprocess.run(
            [coverpay, "ach", "files", "show", file_name, "--raw"], check=True, cwd=REPO, env=env,
            capture_output=True, text=True).stdout
        lines = text.splitlines()
        assert all(len(line) == 94 for line in lines)
        assert len(lines) % 10 == 0
        parsed = ach_parser.Parser(text).as_dict()

        header = parsed["file_header"]
        assert header["priority_code"] == "01"
        assert header["immediate_dest"] == " 091000019"
        assert header["immediate_org"] == "1234567890"
        assert header["record_size"] == "094" and header["blk_factor"] == "10" and header["format_code"] == "1"
        assert file_name.endswith(f"-{header['file_id_mod']}.ach")

        total_debit, entry_count, entry_hash = 0, 0, 0
        for number, batch in enumerate(parsed["batches"], start=1):
            bh, bc = batch["batch_header"], batch["batch_control"]
            assert bh["serv_cls_code"] == "225" and bc["serv_cls_code"] == "225"
            assert bh["company_name"].strip() == "COVERPAY" and bh["company_id"] == "1234567890"
            assert bh["std_ent_cls_code"] in {"PPD", "WEB", "TEL", "CCD"}
            assert bh["entry_desc"].strip() in {"PREMIUM", "RETRY PYMT"}
            assert bh["orig_dfi_id"] == "09100001" and int(bh["batch_id"]) == number
            batch_debit, batch_hash = 0, 0
            for item in batch["entries"]:
                entry = item["entry_detail"]
                assert entry["transaction_code"] in {"27", "37"}
                routing = entry["recv_dfi_id"] + entry["check_digit"]
                assert aba_ok(routing)
                assert entry["trace_num"].startswith("09100001")
                batch_debit += int(entry["amount"])
                batch_hash += int(entry["recv_dfi_id"])
                for policy, (trace, cents) in expected.items():
                    if entry["trace_num"] == trace:
                        assert int(entry["amount"]) == cents
                        if policy == ppd:
                            assert bh["std_ent_cls_code"] == "PPD" and entry["transaction_code"] == "27"
                            assert routing == "011000015" and entry["dfi_acnt_num"].strip() == "000123456789"
                            assert entry["ind_name"].strip() == "JANE DOE"
                        else:
                            assert bh["std_ent_cls_code"] == "CCD" and entry["transaction_code"] == "37"
                            assert routing == "021000021" and entry["dfi_acnt_num"].strip() == "4444555566"
                        assert bh["eff_ent_date"] == "990202"
            assert int(bc["entadd_count"]) == len(batch["entries"])
            assert int(bc["entry_hash"]) == batch_hash % 10**10
            assert int(bc["debit_amount"]) == batch_debit and int(bc["credit_amount"]) == 0
            total_debit += batch_debit
            entry_count += len(batch["entries"])
            entry_hash += batch_hash

        control = parsed["file_control"]
        assert int(control["batch_count"]) == len(parsed["batches"])
        assert int(control["entadd_count"]) == entry_count
        assert int(control["entry_hash"]) == entry_hash % 10**10
        assert int(control["debit_amount"]) == total_debit and int(control["credit_amount"]) == 0
        assert int(control["block_count"]) == len(lines) // 10
