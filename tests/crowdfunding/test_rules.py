"""The campaign-finance rules, table-tested with real dates and amounts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from participatory.crowdfunding import rules


@pytest.mark.parametrize(
    "first_round, opens_utc",
    [
        (date(2027, 6, 13), datetime(2026, 11, 30, 23, 0, tzinfo=UTC)),  # 1 Dec 2026 00:00 in Paris (winter time)
        (date(2022, 6, 12), datetime(2021, 11, 30, 23, 0, tzinfo=UTC)),
        (date(2024, 6, 30), datetime(2023, 11, 30, 23, 0, tzinfo=UTC)),
        (date(2028, 1, 16), datetime(2027, 6, 30, 22, 0, tzinfo=UTC)),  # across a year; summer time: 1 July 00:00
        (date(2027, 12, 31), datetime(2027, 5, 31, 22, 0, tzinfo=UTC)),
    ],
)
def test_collection_opens_six_months_before_the_first_day_of_the_election_month(first_round, opens_utc):
    assert rules.collection_opens(first_round) == opens_utc


@pytest.mark.parametrize(
    "first_round, tenth_friday",
    [
        (date(2024, 6, 30), date(2024, 9, 6)),  # the 2024 accounts were due on Friday 6 September 2024
        (date(2022, 6, 12), date(2022, 8, 19)),  # and the 2022 ones on Friday 19 August 2022
        (date(2027, 6, 13), date(2027, 8, 20)),
        (date(2027, 6, 11), date(2027, 8, 20)),  # a first round on a Friday counts from the next one
    ],
)
def test_tenth_friday_after_the_first_round(first_round, tenth_friday):
    assert rules.tenth_friday_after(first_round) == tenth_friday
    assert tenth_friday.weekday() == 4


def test_collection_closes_at_18_paris_time():
    assert rules.collection_closes(date(2024, 6, 30)) == datetime(2024, 9, 6, 16, 0, tzinfo=UTC)  # 18:00 CEST


def test_manual_window_overrides_the_legal_one_for_an_early_election():
    opens, closes = datetime(2024, 6, 10, tzinfo=UTC), datetime(2024, 9, 6, 16, tzinfo=UTC)
    window = rules.collection_window(date(2024, 6, 30), opens, None)
    assert window.opens_at == opens and window.closes_at == closes
    assert window.is_open(datetime(2024, 6, 10, tzinfo=UTC))
    assert not window.is_open(datetime(2024, 6, 9, 23, 59, tzinfo=UTC))
    assert not window.is_open(closes)


@pytest.mark.parametrize(
    "inhabitants, cents",
    [
        (0, 4_788_000),  # 38,000 x 1.26
        (100_000, 6_678_000),  # (38,000 + 15,000) x 1.26
        (123_457, 7_121_337),  # (38,000 + 18,518.55) x 1.26 = 71,213.373 EUR
        (150_000, 7_623_000),
    ],
)
def test_spending_ceiling_l52_11(inhabitants, cents):
    assert rules.spending_ceiling_cents(inhabitants) == cents


def test_spending_ceiling_amounts_and_coefficient_are_parameters():
    assert rules.spending_ceiling_cents(100_000, coefficient="1") == 5_300_000
    assert rules.spending_ceiling_cents(100_000, base_cents=0, per_inhabitant_cents=20, coefficient="1.5") == 3_000_000
    with pytest.raises(ValueError):
        rules.spending_ceiling_cents(-1)


def test_inhabitants_estimated_from_registered_voters():
    assert rules.estimated_inhabitants(80_000, "1.41") == 112_800


@pytest.mark.parametrize(
    "a, b",
    [
        (("Anaïs", "Le Gall", "33000", "FR"), ("ANAIS", "le  gall", "33 000", "fr")),
        (("Jean-Pierre", "D'Œuf", "75018", "FR"), ("jean pierre", "doeuf", "75018", "FR")),
        (("Zoë", "Müller-Lüdenscheidt", "67000", "FR"), ("Zoe", "Muller Ludenscheidt", "67000", "FR")),
        (("  Éloïse ", "N'Diaye", "97110", "FR"), ("eloise", "ndiaye", "97110", "FR")),
        (("Ｊｅａｎ", "Dupont", "33000", "FR"), ("Jean", "Dupont", "33000", "FR")),  # full-width letters (NFKD)
    ],
)
def test_donor_key_ignores_case_accents_spacing_and_punctuation(a, b):
    assert rules.donor_identity_key(*a) == rules.donor_identity_key(*b)


@pytest.mark.parametrize(
    "a, b",
    [
        (("Jean", "Dupont", "33000", "FR"), ("Jeanne", "Dupont", "33000", "FR")),
        (("Jean", "Dupont", "33000", "FR"), ("Jean", "Dupont", "33100", "FR")),
        (("Jean", "Dupont", "33000", "FR"), ("Jean", "Dupont", "33000", "BE")),
    ],
)
def test_donor_key_still_tells_different_people_apart(a, b):
    assert rules.donor_identity_key(*a) != rules.donor_identity_key(*b)


def test_donor_key_is_a_hash_not_the_identity():
    key = rules.donor_identity_key("Anaïs", "Le Gall", "33000", "FR")
    assert len(key) == 64 and "gall" not in key
    assert rules.donor_identity("Anaïs", "Le Gall", "33000", "FR") == "anais|legall|33000|FR"


SAME_PERSON = ("Jean", "Dupont", "33000", "FR")


@pytest.mark.parametrize(
    "spelling",
    [
        # postal codes written around the five digits
        ("Jean", "Dupont", "F-33000", "FR"),
        ("Jean", "Dupont", "FR 33000", "FR"),
        ("Jean", "Dupont", "FR-33000", "FR"),
        ("Jean", "Dupont", "F33000", "FR"),
        ("Jean", "Dupont", "33000 CEDEX", "FR"),
        ("Jean", "Dupont", "33000 Cedex 9", "FR"),
        ("Jean", "Dupont", " 33 000 ", "FR"),
        ("Jean", "Dupont", "３３０００", "FR"),  # full-width digits
        # countries written otherwise
        ("Jean", "Dupont", "33000", "fr"),
        ("Jean", "Dupont", "33000", "FRA"),
        ("Jean", "Dupont", "33000", "France"),
        ("Jean", "Dupont", "33000", " france "),
        # look-alike letters from other scripts (UTS #39 skeletons)
        ("Jеan", "Dupont", "33000", "FR"),  # Cyrillic е
        ("Jean", "Dupоnt", "33000", "FR"),  # Cyrillic о
        ("Јеаn", "Duрont", "33000", "FR"),  # Cyrillic Ј, е, а, р
        ("Jean", "Dupοnt", "33000", "FR"),  # Greek ο
        ("JEAN", "DUPΟNT", "33000", "FR"),  # Greek capital Ο
        ("Jean", "Ⅾupont", "33000", "FR"),  # Roman numeral Ⅾ
        ("Jean", "Dupont\u200b", "33000", "FR"),  # zero-width space
        ("Jean", "Du\u00adpont", "33000", "FR"),  # soft hyphen
        # given names: only the first counts
        ("Jean Pierre", "Dupont", "33000", "FR"),
        ("Jean-Pierre", "Dupont", "33000", "FR"),
        ("Jean, Pierre, Marie", "Dupont", "33000", "FR"),
        ("  jean   marc ", "Dupont", "33000", "FR"),
        ("Jéan", "DUPONT", "33000", "FR"),
    ],
)
def test_no_spelling_of_one_donor_escapes_the_cap(spelling):
    assert rules.donor_identity_problem(*spelling) is None
    assert rules.donor_identity_key(*spelling) == rules.donor_identity_key(*SAME_PERSON)


@pytest.mark.parametrize(
    "a, b",
    [
        (("Jean", "Dupont", "97100", "GP"), ("Jean", "Dupont", "97100", "FR")),  # Guadeloupe is France
        (("Jean", "Dupont", "97400", "RE"), ("Jean", "Dupont", "974 00", "France")),
        (("Hans", "Müller", "D-10115", "DE"), ("Hans", "Muller", "10115", "Germany")),
        (("Anna", "Rossi", "I-00184", "IT"), ("Anna", "Rossi", "00184", "ITA")),
        (("Tom", "Smith", "ec1y 8sy", "GB"), ("Tom", "Smith", "EC1Y8SY", "United Kingdom")),
        (("Luc", "Peeters", "B-1000", "BE"), ("Luc", "Peeters", "1000", "BE")),
    ],
)
def test_one_donor_abroad_or_overseas_is_one_key(a, b):
    assert rules.donor_identity_problem(*a) is None and rules.donor_identity_problem(*b) is None
    assert rules.donor_identity_key(*a) == rules.donor_identity_key(*b)


@pytest.mark.parametrize(
    "a, b",
    [
        (("Иван", "Петров", "33000", "FR"), ("Анна", "Петрова", "33000", "FR")),  # Cyrillic names stay apart
        (("Иван", "Петров", "33000", "FR"), ("Олег", "Петров", "33000", "FR")),
        (("明", "王", "33000", "FR"), ("伟", "王", "33000", "FR")),  # and Chinese ones
        (("Γιώργος", "Παπαδόπουλος", "33000", "FR"), ("Νίκος", "Παπαδόπουλος", "33000", "FR")),
        (("محمد", "علي", "33000", "FR"), ("أحمد", "علي", "33000", "FR")),
        (("Jean", "Dupont", "33000", "FR"), ("Jean", "Dupond", "33000", "FR")),
        (("Jean", "Dupont", "33000", "FR"), ("Jean", "Dupont", "1000", "BE")),
    ],
)
def test_names_in_any_script_never_collapse_to_one_key(a, b):
    assert rules.donor_identity_problem(*a) is None and rules.donor_identity_problem(*b) is None
    assert rules.donor_identity_key(*a) != rules.donor_identity_key(*b)
    assert all(rules.donor_identity(*x).split("|")[0] for x in (a, b))  # never an empty name part


@pytest.mark.parametrize(
    "identity, problem",
    [
        ((".", "Dupont", "33000", "FR"), "name_without_letter"),
        (("Jean", "-", "33000", "FR"), "name_without_letter"),
        (("Jean", "  ", "33000", "FR"), "name_without_letter"),
        (("123", "Dupont", "33000", "FR"), "name_without_letter"),
        (("Jean", "'‐’", "33000", "FR"), "name_without_letter"),
        (("", "", "33000", "FR"), "name_without_letter"),
        (("Jean", "Dupont", "33000", "XX"), "bad_country"),
        (("Jean", "Dupont", "33000", "Frankreich"), "bad_country"),
        (("Jean", "Dupont", "33000", ""), "bad_country"),
        (("Jean", "Dupont", "3300", "FR"), "bad_postal_code"),
        (("Jean", "Dupont", "330000", "FR"), "bad_postal_code"),
        (("Jean", "Dupont", "00100", "FR"), "bad_postal_code"),
        (("Jean", "Dupont", "ABCDE", "FR"), "bad_postal_code"),
        (("Jean", "Dupont", "", "FR"), "bad_postal_code"),
        (("Jean", "Dupont", "33000 PARIS", "FR"), "bad_postal_code"),
        (("Jean", "Dupont", "1234", "DE"), "bad_postal_code"),
        (("Jean", "Dupont", "ABC", "GB"), "bad_postal_code"),
    ],
)
def test_identities_that_cannot_give(identity, problem):
    assert rules.donor_identity_problem(*identity) == problem


@pytest.mark.parametrize(
    "current, target, allowed",
    [
        ("pending", "succeeded", True),
        ("pending", "failed", True),
        ("pending", "expired", True),
        ("succeeded", "failed", False),
        ("succeeded", "pending", False),
        ("succeeded", "expired", False),
        ("failed", "succeeded", True),
        ("expired", "succeeded", True),  # the money did arrive
        ("failed", "pending", False),
        ("succeeded", "refund_requested", True),
        ("refund_requested", "refunded", True),
        ("refunded", "succeeded", False),
        ("refund_requested", "succeeded", False),
        ("refunded", "failed", False),
        ("succeeded", "refunded", True),  # refunded from the Stripe dashboard
        ("pending", "refund_requested", False),
        ("failed", "refunded", False),
    ],
)
def test_state_machine_is_one_way(current, target, allowed):
    assert rules.can_transition(current, target) is allowed


@pytest.mark.parametrize(
    "amount, counted, problem",
    [
        (99, 0, "below_minimum"),
        (100, 0, None),
        (460_000, 0, None),
        (460_001, 0, "over_cap"),
        (10_000, 450_000, None),
        (10_001, 450_000, "over_cap"),
        (100, 460_000, "over_cap"),
    ],
)
def test_donation_problem_minimum_and_cap(amount, counted, problem):
    assert rules.donation_problem(amount, counted, 460_000) == problem


@pytest.mark.parametrize(
    "cents, bucket",
    [
        (100, "le_50"),
        (5_000, "le_50"),
        (5_001, "le_150"),
        (15_000, "le_150"),
        (15_001, "le_1000"),
        (100_000, "le_1000"),
        (100_001, "more"),
        (460_000, "more"),
    ],
)
def test_distribution_buckets(cents, bucket):
    assert rules.bucket_of(cents) == bucket


def test_summary_counts_donors_once_and_takes_the_median():
    summary = rules.summarize([(1000, "a"), (2000, "a"), (5000, "b"), (200_000, "c")])
    assert (summary.donations, summary.donors, summary.total_cents) == (4, 3, 208_000)
    assert summary.median_cents == 3500
    assert summary.distribution == {"le_50": 3, "le_150": 0, "le_1000": 0, "more": 1}
    empty = rules.summarize([])
    assert empty.median_cents is None and empty.total_cents == 0
