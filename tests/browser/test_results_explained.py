"""A published demo call's results explained, in a real browser: the rounds chart and table, the
hypothetical ballot, axe-core, at desktop and phone width (screenshots left in test-artifacts/)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from sqlalchemy import select

from participatory.calls.explanations import EXPLAINED_RULES
from participatory.calls.exports import stored_files
from participatory.calls.models import Call, CallResult
from participatory.demo.services import SeedOptions, seed
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import ARTIFACTS
from tests.conftest import requires_shared

pytestmark = [pytest.mark.browser, requires_shared]


def published_demo_call(session, now) -> tuple[Call, dict]:
    """The demo's published call counted with equal shares that has the most rounds."""
    seed(session, now, SeedOptions(calls=12, voters_per_call=60, seed=3))
    session.commit()
    best: tuple[Call, dict] | None = None
    for call in session.scalars(select(Call).join(CallResult).where(CallResult.rule.in_(EXPLAINED_RULES))):
        document = json.loads(stored_files(session, call.id)["explanations.json"].content)
        if best is None or len(document["explanation"]["rounds"]) > len(best[1]["explanation"]["rounds"]):
            best = (call, document)
    assert best is not None and best[1]["explanation"]["rounds"], "the demo publishes an equal-shares call"
    return best


def test_rounds_and_hypothetical_ballot_in_a_browser(app, session, now, live_server, page):
    call, document = published_demo_call(session, now)
    explanation = document["explanation"]
    rounds = explanation["rounds"]
    url = f"{live_server.url}/appels/{call.id}/resultats"
    ARTIFACTS.mkdir(exist_ok=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url)
    assert page.locator("#rounds-chart rect.chart-round").count() == len(rounds)
    assert page.locator("#rounds-table tbody tr").count() == len(rounds)
    assert page.locator("#rounds-chart").get_attribute("role") == "img"
    assert page.locator("#rounds-chart desc").text_content().strip()
    assert page.locator("#fairness-table tbody tr").count() == 3
    assert_accessible(page, label="results explained (desktop)")
    page.locator("#rounds-section").screenshot(path=str(ARTIFACTS / "explain-desktop.png"))

    # A hypothetical ballot: the first two rounds' projects.
    ids = {p["project"]: p["proposal_id"] for p in document["projects"]}
    ticked = [ids[r["project"]] for r in rounds[:2]]
    for pid in ticked:
        page.locator(f"#essai-{pid}").check()
    page.get_by_role("button", name="Voir comment ma part aurait été dépensée").click()
    result = page.locator("#my-share-result")
    result.wait_for()
    lines = result.locator("li").all_inner_texts()
    assert [line.split(" — ")[0] for line in lines] == [f"tour {r['round']}" for r in rounds[:2]]
    share = Fraction(explanation["share"])
    assert share > 0 and "Il serait resté" in result.inner_text()
    for pid in ticked:
        assert page.locator(f"#essai-{pid}").is_checked()  # the form remembers the trial ballot
    assert_accessible(page, label="hypothetical ballot")
    page.locator("#my-share").screenshot(path=str(ARTIFACTS / "explain-my-share-desktop.png"))

    # Phone width: nothing wider than the screen; the chart scales, the tables scroll in their box
    # (the map's own layers are clipped by the map).
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.table-responsive, .leaflet-container'))
              .slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className)"""
    )
    assert wide == []
    box = page.locator("#rounds-chart").bounding_box()
    assert box is not None and box["width"] <= 390
    assert_accessible(page, label="results explained (phone)")
    page.locator("#rounds-section").screenshot(path=str(ARTIFACTS / "explain-phone.png"))
