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


def test_seed_prints_one_sign_in_per_role_with_a_working_argon2_password(app):
    from participatory import clock
    from participatory.accounts.services.identity import authenticate

    result = invoke(app, "--calls", "5", "--voters-per-call", "2", "--seed", "4")
    assert result.exit_code == 0, result.output
    lines = result.output.split("Sign in as", 1)[1].splitlines()[1:]
    rows = {line.split()[0]: line.split()[1:3] for line in lines if line.strip()}
    assert set(rows) == {"resident", "mp", "candidate", "financial_agent", "auditor", "admin"}
    with app.app_context():
        for role, (email, password) in rows.items():
            user = authenticate(db.session, email=email, password=password, now=clock.now())
            assert user.password_hash.startswith("$argon2id$") and password not in user.password_hash
            if role not in ("resident",):
                assert user.has_role(role), role
        mp = db.session.scalar(select(User).where(User.email == rows["mp"][0]))
        resident = db.session.scalar(select(User).where(User.email == rows["resident"][0]))
        assert mp.mp_constituencies() == [resident.constituency_code]
        db.session.remove()
    again = invoke(app, "--calls", "5", "--voters-per-call", "2", "--reset", "--no-sign-ins")
    assert again.exit_code == 0, again.output and "Sign in as" not in again.output
    assert count(app, User) > 0


@pytest.mark.parametrize(("env", "allowed", "refused"), [("production", False, True), ("production", True, False)])
def test_sign_ins_are_refused_in_production_unless_allowed(app, monkeypatch, env, allowed, refused):
    monkeypatch.setitem(app.config, "ENV_NAME", env)
    monkeypatch.setitem(app.config, "DEMO_ACCOUNTS_ALLOWED", allowed)
    result = invoke(app, "--calls", "5", "--voters-per-call", "1")
    if refused:
        assert result.exit_code != 0 and "refused in production" in result.output
        assert count(app, Call) == 0 and count(app, User) == 0
        assert invoke(app, "--calls", "5", "--voters-per-call", "1", "--no-sign-ins").exit_code == 0
    else:
        assert result.exit_code == 0 and "Sign in as" in result.output


def test_reset_after_testers_used_the_demo_sign_ins(app):
    """What a tester does with the printed sign-ins (the MP's agenda and consultation, the resident's comment,
    report and amendment, the admin's legal text) must not stop `--reset`, which removes the demo's own
    content and leaves no row pointing at a removed account, whatever the database (PostgreSQL checks the
    foreign keys, SQLite here does not: the orphan count below is checked on both)."""
    from participatory import clock
    from participatory.crowdfunding.models import LegalText
    from participatory.mandate.models import BillComment, Consultation, Meeting
    from participatory.mandate.services import amendments
    from tests.mandate import builders

    result = invoke(app, "--calls", "5", "--voters-per-call", "2", "--seed", "5")
    assert result.exit_code == 0, result.output
    lines = result.output.split("Sign in as", 1)[1].splitlines()[1:]
    emails = {line.split()[0]: line.split()[1] for line in lines if line.strip()}
    with app.app_context():
        session, now = db.session, clock.now()
        mp, resident, admin = (
            session.scalar(select(User).where(User.email == emails[role])) for role in ("mp", "resident", "admin")
        )
        code = mp.mp_constituencies()[0]
        resident.display_name = "Résidente"
        builders.meeting(session, now, mp, code)
        consultation = builders.consultation(session, now, mp, code)
        paragraph = builders.first_paragraph(consultation)
        comment = amendments.post_comment(session, resident, now, paragraph, "Résidente", "Et l'alinéa 2 ?")
        amendments.report_comment(session, mp, now, comment)  # a report: its reporter has no ON DELETE action
        amended = builders.amendment(session, now, resident, consultation)
        amendments.support_amendment(session, mp, now, amended)
        session.merge(LegalText(key="demo-notice", body="Mentions", updated_at=now, updated_by_id=admin.id))
        other = "75-01" if code != "75-01" else "75-02"  # one MP per constituency
        kept = builders.meeting(session, now, builders.user(session, now, "real-mp", other, ("mp", other)), other)
        session.commit()
        kept_id = kept.id
        session.remove()

    replaced = invoke(app, "--calls", "5", "--voters-per-call", "2", "--reset", "--no-sign-ins")
    assert replaced.exit_code == 0, replaced.output
    with app.app_context():
        session = db.session
        assert session.scalar(select(func.count()).select_from(Consultation)) == 0  # the demo MP's, removed
        assert session.scalar(select(func.count()).select_from(BillComment)) == 0
        assert [m.id for m in session.scalars(select(Meeting))] == [kept_id]  # a real MP's meeting stays
        assert session.get(LegalText, "demo-notice").updated_by_id is None  # the text stays, its editor is gone
        for table in db.metadata.sorted_tables:  # no row points at a removed one, through any foreign key
            for key in table.foreign_keys:
                present = select(key.column)
                dangling = select(func.count()).where(key.parent.is_not(None), key.parent.not_in(present))
                assert session.scalar(dangling.select_from(table)) == 0, f"{table.name}.{key.parent.name}"
        session.remove()
