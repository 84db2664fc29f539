"""The mandataire's campaign account and the published account: axe-clean, usable at 390 px.

With CAMPAIGN_ACCOUNT_SCREENS=<folder>, the pages are also saved there as PNG (for release notes)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from participatory import clock
from participatory.crowdfunding import rules as cf_rules
from participatory.crowdfunding.rules import campaign_account as rules
from participatory.crowdfunding.services import campaign_account as services
from participatory.extensions import db
from tests.accounts.conftest import password_hash
from tests.browser.a11y import assert_accessible
from tests.browser.steps import sign_in
from tests.crowdfunding.campaign_account.conftest import PDF, platform_donation
from tests.crowdfunding.conftest import build_world

pytestmark = pytest.mark.browser
SCREENS = os.environ.get("CAMPAIGN_ACCOUNT_SCREENS")
OUTSIDE = """() => [...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter((e) => !(e.parentElement && e.parentElement.closest('.table-responsive')))
  .slice(0, 8).map((e) => e.tagName + '.' + e.className)"""
WIDTHS = {"desktop": (1280, 900), "390": (390, 844)}


@pytest.fixture
def account(app, live_server, tmp_path, monkeypatch):
    """A campaign whose mandataire typed a few receipts and expenses, with their documents."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    with app.app_context():
        world = build_world(db.session, clock.now())
        world.agent.password_hash = password_hash("correct horse battery staple")
        today = world.now.astimezone(cf_rules.PARIS).date()
        for amount in (5_000, 2_000, 15_000):
            platform_donation(db.session, world, amount)
        entries = [
            ("apport_personnel", rules.RECEIPT, 300_000, rules.CANDIDATE, "Apport du candidat"),
            ("emprunt_bancaire", rules.RECEIPT, 500_000, rules.BANK, "Prêt de la banque"),
            ("versement_parti", rules.RECEIPT, 150_000, rules.PARTY, "Versement du parti"),
            ("nature_parti", rules.RECEIPT, 40_000, rules.PARTY, "Salle prêtée"),
            ("dep_impression", rules.EXPENSE, 520_000, None, "Tracts et affiches"),
            ("dep_locaux", rules.EXPENSE, 180_000, None, "Local de campagne"),
            ("dep_expert_comptable", rules.EXPENSE, 120_000, None, "Expert-comptable"),
        ]
        for code, kind, amount, origin, label in entries:
            entry = services.add_entry(
                db.session,
                world.agent,
                world.now,
                world.candidacy,
                services.EntryInput(kind, code, today, amount, label, origin=origin),
                cap_cents=460_000,
                pending_ttl=timedelta(minutes=30),
            )
            services.add_attachment(
                db.session, world.agent, world.now, world.candidacy, entry, PDF, Path(tmp_path / "uploads")
            )
        services.add_entry(
            db.session,
            world.agent,
            world.now,
            world.candidacy,
            services.EntryInput(
                rules.RECEIPT,
                "don_personne",
                today,
                10_000,
                "Don par chèque",
                origin=rules.PERSON,
                means=rules.CHEQUE,
                donor=services.Donor("Jeanne", "Martin", "2 rue Haute", "33000", "Bordeaux", "FR"),
            ),
            cap_cents=460_000,
            pending_ttl=timedelta(minutes=30),
        )
        db.session.commit()
        yield world.candidacy.id, world.agent.email
        db.session.remove()


def check(page, label: str, name: str) -> None:
    for width, size in WIDTHS.items():
        page.set_viewport_size({"width": size[0], "height": size[1]})
        assert_accessible(page, label=f"{label} at {width}")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        wide = page.evaluate(OUTSIDE)  # what sticks out, scrolling boxes aside
        assert overflow <= 0, f"{label} scrolls sideways at {width}: {wide}"
        if SCREENS:
            Path(SCREENS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SCREENS) / f"compte-{name}-{width}.png"), full_page=True)


def test_the_mandataire_files_the_account_and_anyone_reads_it(app, live_server, page, account):
    candidacy_id, email = account
    sign_in(page, live_server.url, email)
    page.goto(f"{live_server.url}/mandataire/campagnes/{candidacy_id}/compte-de-campagne")
    assert page.get_by_role("heading", name="Recettes par origine").count() == 0  # captions, not headings
    check(page, "campaign account (draft)", "mandataire")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Marquer le compte déposé").click()
    expect(page.locator("body")).to_contain_text("Compte marqué déposé")
    page.goto(f"{live_server.url}/candidats/{candidacy_id}")
    page.get_by_role("link", name="Voir le compte de campagne déposé").click()
    page.wait_for_url("**/compte-de-campagne")
    assert "Martin" not in page.content() and "Jeanne" not in page.content()
    check(page, "published campaign account", "public")
    page.goto(f"{live_server.url}/mandataire/campagnes/{candidacy_id}/compte-de-campagne")
    check(page, "campaign account (filed)", "mandataire-depose")
