"""Builders for the donation tests: users, an open election, approved campaigns, donors; a fake
gateway for service tests; localstripe and the live app for the payment acceptance tests."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import pytest

from participatory import clock
from participatory.accounts.models import User
from participatory.accounts.rules import ADMIN, AUDITOR, CANDIDATE, EMAIL_CONFIRMED, FINANCIAL_AGENT
from participatory.crowdfunding import rules
from participatory.crowdfunding.gateway import CardDeclined, GatewayError, Intent
from participatory.crowdfunding.models import Candidacy, ConnectAccount, Donation, Election
from participatory.crowdfunding.services.donations import Donor
from participatory.extensions import db
from tests import builders
from tests.browser.conftest import LiveServer, free_port
from tests.conftest import sign_in  # noqa: F401  (the one sign-in helper; this folder's tests import it from here)
from tests.crowdfunding.localstripe import LocalStripe

_serial = itertools.count(1)


def make_user(session, now, key: str, *roles: str) -> User:
    """A user with a confirmed email and no residence, with unscoped `roles` (keys may repeat)."""
    return builders.make_user(
        session,
        now,
        key,
        None,
        *((role, None) for role in roles),
        level=EMAIL_CONFIRMED,
        email=f"{key}-{next(_serial)}@example.org",
        display_name=key,
    )


def make_election(session, now, first_round: date | None = None, **fields) -> Election:
    election = Election(
        name="Législatives test", first_round=first_round or (now + timedelta(days=60)).date(), created_at=now, **fields
    )
    session.add(election)
    session.flush()
    return election


def make_candidacy(
    session,
    now,
    election: Election,
    candidate: User,
    agent: User | None,
    *,
    code: str = "33-04",
    account: str | None = "acct_test0001",
    status: str = rules.APPROVED,
    connected: bool = True,  # the account as Stripe would say it takes donations
) -> Candidacy:
    candidacy = Candidacy(
        election_id=election.id,
        constituency_code=code,
        user_id=candidate.id,
        candidate_name=f"Candidate {candidate.id}",
        party_label="Parti de test",
        status=status,
        agent_kind="mandataire",
        agent_name="Paul Mandataire",
        agent_designated_on=(now - timedelta(days=10)).date(),
        agent_user_id=agent.id if agent else None,
        stripe_account_id=account,
        created_at=now,
    )
    session.add(candidacy)
    session.flush()
    if account and connected:
        ready_account(session, now, candidacy)
    return candidacy


def ready_account(session, now, candidacy: Candidacy, origin: str = "created") -> ConnectAccount:
    """What Stripe says of an account that takes donations (card payments and payouts enabled)."""
    row = ConnectAccount(
        candidacy_id=candidacy.id,
        account_id=candidacy.stripe_account_id,
        origin=origin,
        state=rules.ACCOUNT_READY,
        charges_enabled=True,
        payouts_enabled=True,
        card_payments="active",
        details_submitted=True,
        requirements_due=False,
        stripe_as_of=0,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


@dataclass
class World:
    now: datetime
    election: Election
    candidacy: Candidacy
    other: Candidacy  # another candidate of the same election
    candidate: User
    agent: User
    admin: User
    auditor: User


def build_world(session, now) -> World:
    candidate = make_user(session, now, "candidate", CANDIDATE)
    agent = make_user(session, now, "agent", FINANCIAL_AGENT)
    admin = make_user(session, now, "admin", ADMIN)
    auditor = make_user(session, now, "auditor", AUDITOR)
    other_candidate = make_user(session, now, "other", CANDIDATE)
    other_agent = make_user(session, now, "other-agent", FINANCIAL_AGENT)
    election = make_election(session, now)
    candidacy = make_candidacy(session, now, election, candidate, agent)
    other = make_candidacy(session, now, election, other_candidate, other_agent, code="75-18", account="acct_test0002")
    return World(now, election, candidacy, other, candidate, agent, admin, auditor)


@pytest.fixture
def world(session) -> World:
    # Real time: pages and webhooks use the clock, so the election must be open today.
    built = build_world(session, clock.now())
    session.commit()
    return built


DONOR = Donor(
    first_name="Anaïs",
    last_name="Le Gall",
    email="anais@example.org",
    address="3 rue des Lilas",
    postal_code="33000",
    city="Bordeaux",
    country="FR",
    eligibility="nationality",
    natural_person=True,
    own_funds=True,
)


def donor(**changes) -> Donor:
    return replace(DONOR, **changes)


FORM = {
    "amount_choice": "5000",
    "first_name": "Anaïs",
    "last_name": "Le Gall",
    "email": "anais@example.org",
    "address": "3 rue des Lilas",
    "postal_code": "33000",
    "city": "Bordeaux",
    "country": "FR",
    "eligibility": "nationality",
    "natural_person": "y",
    "own_funds": "y",
}


@dataclass
class FakeGateway:
    """Records calls; a stand-in where the test is about our database, not about Stripe."""

    fail: bool = False
    created: list[dict] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    refunds: list[dict] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)
    next_intent_id: str | None = None  # the id Stripe will give the next PaymentIntent (early-event tests)

    def create_intent(self, *, account, amount_cents, idempotency_key, metadata, payment_method=None) -> Intent:
        if self.fail:
            raise GatewayError("Stripe is down")
        intent_id = self.next_intent_id or f"pi_fake{len(self.created) + 1:04d}_{time.monotonic_ns()}"
        self.next_intent_id = None
        self.created.append(
            {"id": intent_id, "account": account, "amount": amount_cents, "key": idempotency_key, "metadata": metadata}
        )
        self.statuses[intent_id] = "requires_payment_method"
        return Intent(intent_id, f"{intent_id}_secret_x", "requires_payment_method", amount_cents, "eur", metadata)

    def cancel_intent(self, intent_id, *, account) -> Intent:
        if self.statuses.get(intent_id) == "succeeded":
            raise CardDeclined("already succeeded")
        self.cancelled.append(intent_id)
        self.statuses[intent_id] = "canceled"
        return Intent(intent_id, None, "canceled", 0, "eur")

    def retrieve_intent(self, intent_id, *, account) -> Intent:
        return Intent(intent_id, f"{intent_id}_secret_x", self.statuses[intent_id], 0, "eur")

    def refund(self, intent_id, *, account, idempotency_key, metadata) -> str:
        if self.fail:
            raise GatewayError("Stripe is down")
        self.refunds.append({"intent": intent_id, "account": account, "key": idempotency_key, "metadata": metadata})
        return f"re_fake{len(self.refunds)}"


@pytest.fixture
def fake_gateway() -> FakeGateway:
    return FakeGateway()


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.2):
    """Poll until predicate() is truthy (webhooks arrive asynchronously); a fresh transaction each time."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def reload(donation_id: int) -> Donation:
    """The donation as committed now (ends the test's transaction; its objects reload lazily)."""
    db.session.rollback()
    return db.session.get(Donation, donation_id)


# --- localstripe and the live app -----------------------------------------------------------------


@pytest.fixture(scope="session")
def localstripe_server():
    server = LocalStripe(free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def payments_live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture
def payments(app, localstripe_server, payments_live_server, monkeypatch):
    """The app configured for localstripe, whose webhook points at the live app under test."""
    for key, value in localstripe_server.config().items():
        monkeypatch.setitem(app.config, key, value)
    localstripe_server.register_webhook(f"{payments_live_server.url}/stripe/webhook")
    return localstripe_server


@pytest.fixture
def utc_now() -> datetime:
    return clock.now()
