"""Residents and MPs find their way: a refusal leads on (declare a home, back to the call), and the MP's
dashboard gathers their call and what waits for them; axe-clean, at desktop and phone width."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from constituencies.models import Constituency
from participatory import clock
from participatory.accounts.rules import MP
from participatory.calls import rules
from participatory.extensions import db
from tests.accounts.conftest import make_account
from tests.browser.a11y import assert_accessible
from tests.browser.steps import sign_in
from tests.calls import builders

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("WAYS_SHOTS")  # a folder: screenshots of the MP dashboard are written there


def test_a_resident_without_a_home_is_led_to_declare_it_and_back_to_the_call(app, live_server, page):
    base = live_server.url
    with app.app_context():
        make_account("sans-domicile@example.org")
        call = builders.call(db.session, clock.now(), rules.PROPOSALS, code="ZZ-03", title="Appel de l'Europe du Nord")
        db.session.commit()
        call_id = call.id
    sign_in(page, base, "sans-domicile@example.org")
    page.goto(f"{base}/appels/{call_id}")
    page.get_by_role("link", name="Proposer un projet").click()
    expect(page.locator("body")).to_contain_text("déclarez d'abord votre lieu de résidence")
    assert_accessible(page, label="refusal with its next step")
    page.locator("#next-step-link").click()
    page.wait_for_url(re.compile(r".*/compte/residence\?next=.*appels.*"))
    page.locator("#abroad-form select").select_option("GB")
    page.get_by_role("button", name="Enregistrer ce pays").click()
    page.wait_for_url(f"{base}/appels/{call_id}")  # back to the call that asked
    page.get_by_role("link", name="Proposer un projet").click()
    page.wait_for_url(f"{base}/appels/{call_id}/proposer")
    assert page.get_by_label("Titre").count() == 1


def test_the_mp_dashboard_gathers_the_call_and_what_waits(app, live_server, page):
    base = live_server.url
    with app.app_context():
        now = clock.now()
        make_account("depute@example.org", constituency="33-04", roles=((MP, "33-04"),))
        call = builders.call(db.session, now, rules.REVIEW, code="33-04", title="Budget participatif de Bordeaux")
        builders.proposal(db.session, now, call, feasible=None, title="Un jardin partagé")
        db.session.commit()
    sign_in(page, base, "depute@example.org")
    page.locator("#account-menu").click()
    page.locator("#desk-link").click()
    page.wait_for_url(f"{base}/espace-depute")
    assert page.locator("[data-task=review]").inner_text().startswith("1 projet à examiner")
    assert_accessible(page, label="MP dashboard")
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/mp-dashboard-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # no horizontal scrolling
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/mp-dashboard-390.png", full_page=True)
    page.get_by_role("link", name="Un jardin partagé").click()
    page.wait_for_url("**/examen")
    assert "Un jardin partagé" in page.content()


def test_proposals_are_browsed_with_a_filter_and_on_the_map(app, live_server, page):
    base = live_server.url
    with app.app_context():
        now = clock.now()
        call = builders.call(db.session, now, rules.VOTING, code="33-04")
        here = db.session.get(Constituency, "33-04")
        lat, lon = (here.label_lat, here.label_lon) if here.has_geometry else (44.84, -0.58)
        builders.proposal(db.session, now, call, title="Piste cyclable", lat=lat, lon=lon)
        other = builders.proposal(db.session, now, call, title="Concert d'été")
        other.category = "culture"
        db.session.commit()
        call_id = call.id
    page.goto(f"{base}/appels/{call_id}")
    page.locator("#browse-link").click()
    page.wait_for_url(f"{base}/appels/{call_id}/projets")
    page.get_by_label("Catégorie").select_option("culture")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**categorie=culture**")
    assert page.locator("#browse-list li").count() == 1 and "Concert d'été" in page.content()
    page.get_by_label("Catégorie").select_option("")
    page.get_by_label("Trier par").select_option("title")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_selector("#proposals-map[data-ready='yes']")
    assert page.locator("#proposals-map").get_attribute("data-shown") == "1"
    assert_accessible(page, label="proposal browsing")
