"""The campaign account's pure rules, by tables."""

from __future__ import annotations

from datetime import date

import pytest

from participatory.crowdfunding.rules import campaign_account as rules
from participatory.crowdfunding.rules.campaign_account import Line

START, END, TODAY = date(2027, 12, 1), date(2028, 8, 18), date(2028, 7, 1)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (1, None),
        (100_000_000, None),
        (0, "amount_not_positive"),
        (-5, "amount_not_positive"),
        (100_000_001, "amount_too_large"),
    ],
)
def test_amount(amount, expected):
    assert rules.amount_problem(amount) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (START, None),
        (TODAY, None),
        (date(2027, 11, 30), "date_outside_period"),
        (date(2028, 7, 2), "date_in_future"),
        (date(2020, 1, 1), "date_outside_period"),
    ],
)
def test_date_within_the_financing_period(on, expected):
    assert rules.date_problem(on, START, END, TODAY) == expected


def test_date_after_the_period_even_if_today_is_later():
    assert rules.date_problem(date(2028, 9, 1), START, END, date(2028, 10, 1)) == "date_outside_period"


@pytest.mark.parametrize(
    ("code", "origin", "expected"),
    [
        ("don_personne", rules.PERSON, None),
        ("don_personne", rules.COMPANY, "legal_person_gift"),
        ("don_personne", rules.ASSOCIATION, "legal_person_gift"),
        ("don_personne", rules.OTHER_LEGAL, "legal_person_gift"),
        ("don_personne", rules.PARTY, "bad_origin"),
        ("nature_personne", rules.COMPANY, "legal_person_gift"),
        ("nature_parti", rules.PARTY, None),
        ("versement_parti", rules.PARTY, None),
        ("versement_parti", rules.ASSOCIATION, "legal_person_gift"),
        ("emprunt_bancaire", rules.BANK, None),
        ("emprunt_bancaire", rules.COMPANY, "legal_person_gift"),  # only credit institutions lend
        ("pret_personne", rules.PERSON, None),
        ("apport_personnel", rules.CANDIDATE, None),
        ("apport_personnel", "martian", "bad_origin"),
        ("don_plateforme", rules.PERSON, "bad_category"),  # read from the platform, never typed
        ("dep_locaux", rules.PERSON, "bad_origin"),  # an expense has no origin
        ("nope", rules.PERSON, "bad_category"),
    ],
)
def test_origin(code, origin, expected):
    assert rules.origin_problem(code, origin) == expected


@pytest.mark.parametrize(
    ("code", "means", "amount", "expected"),
    [
        ("don_personne", rules.CASH, 15_000, None),
        ("don_personne", rules.CASH, 15_001, "cash_over_150"),
        ("don_personne", rules.CHEQUE, 400_000, None),
        ("don_personne", None, 100, "bad_means"),
        ("don_personne", "bitcoin", 100, "bad_means"),
        ("apport_personnel", None, 10**6, None),  # not a donation: no means asked
    ],
)
def test_means(code, means, amount, expected):
    assert rules.means_problem(code, means, amount) == expected


@pytest.mark.parametrize(
    ("head", "size", "expected"),
    [
        (b"%PDF-1.7\n", 1000, None),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", 1000, None),
        (b"\x89PNG\r\n\x1a\n\x00", 1000, None),
        (b"GIF89a", 1000, "attachment_type"),
        (b"<html><script>", 1000, "attachment_type"),
        (b"%PDF-1.7", 0, "attachment_empty"),
        (b"%PDF-1.7", rules.MAX_ATTACHMENT_BYTES + 1, "attachment_too_large"),
        (b"%PDF-1.7", rules.MAX_ATTACHMENT_BYTES, None),
    ],
)
def test_attachment(head, size, expected):
    assert rules.attachment_problem(head, size) == expected


def test_tally_by_origin_and_nature_with_in_kind_on_both_sides_and_reversals():
    totals = rules.tally(
        [
            Line(rules.PLATFORM_DONATIONS, 12_000, count=3),
            Line("don_personne", 5_000),
            Line("apport_personnel", 100_000),
            Line("emprunt_bancaire", 200_000),
            Line("pret_personne", 30_000),
            Line("nature_parti", 8_000),
            Line("dep_impression", 150_000),
            Line("dep_locaux", 20_000),
            Line("dep_locaux", 20_000, reversal=True),
        ]
    )
    assert totals.receipts_cents == 12_000 + 5_000 + 100_000 + 200_000 + 30_000 + 8_000
    assert totals.expenses[rules.IN_KIND_EXPENSES] == 8_000
    assert totals.expenses["dep_locaux"] == 0 and totals.counts["dep_locaux"] == 0
    assert totals.expenses_cents == 150_000 + 8_000
    assert totals.balance_cents == 355_000 - 158_000
    assert totals.loans == {rules.BANK: 200_000, rules.PARTY: 0, rules.PERSON: 30_000, rules.CANDIDATE: 0}
    assert totals.section_cents("dons") == 17_000
    assert rules.personal_contribution_cents(totals) == 330_000


@pytest.mark.parametrize(
    ("receipts", "expenses", "missing", "state", "expected"),
    [
        (100, 100, 0, rules.DRAFT, []),  # in balance
        (200, 100, 0, rules.DRAFT, []),  # in surplus
        (0, 0, 0, rules.DRAFT, []),  # nothing spent, nothing received
        (99, 100, 0, rules.DRAFT, ["deficit"]),
        (100, 100, 2, rules.DRAFT, ["missing_proofs"]),
        (99, 100, 1, rules.DRAFT, ["deficit", "missing_proofs"]),
        (100, 100, 0, rules.FILED, ["already_filed"]),
    ],
)
def test_filing(receipts, expenses, missing, state, expected):
    lines = [Line("apport_personnel", receipts)] if receipts else []
    lines += [Line("dep_divers", expenses)] if expenses else []
    assert rules.filing_problems(rules.tally(lines), missing, state) == expected


@pytest.mark.parametrize(
    ("state", "decision", "expected"),
    [
        (rules.FILED, rules.APPROVED, None),
        (rules.FILED, rules.REFORMED, None),
        (rules.FILED, rules.REJECTED, None),
        (rules.APPROVED, rules.REFORMED, None),  # a decision entered wrongly can be corrected
        (rules.DRAFT, rules.APPROVED, "not_filed"),
        (rules.FILED, "maybe", "bad_decision"),
        (rules.FILED, rules.DRAFT, "bad_decision"),
    ],
)
def test_decision(state, decision, expected):
    assert rules.decision_problem(state, decision) == expected


@pytest.mark.parametrize(
    ("decision", "refund", "contribution", "ceiling", "expected"),
    [
        (rules.APPROVED, 50_000, 100_000, 10_000_000, None),
        (rules.APPROVED, 100_000, 100_000, None, None),
        (rules.APPROVED, 100_001, 100_000, None, "refund_over_contribution"),
        (rules.REFORMED, 4_750, 10**6, 10_000, None),  # 47.5 % of the ceiling exactly
        (rules.REFORMED, 4_751, 10**6, 10_000, "refund_over_ceiling"),
        (rules.REJECTED, 1, 10**6, None, "refund_when_rejected"),
        (rules.REJECTED, 0, 10**6, None, None),
        (rules.APPROVED, -1, 10**6, None, "amount_not_positive"),
    ],
)
def test_refund(decision, refund, contribution, ceiling, expected):
    assert rules.refund_problem(decision, refund, contribution, ceiling) == expected


@pytest.mark.parametrize(
    ("cash_total", "ceiling", "expected"),
    [
        (1_400_000, 7_000_000, None),  # a fifth of a 70,000 EUR ceiling exactly
        (1_400_001, 7_000_000, "cash_over_share"),
        (300_000, 1_500_000, None),  # the rule starts at a 15,000 EUR ceiling
        (300_001, 1_500_000, "cash_over_share"),
        (10**6, 1_499_999, None),  # below it, only the 150 EUR per donation applies
        (10**9, None, None),  # ceiling unknown: nothing to compare with
        (0, 7_000_000, None),
    ],
)
def test_cash_donations_together_stay_within_a_fifth_of_the_ceiling(cash_total, ceiling, expected):
    assert rules.cash_total_problem(cash_total, ceiling) == expected


@pytest.mark.parametrize(
    ("expenses", "in_kind", "ceiling", "expected"),
    [
        (5_000_000, 0, 7_000_000, 0),
        (7_000_000, 0, 7_000_000, 0),  # the ceiling itself is allowed
        (6_000_000, 1_000_001, 7_000_000, 1),  # in-kind contributions count as expenses
        (9_000_000, 0, 7_000_000, 2_000_000),
        (9_000_000, 0, None, 0),
    ],
)
def test_expenses_over_the_ceiling_are_measured(expenses, in_kind, ceiling, expected):
    lines = [rules.Line("dep_impression", expenses)]
    if in_kind:
        lines.append(rules.Line("nature_candidat", in_kind))
    assert rules.ceiling_excess_cents(rules.tally(lines), ceiling) == expected


def test_code_table_is_consistent():
    codes = [c.code for c in rules.CATEGORIES]
    assert len(codes) == len(set(codes))
    for item in rules.CATEGORIES:
        assert item.kind in (rules.RECEIPT, rules.EXPENSE) and item.section in rules.SECTIONS
        assert item.fr and item.en
        assert all(origin not in rules.LEGAL_PERSONS for origin in item.origins)  # L52-8
        assert item.lender is None or item.lender in rules.LENDERS
    assert rules.BY_CODE[rules.IN_KIND_EXPENSES].kind == rules.EXPENSE
