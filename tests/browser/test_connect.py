"""The mandataire connects the campaign's Stripe account in a browser, against the fake Connect server:
dashboard, Stripe's (fake) hosted onboarding and back, then donations open when Stripe enables them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from participatory import clock
from participatory.accounts.rules import CANDIDATE, FINANCIAL_AGENT
from participatory.extensions import db
from tests.accounts.conftest import make_account
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import free_port
from tests.browser.steps import sign_in
from tests.crowdfunding.conftest import make_candidacy, make_election
from tests.crowdfunding.fake_connect import FakeConnect

pytestmark = pytest.mark.browser
# Set to a folder to keep screenshots of the pages (for a review); nothing is written otherwise.
SCREENS = os.environ.get("CONNECT_SCREENSHOTS", "")


def shot(page, name: str) -> None:
    if SCREENS:
        Path(SCREENS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENS) / f"connect-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def fake_connect():
    server = FakeConnect(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def campaign(app, live_server, fake_connect, monkeypatch):
    for key, value in fake_connect.config().items():
        monkeypatch.setitem(app.config, key, value)
    fake_connect.register_webhook(f"{live_server.url}/stripe/connect/webhook")
    # Stripe sends the browser back to our absolute return_url: the live server's address, not "localhost".
    monkeypatch.setitem(app.config, "SERVER_NAME", live_server.url.removeprefix("http://"))
    with app.app_context():
        now = clock.now()
        candidate = make_account("camille@example.org", roles=((CANDIDATE, None),))
        agent = make_account("paul@example.org", roles=((FINANCIAL_AGENT, None),))
        candidacy = make_candidacy(db.session, now, make_election(db.session, now), candidate, agent, account=None)
        db.session.commit()
        yield candidacy.id
        db.session.remove()


def test_the_mandataire_connects_the_campaigns_account(app, live_server, page, campaign, fake_connect):
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{base}/candidats/{campaign}")
    assert "pas encore relié de compte de paiement" in page.locator("#payment-closed").inner_text()

    sign_in(page, base, "paul@example.org")
    page.goto(f"{base}/mandataire/campagnes/{campaign}")
    assert_accessible(page, label="dashboard before onboarding")
    shot(page, "dashboard-before")
    page.get_by_role("button", name="Ouvrir le compte de paiement avec Stripe").click()
    # Stripe's hosted onboarding (the fake's) sends the browser back to our return_url, then the dashboard.
    page.locator("#payment-account").get_by_text("Stripe les vérifie", exact=False).wait_for(timeout=20_000)
    assert page.url == f"{base}/mandataire/campagnes/{campaign}"
    assert_accessible(page, label="dashboard after onboarding")
    shot(page, "dashboard-submitted")

    page.goto(f"{base}/candidats/{campaign}")
    assert "en cours d'ouverture" in page.locator("#payment-closed").inner_text()
    shot(page, "campaign-closed")

    with app.app_context():
        from participatory.crowdfunding.models import Candidacy

        account_id = db.session.get(Candidacy, campaign).stripe_account_id
    fake_connect.move(account_id, "enabled")
    page.goto(f"{base}/mandataire/campagnes/{campaign}")
    assert "Les dons sont ouverts" in page.locator("#payment-account").inner_text()
    shot(page, "dashboard-ready")
    page.goto(f"{base}/candidats/{campaign}")
    assert page.get_by_role("link", name="Faire un don").is_visible()

    fake_connect.move(account_id, "disabled")
    page.goto(f"{base}/candidats/{campaign}")
    assert "a désactivé les paiements" in page.locator("#payment-closed").inner_text()
    assert_accessible(page, label="campaign page, donations closed")
    shot(page, "campaign-disabled")
    page.goto(f"{base}/mandataire/campagnes/{campaign}")
    assert "refusé par Stripe" in page.locator("#payment-account").inner_text()
    shot(page, "dashboard-disabled")
