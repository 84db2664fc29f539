"""One FranceConnect identity, one account, also when two accounts link it at the same moment (PostgreSQL,
real threads): the unique index decides, the loser gets the clear refusal, nothing half-written."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from participatory import clock
from participatory.accounts.errors import AccountError
from participatory.accounts.models import FranceConnectIdentity, User
from participatory.accounts.services import franceconnect as services
from participatory.extensions import db
from tests.accounts.conftest import make_account

CLAIMS = {"sub": "s" * 64, "given_name": "Ana", "family_name": "Dupont", "email": "ana@example.org"}


@pytest.mark.postgres_only
def test_two_accounts_linking_one_identity_at_once(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("concurrency claim checked on PostgreSQL (SQLite serialises writers anyway)")
        ids = [make_account(f"person{n}@example.org").id for n in (1, 2)]
    barrier, outcomes = threading.Barrier(2), []

    def link(user_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                services.link(db.session, user, subject_hash="h" * 64, claims=CLAIMS, now=clock.now())
                db.session.commit()
                outcomes.append("linked")
            except AccountError as error:
                db.session.rollback()
                outcomes.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=link, args=(user_id,)) for user_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[1] == "linked" and str(services.LINKED_ELSEWHERE) == sorted(outcomes)[0], outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FranceConnectIdentity)) == 1
