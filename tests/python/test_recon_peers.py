"""The reconciler's parsers on files written by independent tools: BAI2 statements by the `bai2`
library (with its 88 continuations at an 80-character line length) and NACHA return files whose
envelope (headers, controls, entry hash, totals, blocking) carta-ach writes. Read back with
`coverpay recon parse FILE --json`, which parses exactly as an import does. Needs only the built CLI.
"""
import datetime
import json
import os
import subprocess

import pytest

from conftest import REPO

bai2 = pytest.importorskip("bai2.bai2")
bai2_models = pytest.importorskip("bai2.models")
ach_builder = pytest.importorskip("ach.builder")
from bai2.constants import AsOfDateModifier, FundsType, GroupStatus, TypeCodes  # noqa: E402

BIN_DIR = os.environ.get("COVERPAY_BIN_DIR", str(REPO / ".build" / "debug"))
COVERPAY = os.path.join(BIN_DIR, "coverpay")

pytestmark = pytest.mark.skipif(not os.path.exists(COVERPAY), reason="coverpay is not built")


def parse(path):
    result = subprocess.run([COVERPAY, "recon", "parse", str(path), "--json"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def cents(amount):
    return f"{amount // 100}.{amount % 100:02d}" if amount >= 0 else "-" + cents(-amount)


def test_bai2_statement_written_by_the_bai2_library(tmp_path):
    day = datetime.date(2031, 3, 4)
    deposits = [(12345, "011000010000001"), (99, "011000010000002"), (1_000_000, "011000010000003")]
    transactions = [
        bai2_models.TransactionDetail([], type_code=TypeCodes["165"], amount=amount, funds_type=FundsType.unknown_availability, bank_reference=f"B{n}", customer_reference=trace,
                                      text=f"ACH SETTLEMENT FOR POLICY NUMBER PN-{n} WITH A TEXT LONG ENOUGH TO WRAP THE LINE")
        for n, (amount, trace) in enumerate(deposits)
    ]
    summary = bai2_models.Summary(type_code=TypeCodes["100"], amount=sum(a for a, _ in deposits), item_count=len(deposits), funds_type=FundsType.unknown_availability)
    account = bai2_models.Account(
        header=bai2_models.AccountIdentifier([], customer_account_number="9876543210", currency="USD", summary_items=[summary]),
        trailer=bai2_models.AccountTrailer([]), children=transactions)
    group = bai2_models.Group(
        header=bai2_models.GroupHeader([], ultimate_receiver_id="COVERPAY", originator_id="011000015", group_status=GroupStatus.update,
                                       as_of_date=day, currency="USD", as_of_date_modifier=AsOfDateModifier.final_previous_day),
        trailer=bai2_models.GroupTrailer([]), children=[account])
    statement = bai2_models.Bai2File(
        header=bai2_models.Bai2FileHeader([], sender_id="011000015", receiver_id="COVERPAY", creation_date=day,
                                          creation_time=datetime.time(6, 0), file_id="1", physical_record_length=80, block_size=None),
        trailer=bai2_models.Bai2FileTrailer([]), children=[group])
    text = bai2.write(statement) + "\n"
    assert "\n88," in text, "the library wraps long records into 88 continuations"
    path = tmp_path / "peer.bai2"
    path.write_text(text)

    parsed = parse(path)
    assert parsed["kind"] == "bai2"
    assert [(line["reference"], line["amount"], line["date"]) for line in parsed["lines"]] == [
        (trace, cents(amount), "2031-03-04") for amount, trace in deposits]
    assert all(line["kind"] == "deposit" for line in parsed["lines"])
    assert [line["detail"]["text"] for line in parsed["lines"]] == [t.text for t in transactions]
    assert parsed["total"] == cents(sum(a for a, _ in deposits))


def test_bai2_statement_with_a_damaged_control_total_is_refused(tmp_path):
    text = "\n".join([
        "01,011000015,COVERPAY,310304,0600,1,80,,2/",
        "02,COVERPAY,011000015,1,310304,,USD,2/",
        "03,9876543210,USD/",
        "16,165,12345,Z,B1,011000010000001,ACH/",
        "49,12346,3/",
        "98,12346,1,5/",
        "99,12346,1,7/",
    ]) + "\n"
    path = tmp_path / "damaged.bai2"
    path.write_text(text)
    result = subprocess.run([COVERPAY, "recon", "parse", str(path), "--json"], capture_output=True, text=True)
    assert result.returncode != 0
    assert "damaged.bai2: line 5:" in result.stderr and "control total" in result.stderr


def test_nacha_return_file_built_with_carta_ach(tmp_path):
    settings = {"immediate_dest": "011000015", "immediate_org": "091000019", "immediate_dest_name": "SANDBOX ODFI",
                "immediate_org_name": "SANDBOX BANK", "company_id": "1234567890"}
    builder = ach_builder.AchFile("A", settings)
    originals = ["011000010000007", "011000010000008"]
    entries = [
        {"type": "27", "routing_number": "021000021", "account_number": "987650101", "amount": "123.45", "name": "JANE DOE",
         "id_number": "PN-1", "addenda": [{"payment_related_info": "RETURN"}]},
        {"type": "27", "routing_number": "021000021", "account_number": "987650207", "amount": "67.89", "name": "JOHN ROE",
         "id_number": "PN-2", "addenda": [{"payment_related_info": "RETURN"}]},
    ]
    builder.add_batch("PPD", entries, credits=False, debits=True, eff_ent_date=datetime.date(2031, 3, 4), entry_desc="PREMIUM")
    lines = builder.render_to_string().splitlines()
    # carta-ach writes only addenda type 05 and leaves return codes (26) out of its debit totals,
    # so it writes the entries as debits (27); each becomes a return entry (26, a debit code too)
    # and each addenda the return addenda (99) of the same length: no count, hash or total
    # carta-ach computed changes.
    for index, line in enumerate(lines):
        if line.startswith("627"):
            lines[index] = "626" + line[3:]
    entry_traces = [line[79:94] for line in lines if line.startswith("6")]
    addenda_indexes = [i for i, line in enumerate(lines) if line.startswith("7")]
    for index, (code, original, trace) in zip(addenda_indexes, zip(["R01", "R07"], originals, entry_traces)):
        lines[index] = "799" + code + original + " " * 6 + "02100002" + " " * 44 + trace
        assert len(lines[index]) == 94
    path = tmp_path / "returns.ach"
    path.write_text("\n".join(lines) + "\n")

    parsed = parse(path)
    assert parsed["kind"] == "nacha_return"
    assert [(line["kind"], line["reference"], line["amount"], line["detail"]["return_code"]) for line in parsed["lines"]] == [
        ("return", originals[0], "123.45", "R01"), ("return", originals[1], "67.89", "R07")]
    assert all(line["detail"]["return_trace"] in entry_traces for line in parsed["lines"])
