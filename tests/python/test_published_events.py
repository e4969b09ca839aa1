"""Every event the fleet really published, checked with an independent validator (jsonschema).

`make test` runs pytest after the Swift integration suites, against the same test database, so
coverpay.payment_events then holds what the real workers published during those suites: every
event must be a CloudEvents 1.0 envelope whose `data` satisfies Schemas/events/<type>.schema.json.
"""
import json
import os
import pathlib

import jsonschema
import psycopg
import pytest

from conftest import REPO

SCHEMAS = REPO / "Schemas" / "events"
DATABASE_URL = os.environ.get(
    "COVERPAY_DATABASE_URL", "postgresql://coverpay:coverpay@127.0.0.1:61432/coverpay"
)
# The events the scheduler and collector publish in every integration run; more types are
# checked whenever the suites produced them.
ALWAYS_PUBLISHED = {
    "coverpay.schedule.updated", "coverpay.installment.due", "coverpay.payment.routed",
    "coverpay.payment.attempted", "coverpay.payment.succeeded", "coverpay.payment.failed",
}
PER_TYPE_LIMIT = 2000


@pytest.fixture(scope="module")
def published():
    """The fleet's published events, the newest PER_TYPE_LIMIT of each type."""
    try:
        connection = psycopg.connect(DATABASE_URL, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(f"cannot reach the test database (run through `make test`): {error}")
    with connection:
        rows = connection.execute(
            """
            SELECT type, body FROM (
                SELECT type, body, row_number() OVER (PARTITION BY type ORDER BY seq DESC) AS n
                FROM coverpay.payment_events) ranked
            WHERE n <= %s
            """,
            (PER_TYPE_LIMIT,),
        ).fetchall()
    events = {}
    for event_type, body in rows:
        events.setdefault(event_type, []).append(body if isinstance(body, dict) else json.loads(body))
    return events


def validator(event_type):
    path = SCHEMAS / f"{event_type}.schema.json"
    assert path.exists(), f"the fleet published {event_type} but {path.relative_to(REPO)} does not exist"
    schema = json.loads(path.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_the_integration_suites_published_the_core_events(published):
    missing = ALWAYS_PUBLISHED - published.keys()
    assert not missing, f"no {sorted(missing)} in coverpay.payment_events: did the Swift suites run against this database?"


def test_every_published_event_is_a_cloudevent_whose_data_matches_its_schema(published):
    failures = []
    for event_type, events in sorted(published.items()):
        check = validator(event_type)
        for event in events:
            where = f"{event_type} {event.get('id')}"
            if event.get("specversion") != "1.0" or event.get("type") != event_type or not event.get("id") or not event.get("source"):
                failures.append(f"{where}: not a CloudEvents 1.0 envelope of its type")
                continue
            data = event.get("data")
            policy = data.get("policy_id") if isinstance(data, dict) else None
            if policy is not None and event.get("subject") != policy:
                failures.append(f"{where}: subject {event.get('subject')!r} differs from data.policy_id {policy!r}")
            for error in check.iter_errors(data):
                path = "/".join(str(p) for p in error.absolute_path) or "(data)"
                failures.append(f"{where}: {path}: {error.message}")
    assert not failures, f"{len(failures)} published events break their schema:\n" + "\n".join(failures[:40])


def test_the_validator_refuses_an_event_that_breaks_its_schema():
    """The check above can fail: a payment.failed without its failure_code is refused."""
    check = validator("coverpay.payment.failed")
    broken = {"policy_id": "P-1", "entry_number": 1, "payment_id": "pay-1", "attempt": 1, "retryable": False}
    assert any("failure_code" in error.message for error in check.iter_errors(broken))
