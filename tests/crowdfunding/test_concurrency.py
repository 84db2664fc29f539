"""On PostgreSQL, one donor paying several candidates at once never gets past the 4,600 EUR cap."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from participatory import clock
from participatory.crowdfunding import rules
from participatory.crowdfunding.errors import CrowdfundingError
from participatory.crowdfunding.models import Candidacy, Donation
from participatory.crowdfunding.services.donations import start_donation
from participatory.extensions import db
from tests.crowdfunding.conftest import FakeGateway, donor

pytestmark = pytest.mark.postgres_only
THREADS = 8
AMOUNT = 150_000  # 8 x 1,500 EUR attempted; at most 3 (4,500 EUR) fit under 4,600 EUR


class SlowGateway(FakeGateway):
    """Stripe takes a while to answer: the window in which an unlocked check would let others in."""

    def create_intent(self, **kwargs):
        time.sleep(0.05)
        return super().create_intent(**kwargs)


@pytest.fixture(autouse=True)
def postgres_only(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency claim checked on PostgreSQL (SQLite serialises writers anyway)")


def test_concurrent_donations_across_candidates_stay_within_the_cap(app, world):
    candidacy_ids = [world.candidacy.id, world.other.id]
    spellings = [  # one person: case, accents, look-alike letters, middle names, postal and country spellings
        donor(),
        donor(first_name="ANAÏS", last_name="LE-GALL"),
        donor(last_name="le gall", postal_code="33 000"),
        donor(first_name="Anaïs Marie", postal_code="F-33000"),
        donor(first_name="Аnaïs", postal_code="33000 CEDEX", country="FRA"),  # Cyrillic А
        donor(last_name="Lе Gаll", postal_code="FR 33000", country="France"),  # Cyrillic е, а
    ]
    gateway = SlowGateway()
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []

    def one(i: int) -> None:
        with app.app_context(), Session(db.engine) as session:  # its own connection
            candidacy = session.get(Candidacy, candidacy_ids[i % 2])
            barrier.wait()
            try:
                start_donation(
                    session,
                    clock.now(),
                    gateway,
                    candidacy=candidacy,
                    donor=spellings[i % len(spellings)],
                    amount_cents=AMOUNT,
                    cap_cents=460_000,
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
    db.session.rollback()
    total = db.session.scalar(select(func.sum(Donation.amount_cents)).where(Donation.status == rules.PENDING))
    assert total == 3 * AMOUNT <= 460_000
    assert {d.candidacy_id for d in db.session.scalars(select(Donation))} <= set(candidacy_ids)
