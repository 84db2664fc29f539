"""Verification levels a call can require, table-driven."""

import pytest

from participatory.accounts.rules import verification_met

# (level, email confirmed, residence declared, residence verified) -> met?
TABLE = [
    ("email", False, False, False, False),
    ("email", True, False, False, True),
    ("residence", True, False, False, False),
    ("residence", True, True, False, True),
    ("residence", False, True, False, False),
    ("letter", True, True, False, False),
    ("letter", True, True, True, True),
    ("letter", False, True, True, False),
]


@pytest.mark.parametrize(("level", "email", "declared", "verified", "met"), TABLE)
def test_levels(level, email, declared, verified, met):
    assert (
        verification_met(level, email_confirmed=email, residence_declared=declared, residence_verified=verified) is met
    )


def test_unknown_level_is_refused():
    with pytest.raises(ValueError):
        verification_met("franceconnect", email_confirmed=True, residence_declared=True, residence_verified=True)
