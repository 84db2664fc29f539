"""On PostgreSQL, hand-entered donations and the platform's, at once, never take a donor past the cap."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from participatory import clock
from participatory.crowdfunding import rules as cf_rules
from participatory.crowdfunding.errors import CrowdfundingError
from participatory.crowdfunding.models import AccountEntry, Candidacy, Donation
from participatory.crowdfunding.rules import campaign_account as rules
from participatory.crowdfunding.services import campaign_account as services
from participatory.crowdfunding.services.donations import start_donation
from participatory.extensions import db
from tests.crowdfunding.campaign_account.conftest import CAP, TTL
from tests.crowdfunding.conftest import FakeGateway, donor

THREADS = 8
AMOUNT = 150_000  # 8 x 1,500 EUR attempted by one person; 3 fit under 4,600 EUR


@pytest.fixture(autouse=True)
def postgres_only(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency claim checked on PostgreSQL (SQLite serialises writers anyway)")


def test_hand_entered_and_platform_donations_at_once_stay_within_the_cap(app, world):
    ids = {"candidacy": world.candidacy.id, "other": world.other.id, "agent": world.agent.id}
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def one(i: int) -> None:
        with app.app_context(), Session(db.engine) as session:
            now = clock.now()
            try:
                if i % 2:  # the mandataires type a cheque from the same person, spelled their way
                    candidacy = session.get(Candidacy, ids["candidacy"] if i % 4 == 1 else ids["other"])
                    agent = session.get(type(world.agent), ids["agent"])
                    data = services.EntryInput(
                        kind=rules.RECEIPT,
                        category="don_personne",
                        entry_date=now.astimezone(cf_rules.PARIS).date(),
                        amount_cents=AMOUNT,
                        label="Chèque",
                        origin=rules.PERSON,
                        means=rules.CHEQUE,
                        donor=services.Donor("ANAÏS Marie", "Le-Gall", "3 rue des Lilas", "F-33000", "Bordeaux", "FR"),
                    )
                    barrier.wait()
                    services.add_entry(session, agent, now, candidacy, data, cap_cents=CAP, pending_ttl=TTL)
                else:  # while the person gives on the platform
                    candidacy = session.get(Candidacy, ids["candidacy"])
                    barrier.wait()
                    start_donation(
                        session,
                        now,
                        FakeGateway(),
                        candidacy=candidacy,
                        donor=donor(),
                        amount_cents=AMOUNT,
                        cap_cents=CAP,
                        pending_ttl=timedelta(minutes=30),
                    )
                session.commit()
                outcomes.append("accepted")
            except CrowdfundingError as error:
                session.rollback()
                outcomes.append(error.code)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["accepted"] * 3 + ["over_cap"] * 5
    with Session(db.engine) as session:
        typed = session.scalar(select(func.coalesce(func.sum(AccountEntry.amount_cents), 0)))
        given = session.scalar(select(func.coalesce(func.sum(Donation.amount_cents), 0)))
    assert typed + given == 3 * AMOUNT <= CAP
