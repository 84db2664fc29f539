"""The `flask demo seed` command: output, refusal, --reset, bad arguments (non-zero, clear, nothing stored)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from participatory.accounts.models import User
from participatory.calls.models import Call
from participatory.extensions import db


def invoke(app, *args: str):
    return app.test_cli_runner().invoke(args=["demo", "seed", *args])


def count(app, model) -> int:
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
        return total


def test_seed_then_refuse_then_reset(app):
    result = invoke(app, "--calls", "5", "--voters-per-call", "4", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "Demo seeded" in result.output and "5 calls" in result.output and "1 upcoming" in result.output
    users = count(app, User)

    again = invoke(app, "--calls", "5", "--voters-per-call", "4")
    assert again.exit_code != 0
    assert "already has demo data" in again.output and "--reset" in again.output
    assert count(app, User) == users

    replaced = invoke(app, "--calls", "6", "--voters-per-call", "2", "--reset")
    assert replaced.exit_code == 0, replaced.output
    assert "Removed the previous demo: 5 calls" in replaced.output
    assert count(app, Call) == 6


@pytest.mark.parametrize(
    "args, message",
    [
        (["--calls", "0"], "--calls must be between 5 and 577"),
        (["--calls", "4"], "--calls must be between 5 and 577"),
        (["--calls", "578"], "--calls must be between 5 and 577"),
        (["--voters-per-call", "-1"], "--voters-per-call must be between 0"),
        (["--seed", "-5"], "--seed must be a non-negative integer"),
        (["--calls", "forty"], "'forty' is not a valid integer"),
        (["--voters-per-call", "1.5"], "'1.5' is not a valid integer"),
    ],
)
def test_bad_arguments_exit_non_zero_with_a_clear_message(app, args, message):
    result = invoke(app, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert count(app, Call) == 0 and count(app, User) == 0
