"""Verification levels a call can require, table-driven."""

import pytest

from participatory.accounts.errors import VERIFICATION_LABELS
from participatory.accounts.rules import VERIFICATION_LEVELS, verification_met

# (level, email confirmed, residence declared, residence verified by letter, identity verified) -> met?
TABLE = [
    ("email", False, False, False, False, False),
    ("email", True, False, False, False, True),
    ("email", False, False, False, True, False),
    ("residence", True, False, False, False, False),
    ("residence", True, True, False, False, True),
    ("residence", False, True, False, False, False),
    ("letter", True, True, False, False, False),
    ("letter", True, True, True, False, True),
    ("letter", False, True, True, False, False),
    ("letter", True, True, False, True, False),  # a verified person is not a verified address
    # FranceConnect proves the person, never the address: a declared residence is needed beside it.
    ("franceconnect", True, True, False, True, True),
    ("franceconnect", True, False, False, True, False),
    ("franceconnect", True, True, True, False, False),  # a letter proves an address, not a person
    ("franceconnect", False, True, False, True, False),
    ("franceconnect", True, True, True, True, True),
]


@pytest.mark.parametrize(("level", "email", "declared", "verified", "identity", "met"), TABLE)
def test_levels(level, email, declared, verified, identity, met):
    assert (
        verification_met(
            level,
            email_confirmed=email,
            residence_declared=declared,
            residence_verified=verified,
            identity_verified=identity,
        )
        is met
    )


def test_every_level_has_a_label_and_rows():
    assert set(VERIFICATION_LABELS) == set(VERIFICATION_LEVELS)
    assert {row[0] for row in TABLE} == set(VERIFICATION_LEVELS)


def test_unknown_level_is_refused():
    with pytest.raises(ValueError):
        verification_met("census", email_confirmed=True, residence_declared=True, residence_verified=True)
