"""Donors signed in with FranceConnect give under their verified identity: the names come from it
(shown read-only, whatever is submitted), and the cap is keyed on the identity, not on a spelling."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from participatory.accounts.models import FranceConnectIdentity
from participatory.crowdfunding import rules
from participatory.crowdfunding.errors import CrowdfundingError
from participatory.crowdfunding.models import Donation
from participatory.crowdfunding.services.donations import start_donation
from tests.conftest import open_session
from tests.crowdfunding.conftest import FORM, donor, make_user

CAP = 460_000
TTL = timedelta(minutes=30)
ANA, NAMESAKE = "a" * 64, "b" * 64  # subject hashes of two people


def give(session, world, gateway, amount, who):
    donation = start_donation(
        session,
        world.now,
        gateway,
        candidacy=world.candidacy,
        donor=who,
        amount_cents=amount,
        cap_cents=CAP,
        pending_ttl=TTL,
    ).donation
    session.commit()
    return donation


def test_the_verified_key_is_the_identity_not_the_name():
    assert rules.verified_donor_key(ANA) == rules.verified_donor_key(ANA)
    assert rules.verified_donor_key(ANA) != rules.verified_donor_key(NAMESAKE)
    assert donor(verified_identity=ANA).key == donor(verified_identity=ANA, first_name="Bernard").key
    assert donor(verified_identity=ANA).key != donor().key  # never the key of a typed identity


def test_one_verified_person_has_one_cap_and_namesakes_have_their_own(session, world, fake_gateway):
    give(session, world, fake_gateway, CAP, donor(verified_identity=ANA))
    with pytest.raises(CrowdfundingError) as refused:
        give(session, world, fake_gateway, 100, donor(verified_identity=ANA, first_name="Ana", last_name="Other"))
    assert refused.value.code == "over_cap"
    # Same name, same postal code, another verified person: their own cap.
    give(session, world, fake_gateway, 5000, donor(verified_identity=NAMESAKE))


def test_the_donation_form_takes_the_names_from_franceconnect(app, session, world, fake_gateway, monkeypatch):
    user = make_user(session, world.now, "fc-donor")
    session.add(
        FranceConnectIdentity(
            user_id=user.id,
            subject_hash=ANA,
            given_name="Ana Maria",
            family_name="Dupont-Lefèvre",
            linked_at=world.now,
            verified_at=world.now,
        )
    )
    session.commit()
    monkeypatch.setattr("participatory.crowdfunding.views.public.gateway", lambda: fake_gateway)
    client = app.test_client()
    open_session(client, user.id)

    page = html.unescape(client.get(f"/candidats/{world.candidacy.id}/don").get_data(as_text=True))
    first_name = page.split('id="first_name"')[1].split(">")[0]
    assert 'value="Ana Maria"' in first_name and "readonly" in first_name
    assert "Transmis par FranceConnect" in page

    response = client.post(
        f"/candidats/{world.candidacy.id}/don", data={**FORM, "first_name": "Someone", "last_name": "Else"}
    )
    assert response.status_code == 302
    donation = session.scalar(select(Donation))
    assert (donation.first_name, donation.last_name) == ("Ana Maria", "Dupont-Lefèvre")  # the submitted ones ignored
    assert donation.donor_key == rules.verified_donor_key(ANA)
