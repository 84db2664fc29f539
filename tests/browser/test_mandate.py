"""The mandate's journey in a real browser, in French and in English, with axe-core on its pages:
the MP publishes a meeting and opens a consultation on a bill; a resident comments on a paragraph
and proposes an amendment; another supports it; the MP tables it with a reason; the export holds it.

Set MANDATE_SHOTS=DIR to keep screenshots of the pages (390 px and desktop) for a review.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from participatory import clock
from participatory.accounts.rules import MP
from tests.accounts.conftest import make_account
from tests.browser.a11y import assert_accessible
from tests.browser.steps import sign_in
from tests.mandate import builders

pytestmark = pytest.mark.browser
PARIS = ZoneInfo("Europe/Paris")
SHOTS = Path(os.environ["MANDATE_SHOTS"]) if os.environ.get("MANDATE_SHOTS") else None


def _local(moment) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def _shot(page, name: str) -> None:
    if SHOTS is None:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size(size)


def _person(browser, base: str, email: str, lang: str):
    context = browser.new_context(locale="fr-FR")
    tab = context.new_page()
    sign_in(tab, base, email)  # the sign-in form in French, then the chosen language
    tab.goto(f"{base}/lang/{lang}?next=/")
    return context, tab


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_meeting_consultation_amendment_tabled_and_exported(app, live_server, browser, lang):
    base, now = live_server.url, clock.now()
    with app.app_context():
        make_account(f"mp-{lang}@example.org", constituency="33-04", roles=((MP, "33-04"),))
        make_account(f"camille-{lang}@example.org", constituency="33-04")
        make_account(f"dominique-{lang}@example.org", constituency="33-04")
    contexts = []
    try:
        context, mp = _person(browser, base, f"mp-{lang}@example.org", lang)
        contexts.append(context)
        # The MP publishes a meeting from the constituency's page.
        mp.goto(f"{base}/circonscriptions/33-04")
        mp.locator("#agenda-link").click()
        mp.locator("#publish-meeting").click()
        mp.locator("#starts_at").fill(_local(now - timedelta(days=1)))
        mp.locator("#duration_minutes").fill("45")
        mp.locator("#subject").fill("Publication mensuelle des dons")
        mp.locator("#organisations").fill(f"Transparency International France ; {builders.SIREN}\nAnticor")
        mp.locator("#roles").fill("Directrice du plaidoyer")
        mp.locator("#bill").fill("Projet de loi transparence")
        mp.locator("#meeting-form button[type=submit]").click()
        mp.wait_for_url("**/agenda/rendez-vous/*")
        assert mp.locator("#meeting-subject").inner_text() == "Publication mensuelle des dons"
        assert builders.SIREN in mp.locator("#meeting-organisations").inner_text()
        assert_accessible(mp, label=f"meeting-{lang}")
        _shot(mp, f"meeting-{lang}")
        # … and opens a consultation on a bill.
        mp.goto(f"{base}/circonscriptions/33-04/consultations")
        mp.locator("#open-consultation").click()
        mp.locator("#title").fill("Projet de loi transparence")
        mp.locator("#assemblee_ref").fill("PIONANR5L17B0123")
        mp.locator("#text").fill(builders.BILL)
        mp.locator("#opens_at").fill(_local(now))
        mp.locator("#closes_at").fill(_local(now + timedelta(days=30)))
        mp.locator("#consultation-form button[type=submit]").click()
        mp.wait_for_url("**/consultations/*")
        consultation_url = mp.url
        consultation_id = consultation_url.rstrip("/").rsplit("/", 1)[-1]
        assert mp.locator("#consultation-open").is_visible()

        # A resident comments on the first paragraph and proposes an amendment to it.
        context, camille = _person(browser, base, f"camille-{lang}@example.org", lang)
        contexts.append(context)
        camille.goto(consultation_url)
        paragraph = camille.locator(".bill-paragraph").first
        paragraph.locator("summary").click()
        paragraph.locator("textarea[name=body]").fill("Il faudrait préciser le rythme.")
        paragraph.locator(".comment-form button[type=submit]").click()
        camille.wait_for_url("**#commentaire-*")
        assert "Il faudrait préciser le rythme." in camille.locator(".comment").first.inner_text()
        assert_accessible(camille, label=f"consultation-{lang}")
        _shot(camille, f"consultation-{lang}")
        camille.locator(".bill-paragraph").first.locator("a[href*='/amendement']").click()
        camille.locator("#dispositif").fill("Le code électoral est complété par les dispositions suivantes :")
        camille.locator("#expose").fill("Une rédaction plus précise.")
        camille.locator("#amendment-form button[type=submit]").click()
        camille.wait_for_url("**/amendements/*")
        amendment_url = camille.url
        assert camille.locator("#diff ins").count() >= 1 and camille.locator("#diff del").count() >= 1

        # Another resident supports it.
        context, dominique = _person(browser, base, f"dominique-{lang}@example.org", lang)
        contexts.append(context)
        dominique.goto(amendment_url)
        dominique.locator("#support-button").click()  # the page comes back at the same address: wait for its text
        expect(dominique.locator("#support-count")).to_have_text(re.compile(r"^1 "))

        # The MP tables it with a public reason.
        mp.goto(amendment_url)
        mp.locator("#status").select_option("tabled")
        mp.locator("#answer-form #reason").fill("Déposé en commission des lois.")
        mp.locator("#answer-form button[type=submit]").click()
        expect(mp.locator("#answer")).to_contain_text("Déposé en commission des lois.")
        assert_accessible(mp, label=f"amendment-{lang}")
        _shot(mp, f"amendment-{lang}")

        # The export holds it, in a shape close to the Assemblée's open data.
        exported = mp.request.get(f"{base}/api/v1/consultations/{consultation_id}/amendments.json")
        assert exported.ok
        data = exported.json()
        assert data["count"] == 1
        item = data["amendements"][0]
        assert item["numero"] == 1 and item["sort"] == "Déposé" and item["soutiens"] == 1
        assert item["articleDesignation"] == "Article 1er" and item["alinea"] == 1
        assert item["auteur"] == {"type": "citoyen", "nom": f"camille-{lang}"}
        assert item["texteLegislatifRef"] == "PIONANR5L17B0123" and item["dateDepot"]
        if SHOTS is not None:
            (SHOTS / f"amendments-{lang}.json").write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")
    finally:
        for context in contexts:
            context.close()
