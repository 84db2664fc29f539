"""Without a mouse, without the map: the home page's list search, the residence page's list,
the ballot with the keyboard alone; and axe on the campaign and donation pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from participatory import clock
from participatory.accounts.models import User
from participatory.calls import rules
from participatory.calls.models import Ballot
from participatory.extensions import db
from tests.accounts.conftest import make_account
from tests.browser.a11y import assert_accessible
from tests.browser.steps import LANDED_ON_ONES_CALL, sign_in, spaced, tab_to
from tests.calls import builders
from tests.conftest import requires_shared
from tests.crowdfunding.conftest import build_world

pytestmark = [pytest.mark.browser, requires_shared]


def test_the_home_page_search_reads_natural_queries(app, live_server, page):
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map[data-ready='yes']")
    assert_accessible(page, label="home page")
    assert page.locator("#constituency-list li").count() > 500  # every constituency in France, without the map
    assert page.locator("#search-count").inner_text() == "577 circonscriptions"
    box = page.get_by_label("Rechercher par département, numéro ou commune")
    results = page.locator("#search-results li")

    box.press_sequentially("bègles")  # accents and case do not matter; the server reads the query
    page.wait_for_selector("#search-form[data-ready='yes']")
    assert results.all_inner_texts() == ["Gironde – 3e circonscription\ncommune : Bègles"]
    assert page.locator("#search-count").inner_text() == "1 circonscription trouvée sur 577"

    box.fill("")
    box.press_sequentially("gironde 4e")
    page.wait_for_selector("#search-form[data-ready='yes']")
    assert results.all_inner_texts() == ["Gironde – 4e circonscription"]

    box.fill("Perpignan")  # a commune split between three constituencies: all three, and what to do
    page.locator("#search-count").filter(has_text="3 circonscriptions trouvées sur 577").wait_for()
    page.wait_for_selector("#search-form[data-ready='yes']")
    assert all("cherchez votre adresse" in t for t in results.all_inner_texts())
    # The keyboard reaches the results: Tab to the first one, Enter opens that constituency.
    first = page.locator("#search-results li a").first.get_attribute("href")
    tab_to(page, "#search-results li a")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + first)


def test_the_residence_page_works_without_the_map(app, live_server, page):
    with app.app_context():
        user = make_account("sans-carte@example.org")
    sign_in(page, live_server.url, "sans-carte@example.org")
    page.goto(f"{live_server.url}/compte/residence")
    page.get_by_label("Sans la carte : cherchez votre circonscription").focus()
    page.keyboard.type("33-02")
    page.locator("#residence-search-count").filter(has_text="1 circonscription trouvée").wait_for()
    tab_to(page, "#residence-choices button")
    page.keyboard.press("Enter")
    page.locator("#point-status").filter(has_text="Ce point est dans : Gironde – 2e circonscription").wait_for()
    tab_to(page, "#point-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(LANDED_ON_ONES_CALL)  # after declaring a home: one's call (or constituency)
    with app.app_context():
        assert db.session.get(User, user.id).constituency_code == "33-02"
    # The other alternative, for residents abroad: a list of countries.
    page.goto(f"{live_server.url}/compte/residence")
    assert page.locator("#abroad-form select option").count() > 100


def test_the_ballot_works_with_the_keyboard_alone(app, live_server, page):
    now = clock.now()
    with app.app_context():
        call = builders.call(
            db.session, now, rules.VOTING, code="33-02", budget_cents=100_000_00, title="Vote au clavier"
        )
        for title, cost in (("Bancs publics", 30_000_00), ("Boîte à livres", 20_000_00), ("Aire de jeux", 90_000_00)):
            builders.proposal(db.session, now, call, title=title, cost=cost)
        db.session.commit()
        call_id = call.id
        voter = make_account("clavier@example.org", constituency="33-02")
    sign_in(page, live_server.url, "clavier@example.org")
    page.goto(f"{live_server.url}/appels/{call_id}/vote")
    used = page.locator("#budget-used")
    status = page.locator("#ballot-status")
    boxes = "#ballot-form input[name=projects]"
    assert status.inner_text() == "Choisissez encore au moins 1 projet."  # a count in a sentence: singular

    tab_to(page, boxes)  # the first project
    page.keyboard.press("Space")
    assert spaced(used) == "30 000,00 €"
    assert status.inner_text() == "Votre bulletin est valide."
    tab_to(page, boxes)  # past its "détails" link, the second project
    page.keyboard.press("Space")
    assert spaced(used) == "50 000,00 €"
    assert page.locator("#chosen-count").inner_text() == "2"
    tab_to(page, boxes)  # the third would overflow the budget: the bar says so
    page.keyboard.press("Space")
    assert status.inner_text() == "Le total dépasse le budget."
    page.keyboard.press("Space")  # untick it again
    assert spaced(used) == "50 000,00 €"
    tab_to(page, "#ballot-submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#receipt-code")
    assert page.locator("#ballot-choices li").count() == 2
    with app.app_context():
        ballot = db.session.scalar(select(Ballot).where(Ballot.voter_id == voter.id))
        assert len(ballot.items) == 2


def test_the_campaign_and_donation_pages_are_accessible(app, live_server, page):
    with app.app_context():
        world = build_world(db.session, clock.now())
        db.session.commit()
        election_id, candidacy_id = world.election.id, world.candidacy.id
    for path in (
        "/elections",
        f"/elections/{election_id}",
        f"/candidats/{candidacy_id}",
        f"/candidats/{candidacy_id}/don",
    ):
        page.goto(live_server.url + path)
        assert_accessible(page, label=path)
    # The refusals a donor may meet are shown next to the fields, and stay accessible.
    page.get_by_role("button", name="Continuer vers le paiement").click()
    assert re.search(r"/candidats/\d+/don$", page.url)
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    assert_accessible(page, label="donation form with errors")
