"""Maps a resident finds their way with: an address (a real addok on a fixture) gives the constituency,
on the home page and on the residence page; a proposal shows its place on a map; no horizontal
scrolling at 390 px on the main pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from participatory.calls.models import Call, CallResult
from participatory.demo.services import SeedOptions, seed
from tests.accounts.conftest import make_account
from tests.browser.a11y import assert_accessible
from tests.browser.steps import sign_in
from tests.conftest import requires_shared
from tests.constituencies.addok import addok_url  # noqa: F401  (the session fixture)

pytestmark = [pytest.mark.browser, requires_shared]


@pytest.fixture
def geocoder(app, monkeypatch, addok_url):  # noqa: F811
    monkeypatch.setitem(app.config, "GEOCODER_URL", addok_url)
    return addok_url


def test_an_address_finds_its_constituency_in_a_split_commune(app, live_server, page, geocoder):
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map[data-ready='yes']")
    page.get_by_label("Votre adresse").fill("40 avenue du Languedoc Perpignan")
    page.get_by_label("Votre adresse").press("Enter")
    choice = page.locator("#home-address-results li").first
    choice.filter(has_text="Pyrénées-Orientales – 2e circonscription").wait_for()
    assert_accessible(page, label="home page with address results")
    choice.get_by_role("button").click()
    page.locator("#lookup-result").filter(
        has_text="Ce lieu est dans : Pyrénées-Orientales – 2e circonscription"
    ).wait_for()
    page.get_by_label("Votre adresse").fill("adresse introuvable zzz")
    page.get_by_role("button", name="Chercher").first.click()
    page.locator("#home-address-status").filter(has_text="Aucune adresse trouvée").wait_for()


def test_the_residence_is_placed_by_address(app, live_server, page, geocoder):
    with app.app_context():
        make_account("adresse@example.org")
    sign_in(page, live_server.url, "adresse@example.org")
    page.goto(f"{live_server.url}/compte/residence")
    page.get_by_label("Votre adresse").fill("5 avenue de Prades Perpignan")
    page.get_by_label("Votre adresse").press("Enter")
    page.locator("#residence-address-results button").first.click()
    page.locator("#point-status").filter(
        has_text="Ce point est dans : Pyrénées-Orientales – 3e circonscription"
    ).wait_for()
    assert page.locator("#lat").input_value() == "42.690030"


PHONE = {"width": 390, "height": 844}
# How far the page, and the widest table, go past the screen's width (0 and 0 when nothing scrolls sideways).
WIDER_THAN_THE_SCREEN = """[
  document.documentElement.scrollWidth - document.documentElement.clientWidth,
  Math.max(0, ...[...document.querySelectorAll("table")].map((t) => t.scrollWidth - t.parentElement.clientWidth)),
]"""


def test_no_horizontal_scrolling_at_390_px(app, session, now, live_server, browser):
    seed(session, now, SeedOptions(calls=5, voters_per_call=12, seed=5))
    session.commit()
    published = session.scalars(select(Call).join(CallResult)).first()
    call = session.scalars(select(Call).where(Call.id != published.id)).first()
    proposal = next(p for p in published.proposals if p.lat is not None)
    with app.app_context():
        make_account("mobile@example.org", constituency=call.constituency_code)
    context = browser.new_context(locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    tab = context.new_page()
    sign_in(tab, live_server.url, "mobile@example.org")
    pages = {
        "home": "/",
        "constituency": f"/circonscriptions/{call.constituency_code}",
        "call": f"/appels/{call.id}",
        "results": f"/appels/{published.id}/resultats",
        "proposal": f"/propositions/{proposal.id}",
        "residence": "/compte/residence",
    }
    try:
        for name, path in pages.items():
            tab.goto(live_server.url + path)
            tab.wait_for_load_state("load")
            wide = tab.evaluate(WIDER_THAN_THE_SCREEN)
            assert wide == [0, 0], (
                f"{name} ({path}) is wider than 390 px: page by {wide[0]} px, a table by {wide[1]} px"
            )
        tab.goto(live_server.url + pages["results"])
        assert (
            tab.locator("#results-table thead").is_hidden()
            or tab.locator("#results-table thead").bounding_box()["width"] <= 1
        )
        label = tab.evaluate(
            "getComputedStyle(document.querySelector('#results-table td[data-label]:last-child'), '::before').content"
        )
        assert "Pourquoi" in label  # each card names its cells
        tab.goto(live_server.url + pages["proposal"])
        tab.wait_for_selector("#place-map[data-ready='yes']")  # a map, not raw coordinates
    finally:
        context.close()
