"""The FranceConnect journey in Chromium, against the local OpenID Connect provider: a resident signs in
with FranceConnect, sets their residence and votes in a call that requires FranceConnect; a second
account of the same person can neither take the identity nor add a ballot. axe checks the new pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from participatory import clock
from participatory.calls import rules
from participatory.calls.models import Ballot
from participatory.extensions import db
from tests.accounts.conftest import make_account
from tests.browser.a11y import assert_accessible
from tests.browser.steps import LANDED_ON_ONES_CALL, sign_in
from tests.calls import builders
from tests.conftest import requires_shared
from tests.franceconnect.conftest import configure, running_provider

pytestmark = [pytest.mark.browser, requires_shared]
SUB = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.fixture
def provider(app, live_server, monkeypatch):
    base = live_server.url
    # Our redirect_uri is built from SERVER_NAME, as in production where FranceConnect knows it exactly.
    monkeypatch.setitem(app.config, "SERVER_NAME", base.removeprefix("http://"))
    with running_provider([base + "/compte/franceconnect/retour"], [base + "/compte/franceconnect/deconnecte"]) as fc:
        yield configure(app, monkeypatch, fc)


def through_franceconnect(page, login: str) -> None:
    """FranceConnect's side: the login page, then the consent page when it asks."""
    page.wait_for_url(re.compile(r"/interaction/"))
    page.get_by_label("Identifiant").fill(login)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    if "Consentement" in page.content():
        page.get_by_role("button", name="Continuer").click()


def test_one_person_votes_once_with_franceconnect(app, live_server, provider, page, browser):
    base = live_server.url
    with app.app_context():
        call = builders.call(db.session, clock.now(), rules.VOTING, code="33-02", verification_level="franceconnect")
        builders.proposal(db.session, clock.now(), call, title="Un jardin partagé")
        db.session.commit()
        call_id = call.id
    provider.add_identity(SUB, given_name="Camille", family_name="Durand", email="camille.fc@example.org")

    # 1. Sign in with FranceConnect: the button is accessible, the account is created.
    page.goto(f"{base}/compte/connexion")
    assert_accessible(page, label="login with the FranceConnect button")
    button = page.get_by_role("button", name="S'identifier avec FranceConnect")
    assert button.is_visible()
    assert page.get_by_role("link", name=re.compile("Qu'est-ce que FranceConnect")).get_attribute("target") == "_blank"
    button.click()
    through_franceconnect(page, SUB)
    page.wait_for_url(f"{base}/compte")
    assert "Votre compte est créé avec votre identité FranceConnect." in page.content()
    assert_accessible(page, label="account linked to FranceConnect")

    # 2. Residence, from the list of constituencies and a click on the map.
    page.goto(f"{base}/compte/residence")
    page.wait_for_selector("#residence-map[data-ready='yes']")
    page.get_by_label("Sans la carte : cherchez votre circonscription").fill("bordeaux")
    page.get_by_role("button", name="Gironde – 2e circonscription").click()
    page.locator("#point-status").filter(has_text="Gironde – 2e circonscription").wait_for()
    box = page.locator("#residence-map").bounding_box()
    with page.expect_response(lambda response: "/constituencies/lookup" in response.url):
        page.locator("#residence-map").click(position={"x": box["width"] / 2 + 8, "y": box["height"] / 2 + 8})
    page.locator("#point-status").filter(has_text="Ce point est dans : Gironde – 2e circonscription").wait_for()
    page.get_by_role("button", name="Enregistrer ce point").click()
    page.wait_for_url(LANDED_ON_ONES_CALL)  # after declaring a home: one's call (or constituency)

    # 3. The vote.
    page.goto(f"{base}/appels/{call_id}/vote")
    page.get_by_label(re.compile("Un jardin partagé")).check()
    page.get_by_role("button", name="Enregistrer mon bulletin").click()
    page.locator("text=Votre code de reçu").first.wait_for()

    # 4. The same person's second account (email and password, same home) cannot take the identity...
    with app.app_context():
        make_account("camille.other@example.org", constituency="33-02")
    other = browser.new_context(locale="fr-FR").new_page()
    sign_in(other, base, "camille.other@example.org")
    other.goto(f"{base}/compte")
    other.get_by_role("button", name="Lier mon compte avec FranceConnect").click()
    through_franceconnect(other, SUB)
    other.wait_for_url(re.compile(r"/compte/franceconnect/retour"))
    assert "Cette identité FranceConnect est déjà liée à un autre compte" in other.content()
    assert_accessible(other, label="identity linked elsewhere")
    # ... nor vote in this call.
    other.goto(f"{base}/appels/{call_id}/vote")
    assert "Votre compte n'a pas le niveau de vérification demandé par cet appel." in other.content()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.call_id == call_id)) == 1
    other.context.close()
