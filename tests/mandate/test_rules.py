"""The mandate's pure decisions, table by table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from participatory.mandate import rules
from participatory.mandate.rules import OrganisationInput as Org

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", None),
        ("552100554", None),  # SIREN with a good Luhn key
        ("552 100 554", None),
        ("356000000", None),  # La Poste: the one SIREN outside the Luhn key
        ("552100555", "bad_siren"),
        ("W751234567", None),  # RNA
        ("w751234567", None),
        ("H123456789", None),  # the HATVP's own identifier
        ("H12345678", "bad_identifier"),
        ("X123456789", "bad_identifier"),
        ("55210055", "bad_identifier"),
        ("5521005541", "bad_identifier"),
        ("١٢٣٤٥٦٧٨٩", "bad_identifier"),  # other scripts' digits
    ],
)
def test_identifier(raw, problem):
    assert rules.identifier_problem(rules.clean_identifier(raw)) == problem


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Fédération Française de Football", "federation francaise de football", True),
        ("  L'Oréal  S.A. ", "l oreal sa", False),
        ("L'Oréal S.A.", "L’Oréal S A", True),
        ("Anticor", "Anticorr", False),
    ],
)
def test_name_key(a, b, same):
    assert (rules.name_key(a) == rules.name_key(b)) is same


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Anticor", [Org("Anticor")]),
        (
            "Anticor ; 552 100 554\n\n  UFC   Que Choisir | w751234567 ",
            [Org("Anticor", "552100554"), Org("UFC Que Choisir", "W751234567")],
        ),
        ("", []),
    ],
)
def test_parse_organisations(text, expected):
    assert rules.parse_organisations(text) == expected


@pytest.mark.parametrize(
    ("subject", "minutes", "organisations", "roles", "problem"),
    [
        ("Rencontre", 30, [Org("Anticor")], [], None),
        (" ", 30, [Org("Anticor")], [], "subject_required"),
        ("Rencontre", 0, [Org("Anticor")], [], "bad_duration"),
        ("Rencontre", 24 * 60 + 1, [Org("Anticor")], [], "bad_duration"),
        ("Rencontre", 30, [], [], "organisation_required"),
        ("Rencontre", 30, [Org("A")] * 21, [], "too_many_organisations"),
        ("Rencontre", 30, [Org("x" * 201)], [], "bad_organisation_name"),
        ("Rencontre", 30, [Org("Anticor", "123")], [], "bad_identifier"),
        ("Rencontre", 30, [Org("Anticor")], ["r"] * 21, "too_many_roles"),
    ],
)
def test_meeting_problem(subject, minutes, organisations, roles, problem):
    assert rules.meeting_problem(subject, minutes, organisations, roles) == problem


BILL_MD = """# Proposition de loi

Exposé des motifs : ignoré.

## Article 1er

- Le code est modifié.
- **Deux** alinéas.

**Article 2 bis** : En vigueur demain.

Art. 3
1° Premier point ;
2° Second point.
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            BILL_MD,
            [
                ("Article 1er", ("Le code est modifié.", "Deux alinéas.")),
                ("Article 2 bis", ("En vigueur demain.",)),
                ("Article 3", ("1° Premier point ;", "2° Second point.")),
            ],
        ),
        ("Article premier\nTexte.\nArticle 2\nAutre.", [("Article 1er", ("Texte.",)), ("Article 2", ("Autre.",))]),
        ("Une seule phrase.\nEt une autre.", [("Article unique", ("Une seule phrase.", "Et une autre."))]),
        ("\n  \n", []),
        ("Article 1er\nArticle 2\nTexte", [("Article 1er", ()), ("Article 2", ("Texte",))]),
    ],
)
def test_split_bill(text, expected):
    assert [(a.label, a.paragraphs) for a in rules.split_bill(text)] == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Article 1er\nTexte.", None),
        ("", "text_required"),
        ("Article 1er\nArticle 2\nTexte", "empty_article"),
        ("Article 1er\nA\nArticle premier\nB", "duplicate_article"),
        ("\n".join(f"Article {n}\nx" for n in range(1, 302)), "text_too_long"),
    ],
)
def test_bill_problem(text, problem):
    assert rules.bill_problem(rules.split_bill(text)) == problem


@pytest.mark.parametrize(
    ("title", "opens", "closes", "problem"),
    [
        ("Texte", NOW, NOW + timedelta(days=1), None),
        ("Texte", NOW - timedelta(days=9), NOW + timedelta(minutes=1), None),
        ("", NOW, NOW + timedelta(days=1), "title_required"),
        ("Texte", NOW, NOW, "dates_out_of_order"),
        ("Texte", NOW - timedelta(days=2), NOW - timedelta(days=1), "closes_in_past"),
    ],
)
def test_consultation_problem(title, opens, closes, problem):
    assert rules.consultation_problem(title, opens, closes, NOW) == problem


@pytest.mark.parametrize(
    ("opens", "closes", "is_open"),
    [
        (NOW, NOW + timedelta(days=1), True),
        (NOW + timedelta(seconds=1), NOW + timedelta(days=1), False),
        (NOW - timedelta(days=1), NOW, False),
        (NOW.replace(tzinfo=None) - timedelta(days=1), NOW.replace(tzinfo=None) + timedelta(days=1), True),  # SQLite
    ],
)
def test_is_open(opens, closes, is_open):
    assert rules.is_open(opens, closes, NOW) is is_open


@pytest.mark.parametrize(
    ("status", "reason", "merged_into", "problem"),
    [
        (rules.UNDER_REVIEW, "", None, None),
        (rules.TABLED, "Déposé", None, None),
        (rules.TABLED, " ", None, "reason_required"),
        (rules.NOT_RETAINED, "", None, "reason_required"),
        (rules.MERGED, "Même objet", 2, None),
        (rules.MERGED, "Même objet", None, "bad_merge_target"),
        (rules.MERGED, "Même objet", 1, "bad_merge_target"),  # itself
        (rules.MERGED, "Même objet", 9, "bad_merge_target"),  # another consultation's
        (rules.TABLED, "Déposé", 2, "merge_without_status"),
        ("adopted", "Oui", None, "bad_status"),
    ],
)
def test_answer_problem(status, reason, merged_into, problem):
    assert rules.answer_problem(status, reason, merged_into, 1, {1, 2, 3}) == problem


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("a b c", "a b c", "a b c"),
        ("a b c", "a x c", "a <del>b</del> <ins>x</ins> c"),
        ("a b", "a b c", "a b <ins>c</ins>"),
        ("a <b> c", "a c", "a <del>&lt;b&gt;</del> c"),
        ("x", "<script>alert(1)</script>", "<del>x</del> <ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>"),
    ],
)
def test_word_diff_is_escaped_html(before, after, expected):
    assert rules.word_diff_html(before, after) == expected
