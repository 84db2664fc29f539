"""L52-5, L52-6: the candidate is never their own mandataire, and a mandataire acts only on their campaigns."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from participatory.accounts.models import RoleGrant
from participatory.accounts.rules import CANDIDATE, FINANCIAL_AGENT
from participatory.crowdfunding import rules
from participatory.crowdfunding.errors import CrowdfundingError
from participatory.crowdfunding.models import Candidacy, Donation
from participatory.crowdfunding.services import campaigns
from tests.crowdfunding.conftest import make_candidacy, make_user
from tests.crowdfunding.test_pages import signed_in_client

APPLY = {
    "constituency_code": "33-04",
    "candidate_name": "Jeanne Test",
    "party_label": "Sans étiquette",
    "agent_kind": "mandataire",
    "agent_name": "Jeanne Test",
    "agent_designated_on": "2024-01-15",
}


def test_a_candidacy_naming_its_own_candidate_as_mandataire_is_refused(app, session, world):
    resident = make_user(session, world.now, "self-agent")
    session.commit()
    client = signed_in_client(app, resident)
    for spelling in (resident.email, resident.email.upper(), resident.email.title()):
        response = client.post(f"/elections/{world.election.id}/candidater", data={**APPLY, "agent_email": spelling})
        assert response.status_code == 400, spelling
        assert "propre mandataire" in response.get_data(as_text=True), spelling
    assert session.scalar(select(Candidacy.id).where(Candidacy.user_id == resident.id)) is None


def test_the_service_refuses_it_too_and_an_admin_cannot_approve_such_a_candidacy(session, world):
    resident = make_user(session, world.now, "self-agent-2")
    with pytest.raises(CrowdfundingError) as refused:
        campaigns.apply(
            session,
            resident,
            world.now,
            election=world.election,
            constituency_code="33-04",
            candidate_name="X",
            party_label="Y",
            agent_kind="mandataire",
            agent_name="X",
            agent_designated_on=world.now.date(),
            agent_email=resident.email,
        )
    assert refused.value.code == "agent_is_candidate"
    legacy = make_candidacy(session, world.now, world.election, resident, resident, code="75-18", status=rules.APPLIED)
    with pytest.raises(CrowdfundingError) as refused:
        campaigns.decide(session, world.admin, world.now, legacy, approve=True)
    assert refused.value.code == "agent_is_candidate"


@pytest.fixture
def crossed(session, world):
    """Camille is the candidate of the world's campaign and, elsewhere, the mandataire of another one."""
    other_candidate = make_user(session, world.now, "elsewhere", CANDIDATE)
    grant = RoleGrant(user_id=world.candidate.id, role=FINANCIAL_AGENT, constituency_code=None, granted_at=world.now)
    session.add(grant)
    elsewhere = make_candidacy(session, world.now, world.election, other_candidate, world.candidate, code="69-01")
    donation = Donation(
        ref="crossed-ref-1",
        candidacy_id=world.candidacy.id,
        election_id=world.election.id,
        donor_key="1" * 64,
        amount_cents=2000,
        currency="eur",
        status=rules.SUCCEEDED,
        created_at=world.now,
        succeeded_at=world.now,
        first_name="A",
        last_name="B",
        email="a@example.org",
        address="1 rue",
        postal_code="33000",
        city="Bordeaux",
        country="FR",
        eligibility="nationality",
        attested_natural_person=True,
        attested_own_funds=True,
        payment_intent_id="pi_crossed1",
        receipt_number=1,
    )
    session.add(donation)
    session.commit()
    return elsewhere, donation


def _money_routes(candidacy_id: int, donation_id: int):
    return [
        ("GET", f"/mandataire/campagnes/{candidacy_id}/registre.csv", {}),
        ("GET", f"/mandataire/campagnes/{candidacy_id}/rapprochement", {}),
        ("POST", f"/mandataire/campagnes/{candidacy_id}/stripe", {}),
        ("GET", f"/mandataire/campagnes/{candidacy_id}/stripe/retour", None),
        ("GET", f"/mandataire/campagnes/{candidacy_id}/stripe/nouveau-lien", None),
        ("POST", f"/mandataire/dons/{donation_id}/rembourser", {"reason": "donor_request"}),
    ]


def test_holding_the_mandataire_role_elsewhere_gives_no_hand_on_ones_own_campaigns_money(app, session, world, crossed):
    elsewhere, donation = crossed
    candidate = signed_in_client(app, world.candidate)
    for method, url, data in _money_routes(world.candidacy.id, donation.id):
        response = candidate.open(url, method=method, data=data)
        assert response.status_code == 403, (method, url)
    session.expire_all()
    assert session.get(Donation, donation.id).status == rules.SUCCEEDED
    assert session.get(Candidacy, world.candidacy.id).stripe_account_id == "acct_test0001"
    # …while on the campaign they really are the mandataire of, they act.
    assert candidate.get(f"/mandataire/campagnes/{elsewhere.id}/registre.csv").status_code == 200
    # The campaign's own mandataire still acts on it.
    agent = signed_in_client(app, world.agent)
    assert agent.get(f"/mandataire/campagnes/{world.candidacy.id}/registre.csv").status_code == 200
