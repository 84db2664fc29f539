"""The pure rules of accounts, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from constituencies.services import CATALOGUE
from participatory.accounts import abroad
from participatory.accounts.rules import (
    LETTER_CODE_ALPHABET,
    LETTER_CODE_LENGTH,
    LETTER_LOCKED,
    LETTER_REQUESTED,
    LETTER_SENT,
    LETTER_USED,
    LETTER_VOID,
    PARIS,
    TOKEN_EXPIRED,
    TOKEN_USED,
    TOKEN_VALID,
    coordinates_problem,
    email_problem,
    format_letter_code,
    grant_problem,
    letter_code_digest,
    letter_expiry,
    letter_redeem_problem,
    new_letter_code,
    normalise_letter_code,
    password_problem,
    postcode_matches_department,
    residence_change_problem,
    text_problem,
    token_digest,
    token_state,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("", False),
        ("short", False),
        ("a" * 11, False),
        ("aaaaaaaaaaaaaaaa", False),  # long but a single character
        ("ana@example.test", False),  # the email itself
        ("correct horse battery staple", True),
        ("<script>alert(1)</script>", True),  # never displayed, only hashed
        ("x" * 257, False),
        ("good password\x00here", False),
        ("mot de passe très sûr", True),
    ],
)
def test_password_rules(app_ctx, password, ok):
    assert (password_problem(password, "ana@example.test") is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("Ana Lima", True),
        ("Zoë Ærø-Ñuñez", True),
        ("名前", True),
        ("<b>Ana</b>", False),
        ("<script>alert(1)</script>", False),
        ("Ana\x00", False),
        ("Ana\u202eamiL", False),  # right-to-left override
        ("An\u200ba", False),  # zero-width space
        ("\ufeffAna", False),  # byte-order mark
        ("Ana\u2066x\u2069", False),  # bidi isolate
        ("line\nbreak", False),
        ("x" * 80, True),
        ("x" * 81, False),
    ],
)
def test_text_rules(app_ctx, value, ok):
    assert (text_problem(value, max_length=80) is None) is ok


def test_multiline_text_keeps_line_breaks(app_ctx):
    assert text_problem("1 rue\nBât. B", max_length=80, multiline=True) is None


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("ana@example.org", True),
        ("", False),
        ("ana", False),
        ("ana@", False),
        ("a b@example.test", False),
        ("ana@exämple.org", True),
        ("anä@example.org", False),
        ("ana@example.test", False),
        ("x" * 250 + "@e.fr", False),
    ],
)
def test_email_rules(app_ctx, email, ok):
    assert (email_problem(email) is None) is ok


@pytest.mark.parametrize(
    ("used", "expires", "state"),
    [
        (None, NOW + timedelta(minutes=1), TOKEN_VALID),
        (None, NOW, TOKEN_EXPIRED),
        (None, NOW - timedelta(seconds=1), TOKEN_EXPIRED),
        (NOW - timedelta(minutes=5), NOW + timedelta(hours=1), TOKEN_USED),
        (None, (NOW + timedelta(hours=1)).replace(tzinfo=None), TOKEN_VALID),  # naive (SQLite) read as UTC
    ],
)
def test_token_states(used, expires, state):
    assert token_state(used_at=used, expires_at=expires, now=NOW) == state


def test_token_digest_is_stable_and_not_the_token():
    assert token_digest("abc") == token_digest("abc") != "abc" and len(token_digest("abc")) == 64


@pytest.mark.parametrize(
    ("current", "wanted", "declared_days_ago", "ok"),
    [
        (None, "33-04", None, True),  # first declaration
        ("33-04", "33-04", 1, True),  # moving within the constituency
        ("33-04", "75-18", 1, False),  # too soon
        ("33-04", "75-18", 29, False),
        ("33-04", "75-18", 30, True),
        ("33-04", "ZZ-03", 45, True),
    ],
)
def test_residence_change_cooldown(app_ctx, current, wanted, declared_days_ago, ok):
    declared = NOW - timedelta(days=declared_days_ago) if declared_days_ago is not None else None
    assert (residence_change_problem(current=current, wanted=wanted, declared_at=declared, now=NOW) is None) is ok


@pytest.mark.parametrize(
    ("lat", "lon", "ok"),
    [
        (44.8, -0.5, True),
        (None, 1.0, False),
        (91.0, 0.0, False),
        (0.0, -181.0, False),
        (float("nan"), 0.0, False),
        (float("inf"), 0.0, False),
    ],
)
def test_coordinates(app_ctx, lat, lon, ok):
    assert (coordinates_problem(lat, lon) is None) is ok


@pytest.mark.parametrize(
    ("postcode", "department", "ok"),
    [
        ("33000", "33", True),
        ("33800", "33", True),
        ("75018", "33", False),
        ("20000", "2A", True),
        ("20200", "2B", True),
        ("97110", "ZA", True),
        ("97400", "ZD", True),
        ("97133", "ZX", True),
        ("97150", "ZX", True),
        ("3300", "33", False),
        ("SW1A 1AA", "ZZ", False),
    ],
)
def test_postcode_hint(postcode, department, ok):
    assert postcode_matches_department(postcode, department) is ok


def test_letter_codes_are_random_readable_and_normalised():
    codes = {new_letter_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == LETTER_CODE_LENGTH and set(c) <= set(LETTER_CODE_ALPHABET) for c in codes)
    code = next(iter(codes))
    shown = format_letter_code(code)
    assert shown[5] == "-" and normalise_letter_code(shown) == code
    assert normalise_letter_code(f"  {shown.lower()} ") == code
    assert normalise_letter_code(shown.replace("-", " ")) == code


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ABCDE",
        "ABCDE-2345O",
        "ABCDE-23456-7",
        "ABCDE_23456",
        "ABCDÉ-23456",
        "<script>",
    ],
)
def test_malformed_letter_codes(typed):
    assert normalise_letter_code(typed) is None


def test_letter_code_digest_depends_on_the_secret():
    assert letter_code_digest("ABCDE23456", "one") != letter_code_digest("ABCDE23456", "two")
    assert letter_code_digest("ABCDE23456", "one") == letter_code_digest("ABCDE23456", "one")


@pytest.mark.parametrize(
    ("status", "expires", "ok"),
    [
        (LETTER_SENT, NOW + timedelta(days=1), True),
        (LETTER_SENT, NOW - timedelta(seconds=1), False),  # expired
        (LETTER_USED, NOW + timedelta(days=1), False),  # reused
        (LETTER_LOCKED, NOW + timedelta(days=1), False),
        (LETTER_VOID, NOW + timedelta(days=1), False),
        (LETTER_REQUESTED, None, False),
    ],
)
def test_letter_redeem(app_ctx, status, expires, ok):
    assert (letter_redeem_problem(status=status, expires_at=expires, now=NOW) is None) is ok


def test_letter_expiry_is_the_end_of_the_printed_day_in_paris():
    expiry = letter_expiry(datetime(2026, 11, 22, 23, 30, tzinfo=UTC), 30)  # already the 23rd in Paris
    local = expiry.astimezone(PARIS)
    assert (local.date().isoformat(), local.hour, local.minute) == ("2026-12-23", 23, 59)


@pytest.mark.parametrize(
    ("role", "code", "ok"),
    [
        ("mp", "33-04", True),
        ("mp", None, False),
        ("admin", None, True),
        ("admin", "33-04", False),
        ("king", None, False),
        ("resident", None, False),  # everyone is a resident: never granted
    ],
)
def test_grant_rules(app_ctx, role, code, ok):
    assert (grant_problem(role, code) is None) is ok


@pytest.mark.parametrize(
    ("country", "code"),
    [
        ("US", "ZZ-01"),
        ("BR", "ZZ-02"),
        ("GB", "ZZ-03"),
        ("BE", "ZZ-04"),
        ("ES", "ZZ-05"),
        ("CH", "ZZ-06"),
        ("DE", "ZZ-07"),
        ("IT", "ZZ-08"),
        ("MA", "ZZ-09"),
        ("CM", "ZZ-10"),
        ("JP", "ZZ-11"),
        ("gb", "ZZ-03"),
        ("FR", None),
        ("PM", None),
        ("XX", None),
        ("", None),
    ],
)
def test_country_to_constituency_abroad(country, code):
    assert abroad.constituency_for_country(country) == code


def test_every_constituency_abroad_has_countries_and_names():
    assert set(abroad.COUNTRY_TO_CONSTITUENCY.values()) == {f"ZZ-{n:02d}" for n in range(1, 12)}
    assert "ZZ-" in CATALOGUE.read_text(encoding="utf-8")
    names = dict(abroad.country_choices("fr"))
    assert names["DE"] == "Allemagne" and names["XK"] == "Kosovo"
    assert dict(abroad.country_choices("en"))["DE"] == "Germany"
