"""A donor pays on the donation page with localstripe's Stripe.js stand-in and sees the confirmation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from participatory import clock
from participatory.crowdfunding import rules
from participatory.crowdfunding.models import Donation
from participatory.extensions import db
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import free_port
from tests.crowdfunding.conftest import build_world
from tests.crowdfunding.localstripe import LocalStripe

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def localstripe():
    server = LocalStripe(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def campaign(app, live_server, localstripe, monkeypatch):
    for key, value in localstripe.config().items():
        monkeypatch.setitem(app.config, key, value)
    # Its Stripe.js stand-in can only complete an intent awaiting 3-D Secure (see gateway.py).
    monkeypatch.setitem(app.config, "STRIPE_LOCALSTRIPE", True)
    localstripe.register_webhook(f"{live_server.url}/stripe/webhook")
    with app.app_context():
        world = build_world(db.session, clock.now())
        db.session.commit()
        yield world.candidacy.id
        db.session.remove()


def test_pay_on_the_donation_page_and_see_the_confirmation(app, live_server, page, campaign):
    page.goto(f"{live_server.url}/candidats/{campaign}/don")
    page.get_by_text("50 €", exact=True).click()
    page.get_by_label("Prénom(s)").fill("Anaïs")
    page.get_by_label("Nom", exact=True).fill("Le Gall")
    page.get_by_label("Adresse e-mail (pour le reçu)").fill("anais@example.org")
    page.get_by_label("Adresse (numéro et voie)").fill("3 rue des Lilas")
    page.get_by_label("Code postal").fill("33000")
    page.get_by_label("Commune").fill("Bordeaux")
    page.get_by_label("je suis de nationalité française").check()
    page.get_by_label("J'atteste être une personne physique", exact=False).check()
    page.get_by_label("J'atteste que ce don provient de mes propres fonds.").check()
    page.get_by_role("button", name="Continuer vers le paiement").click()

    page.wait_for_url("**/paiement")
    assert_accessible(page, label="payment page")
    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill("4242424242424242")
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("30")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("33000")
    page.get_by_role("button", name="Payer").click()
    page.get_by_role("button", name="Complete authentication").click()  # localstripe's 3-D Secure step

    page.wait_for_url("**/dons/*")
    confirmed = page.locator("#donation-confirmed")
    confirmed.wait_for(timeout=20_000)  # after the payment_intent.succeeded webhook
    assert "Votre don est confirmé" in confirmed.inner_text()
    assert_accessible(page, label="donation confirmation")
    with app.app_context():
        donation = db.session.scalar(select(Donation))
        assert (donation.status, donation.amount_cents) == (rules.SUCCEEDED, 5000)
