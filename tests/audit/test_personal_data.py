"""No personal data in any public export, API response or audit detail.

Seeds a closed call (voters, authors and an MP with distinctive names, emails and
home points) and donations taken through the crowdfunding services (a fake gateway,
then a signed-webhook-equivalent success), then searches every public output for
each seeded person's email, name, address and exact home point.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import sqlalchemy as sa

from participatory import clock
from participatory.accounts.models import User
from participatory.audit.models import AuditEvent
from participatory.calls.exports import FILES
from participatory.crowdfunding.services.donations import start_donation
from participatory.crowdfunding.services.webhooks import handle_event
from participatory.extensions import db
from tests.builders import make_closed_call
from tests.crowdfunding.conftest import FakeGateway, build_world, donor

DONORS = [
    donor(
        first_name="Ghislaine",
        last_name="Quérouil",
        email="ghislaine.querouil@example.org",
        address="17 impasse des Glycines",
        postal_code="33130",
        city="Bègles",
    ),
    donor(
        first_name="Théophraste",
        last_name="Ombrelune",
        email="t.ombrelune@example.org",
        address="4 allée du Moulin Rouge",
        postal_code="33800",
        city="Bordeaux",
    ),
]


def _seed(app, now) -> tuple[list[str], list[str]]:
    """Returns (needles, public urls)."""
    with app.app_context():
        session = db.session
        world = make_closed_call(session, now, proposals=5, voters=8)
        real_now = clock.now()  # the election window is checked against real time
        money = build_world(session, real_now)
        gateway = FakeGateway()
        for i, person in enumerate(DONORS):
            started = start_donation(
                session,
                real_now,
                gateway,
                candidacy=money.candidacy,
                donor=person,
                amount_cents=5_000 * (i + 1),
                cap_cents=460_000,
                pending_ttl=timedelta(minutes=30),
            )
            handle_event(
                session,
                real_now,
                {
                    "id": f"evt_pii_{i}",
                    "type": "payment_intent.succeeded",
                    "account": money.candidacy.stripe_account_id,
                    "data": {
                        "object": {
                            "id": started.donation.payment_intent_id,
                            "amount": started.donation.amount_cents,
                            "currency": "eur",
                        }
                    },
                },
                cap_cents=460_000,
                pending_ttl=timedelta(minutes=30),
            )
        session.commit()
        needles = []
        for user in session.scalars(sa.select(User)):
            needles.append(user.email)
            if " " in user.display_name:  # real names; the crowdfunding builders' "candidate", "other" are words
                needles.append(user.display_name)
            for value in (user.home_lat, user.home_lon):
                if value is not None:
                    needles.append(f"{value:.4f}")  # the exact point, to 11 m or better
        for person in DONORS:
            needles += [person.email, person.first_name, person.last_name, person.address]
        code, year = world.call.constituency_code, world.call.year
        urls = [
            "/api/v1/constituencies",
            "/api/v1/calls",
            f"/api/v1/calls/{code}",
            f"/api/v1/calls/{code}/results",
            f"/api/v1/calls/{code}/results.pb",
            "/api/v1/national/calls.csv",
            "/api/v1/national/results.csv",
            "/api/v1/national/donations.csv",
            "/api/v1/datapackage.json",
            "/api/v1/openapi.json",
            f"/api/v1/candidates/{money.candidacy.id}/donations/summary",
            *(f"/api/v1/calls/{code}/exports/{name}?year={year}" for name in FILES),
        ]
        return [n for n in needles if n], urls


def _leaks(text: str, needles: list[str]) -> list[str]:
    return [n for n in needles if re.search(re.escape(n), text, re.IGNORECASE)]


def test_no_personal_data_in_public_outputs_or_audit_details(app, now):
    needles, urls = _seed(app, now)
    assert len(needles) > 40
    client = app.test_client()
    leaks = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.mimetype == "application/pdf":
            # Compressed text: the PDF report prints the same strings as report.html, checked here too.
            assert response.data.startswith(b"%PDF-"), url
            continue
        if found := _leaks(response.get_data(as_text=True), needles):
            leaks[url] = found
    with app.app_context():
        events = list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)))
        assert {"ballot.cast", "call.results_computed", "donation.succeeded"} <= {e.action for e in events}
        for event in events:
            text = json.dumps([event.actor, event.object_id, event.details], ensure_ascii=False)
            if found := _leaks(text, needles):
                leaks[f"audit #{event.seq} {event.action}"] = found
    assert not leaks, leaks


def test_the_scan_would_see_a_leak(app, now):
    """The needles are real: the auditors' donation ledger (not public) does show donor identities."""
    needles, _ = _seed(app, now)
    assert _leaks("Don de Ghislaine Quérouil, 17 impasse des Glycines", needles)
