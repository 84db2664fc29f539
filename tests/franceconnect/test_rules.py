"""The pure decisions about FranceConnect identities, table-tested: claims, the subject's hash, settings."""

from __future__ import annotations

import pytest

from participatory.accounts.rules import clean_claim_name, identity_claims_problem, subject_digest
from participatory.config import ConfigError, check

GOOD = {"sub": "ab" * 32, "given_name": "Ana Maria", "family_name": "Dupont-Lefèvre", "email": "ana@example.org"}


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({}, None),
        ({"birthdate": "1984-02-29", "birthplace": "2A004", "birthcountry": "99100", "gender": "female"}, None),
        ({"birthdate": "1962-08-00"}, None),  # day unknown (born abroad)
        ({"preferred_username": "Martin"}, None),
        ({"email": None}, None),  # only a new account needs it (services say so)
        ({"sub": ""}, "missing_sub"),
        ({"sub": 12}, "missing_sub"),
        ({"sub": "a b"}, "bad_sub"),
        ({"sub": "x" * 256}, "bad_sub"),
        ({"given_name": None}, "missing_given_name"),
        ({"family_name": "  "}, "missing_family_name"),
        ({"given_name": "Ana\x07"}, "bad_given_name"),
        ({"given_name": "Ana\u200b"}, "bad_given_name"),
        ({"family_name": "<b>Dupont</b>"}, "bad_family_name"),
        ({"family_name": "D" * 201}, "bad_family_name"),
        ({"family_name": "1234"}, "bad_family_name"),
        ({"email": ["ana@example.org"]}, "type_email"),
        ({"email": "ana@"}, "bad_email"),
        ({"birthdate": 19840229}, "type_birthdate"),
        ({"birthdate": "29/02/1984"}, "bad_birthdate"),
        ({"birthdate": "1984-14-01"}, "bad_birthdate"),
        ({"birthplace": "Paris"}, "bad_birthplace"),
        ({"birthcountry": "FR"}, "bad_birthcountry"),
        ({"gender": "F"}, "bad_gender"),
        ({"preferred_username": {"a": 1}}, "bad_preferred_username"),
    ],
)
def test_claims(changes, problem):
    assert identity_claims_problem({**GOOD, **changes}) == problem


@pytest.mark.parametrize("claims", [None, [], "sub", 42])
def test_claims_must_be_an_object(claims):
    assert identity_claims_problem(claims) == "not_an_object"


def test_names_are_stored_in_one_form():
    assert clean_claim_name("  Ana   Maria ") == "Ana Maria"
    assert clean_claim_name("Lefe\u0300vre") == "Lefèvre"  # NFC


def test_the_subject_is_kept_only_as_a_keyed_hash():
    digest = subject_digest("ab" * 32, "secret")
    assert len(digest) == 64 and "ab" * 32 not in digest
    assert digest == subject_digest("ab" * 32, "secret")
    assert digest != subject_digest("ab" * 32, "another secret")
    assert digest != subject_digest("AB" * 32, "secret")  # opaque: case matters


def test_settings_are_checked_at_start():
    base = {"SECRET_KEY": "k", "JOBS_QUEUE": "q", "AUDIT_SIGNING_KEY": ""}
    check(base | {"FRANCECONNECT_ENV": "integration"})
    with pytest.raises(ConfigError, match="FRANCECONNECT_ENV"):
        check(base | {"FRANCECONNECT_ENV": "staging"})
