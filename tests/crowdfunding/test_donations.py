"""Starting donations on the real database: window, candidate, attestations and the cross-candidate cap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participatory.audit.models import AuditEvent
from participatory.crowdfunding import rules
from participatory.crowdfunding.errors import CrowdfundingError, PaymentUnavailable
from participatory.crowdfunding.models import Donation
from participatory.crowdfunding.services.donations import counted_cents, expire_pending, start_donation
from tests.crowdfunding.conftest import donor

CAP = 460_000
TTL = timedelta(minutes=30)


def give(session, world, gateway, amount, *, candidacy=None, who=None, now=None):
    started = start_donation(
        session,
        now or world.now,
        gateway,
        candidacy=candidacy or world.candidacy,
        donor=who or donor(),
        amount_cents=amount,
        cap_cents=CAP,
        pending_ttl=TTL,
    )
    session.commit()
    return started.donation


def test_a_donation_is_recorded_pending_with_its_payment_intent(session, world, fake_gateway):
    donation = give(session, world, fake_gateway, 5000)
    assert donation.status == rules.PENDING and donation.payment_intent_id == fake_gateway.created[0]["id"]
    call = fake_gateway.created[0]
    assert call["account"] == "acct_test0001" and call["amount"] == 5000
    assert call["key"].startswith("donation-create-") and donation.ref not in call["key"]
    assert call["metadata"] == {
        "platform": "participatory",
        "donation": str(donation.id),
        "candidacy": str(world.candidacy.id),
        "election": str(world.election.id),
    }
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "donation.pending"))
    assert event.details == {"candidacy": world.candidacy.id, "amount_cents": 5000}


def test_the_cap_spans_every_candidate_of_the_election(session, world, fake_gateway):
    give(session, world, fake_gateway, 300_000)
    give(session, world, fake_gateway, 160_000, candidacy=world.other)  # exactly 4,600 EUR in all
    with pytest.raises(CrowdfundingError) as refused:
        give(session, world, fake_gateway, 100, who=donor(first_name="ANAIS", last_name="le-gall"))
    assert refused.value.code == "over_cap"
    assert session.scalar(select(func.count()).select_from(Donation)) == 2


def test_another_person_has_their_own_cap(session, world, fake_gateway):
    give(session, world, fake_gateway, CAP)
    give(session, world, fake_gateway, 5000, who=donor(first_name="Bernard"))


def test_failed_expired_and_refunded_donations_do_not_count(session, world, fake_gateway):
    for status in (rules.FAILED, rules.EXPIRED, rules.REFUNDED):
        d = give(session, world, fake_gateway, 200_000)
        d.status = status
        session.commit()
    assert counted_cents(session, world.election.id, donor().key, world.now, TTL) == 0
    give(session, world, fake_gateway, CAP)


def test_a_stale_pending_donation_releases_the_cap(session, world, fake_gateway):
    give(session, world, fake_gateway, CAP, now=world.now - TTL - timedelta(seconds=1))
    assert counted_cents(session, world.election.id, donor().key, world.now, TTL) == 0
    give(session, world, fake_gateway, 1000)


@pytest.mark.parametrize(
    "change, code",
    [
        ({"natural_person": False}, "attestations_required"),
        ({"own_funds": False}, "attestations_required"),
        ({"eligibility": "residence", "country": "BE", "postal_code": "1000"}, "residence_needs_france"),
        ({"eligibility": "other"}, "bad_eligibility"),
        ({"first_name": "."}, "name_without_letter"),
        ({"last_name": "- -"}, "name_without_letter"),
        ({"country": "ZZ"}, "bad_country"),
        ({"postal_code": "3300"}, "bad_postal_code"),
        ({"postal_code": "33000", "country": "DE", "eligibility": "nationality"}, None),  # five digits are German too
        ({"postal_code": "330", "country": "DE", "eligibility": "nationality"}, "bad_postal_code"),
    ],
)
def test_donor_conditions_of_l52_8(session, world, fake_gateway, change, code):
    if code is None:
        give(session, world, fake_gateway, 1000, who=donor(**change))
        return
    with pytest.raises(CrowdfundingError) as refused:
        give(session, world, fake_gateway, 1000, who=donor(**change))
    assert refused.value.code == code and not fake_gateway.created


def test_a_resident_of_guadeloupe_resides_in_france(session, world, fake_gateway):
    give(session, world, fake_gateway, 1000, who=donor(country="GP", postal_code="97110", eligibility="residence"))


def test_spellings_of_one_donor_share_one_cap_across_candidates(session, world, fake_gateway):
    give(session, world, fake_gateway, 400_000, who=donor())
    for spelling in (
        donor(postal_code="F-33000"),
        donor(first_name="Anaïs Marie", country="France"),
        donor(last_name="Lе Gаll", postal_code="33000 CEDEX"),  # Cyrillic е and а
    ):
        with pytest.raises(CrowdfundingError) as refused:
            give(session, world, fake_gateway, 100_000, who=spelling, candidacy=world.other)
        assert refused.value.code == "over_cap"


def test_a_french_national_abroad_may_give(session, world, fake_gateway):
    give(session, world, fake_gateway, 1000, who=donor(country="BE", postal_code="1000", eligibility="nationality"))


def test_minimum_one_euro(session, world, fake_gateway):
    with pytest.raises(CrowdfundingError, match="below_minimum"):
        give(session, world, fake_gateway, 99)


def test_window_and_candidate_are_checked(session, world, fake_gateway):
    with pytest.raises(CrowdfundingError, match="window_closed"):
        give(session, world, fake_gateway, 1000, now=world.now + timedelta(days=200))
    world.election.collection_opens_at = world.now + timedelta(days=1)  # early election set by hand
    with pytest.raises(CrowdfundingError, match="window_closed"):
        give(session, world, fake_gateway, 1000)
    session.rollback()
    world.other.status = rules.APPLIED
    with pytest.raises(CrowdfundingError, match="not_approved"):
        give(session, world, fake_gateway, 1000, candidacy=world.other)
    session.rollback()
    world.other.stripe_account_id = None
    world.other.status = rules.APPROVED
    with pytest.raises(CrowdfundingError, match="no_payment_account"):
        give(session, world, fake_gateway, 1000, candidacy=world.other)


def test_gateway_failure_is_reported(session, world, fake_gateway):
    fake_gateway.fail = True
    with pytest.raises(PaymentUnavailable):
        give(session, world, fake_gateway, 1000)


def test_expire_pending_cancels_at_stripe_and_leaves_paid_ones(session, world, fake_gateway):
    old = world.now - TTL - timedelta(minutes=1)
    unpaid = give(session, world, fake_gateway, 1000, now=old)
    paid = give(session, world, fake_gateway, 2000, now=old, who=donor(first_name="Bernard"))
    fresh = give(session, world, fake_gateway, 3000, who=donor(first_name="Claire"))
    fake_gateway.statuses[paid.payment_intent_id] = "succeeded"
    report = expire_pending(session, world.now, fake_gateway, TTL)
    session.commit()
    assert (report.expired, report.paid_meanwhile) == (1, 1)
    assert fake_gateway.cancelled == [unpaid.payment_intent_id]
    statuses = {d.id: d.status for d in session.scalars(select(Donation))}
    assert statuses == {unpaid.id: rules.EXPIRED, paid.id: rules.PENDING, fresh.id: rules.PENDING}
