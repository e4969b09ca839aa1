"""`coverpay ledger export` read back by independent parsers (Python's csv module, a small IIF
reader) equals the ledger to the cent. Needs the built `coverpay` and a migrated database:

    eval "$(Deploy/local/services testbed)"; .build/debug/coverpay migrate
    python3 -m pytest tests/python/test_ledger_export.py
"""
import csv
import io
import os
import random
import uuid
from decimal import Decimal

import pytest

from conftest import REPO, run

psycopg = pytest.importorskip("psycopg")
COVERPAY = REPO / ".build" / "debug" / "coverpay"
# The fixture writes ledger rows: as the migration owner where the services hand one out (only
# accounting-sync and the owner may write the ledger, docs/security.md).
DATABASE_URL = os.environ.get("COVERPAY_MIGRATION_DATABASE_URL") or os.environ.get("COVERPAY_DATABASE_URL")
pytestmark = pytest.mark.skipif(not DATABASE_URL or not COVERPAY.exists(), reason="needs COVERPAY_DATABASE_URL and a built coverpay")

ACCOUNTS = ["1010", "1030", "2010", "2020", "2070", "2090", "4030"]
MEMOS = ["card captured", "comma, inside", 'quote "inside"', "tab\tinside", "line\nbreak", "ünïcode ✓"]


@pytest.fixture
def posted():
    """A few dozen random balanced entries on dates nobody else uses: a random year far ahead."""
    rng = random.Random()
    year = rng.randrange(2200, 2900)
    entries = []
    with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
        for _ in range(40):
            day = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            total = rng.randrange(1, 10_000_000)
            parts = sorted(rng.sample(range(1, total), k=min(2, total - 1))) if total > 2 else []
            credits = [b - a for a, b in zip([0] + parts, parts + [total])]
            accounts = rng.sample(ACCOUNTS, k=1 + len(credits))
            lines = [(accounts[0], total, 0)] + [(account, 0, cents) for account, cents in zip(accounts[1:], credits)]
            with connection.transaction():
                entry_id = connection.execute(
                    """INSERT INTO ledger.journal_entries (idempotency_key, event_id, event_type, rule, rule_version, posted_on, memo)
                       VALUES (%s, %s, 'test.export', 'test', 1, %s, %s) RETURNING entry_id""",
                    (str(uuid.uuid4()), str(uuid.uuid4()), day, rng.choice(MEMOS)),
                ).fetchone()[0]
                for number, (account, debit, credit) in enumerate(lines, start=1):
                    connection.execute(
                        "INSERT INTO ledger.journal_lines (entry_id, line_number, account_code, debit_cents, credit_cents) VALUES (%s, %s, %s, %s, %s)",
                        (entry_id, number, account, debit, credit),
                    )
            entries.append(entry_id)
        ledger = connection.execute(
            """SELECT e.entry_id, e.posted_on::text, e.memo, l.account_code, a.name, l.debit_cents, l.credit_cents
               FROM ledger.journal_entries e JOIN ledger.journal_lines l USING (entry_id) JOIN ledger.accounts a ON a.code = l.account_code
               WHERE e.posted_on BETWEEN %s AND %s ORDER BY e.posted_on, e.entry_id, l.line_number""",
            (f"{year}-01-01", f"{year}-12-31"),
        ).fetchall()
    return year, ledger


def export(fmt, year, tmp_path):
    target = tmp_path / f"journal.{fmt}"
    result = run([COVERPAY, "ledger", "export", "--format", fmt, "--from", f"{year}-01-01", "--to", f"{year}-12-31", "--output", target])
    assert result.returncode == 0, result.stderr
    return target.read_bytes().decode("utf-8")


def cents(text):
    value = Decimal(text) * 100
    assert value == value.to_integral_value(), text
    return int(value)


def test_csv_export_equals_the_ledger_to_the_cent(posted, tmp_path):
    year, ledger = posted
    rows = list(csv.DictReader(io.StringIO(export("csv", year, tmp_path), newline="")))
    read = [(int(r["entry_id"]), r["posted_on"], r["memo"], r["account_code"], r["account_name"], cents(r["debit"]), cents(r["credit"]))
            for r in rows]
    assert read == [tuple(row) for row in ledger]


def read_iif(text):
    """Reads IIF: header rows start with '!', TRNS opens a transaction, SPL adds to it, ENDTRNS closes it."""
    headers, transactions, current = {}, [], None
    for line in text.split("\r\n"):
        if not line:
            continue
        fields = line.split("\t")
        kind = fields[0]
        if kind.startswith("!"):
            headers[kind[1:]] = fields[1:]
        elif kind == "TRNS":
            assert current is None, "TRNS inside an open transaction"
            current = [dict(zip(headers["TRNS"], fields[1:]))]
        elif kind == "SPL":
            current.append(dict(zip(headers["SPL"], fields[1:])))
        elif kind == "ENDTRNS":
            transactions.append(current)
            current = None
    assert current is None, "unterminated transaction"
    return headers, transactions


def test_iif_export_equals_the_ledger_to_the_cent(posted, tmp_path):
    year, ledger = posted
    headers, transactions = read_iif(export("iif", year, tmp_path))
    assert set(headers) == {"TRNS", "SPL", "ENDTRNS"}
    read = []
    for transaction in transactions:
        assert {row["TRNSTYPE"] for row in transaction} == {"GENERAL JOURNAL"}
        assert sum(cents(row["AMOUNT"]) for row in transaction) == 0, "a transaction balances"
        for row in transaction:
            month, day, year_text = row["DATE"].split("/")
            amount = cents(row["AMOUNT"])
            read.append((int(row["DOCNUM"].removeprefix("CP-")), f"{year_text}-{month}-{day}", row["MEMO"], row["ACCNT"],
                         max(amount, 0), max(-amount, 0)))
    expected = [(entry_id, posted_on, memo.replace("\t", " ").replace("\n", " "), name, debit, credit)
                for entry_id, posted_on, memo, _code, name, debit, credit in ledger]
    assert read == expected
