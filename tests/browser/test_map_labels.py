"""Map labels are text: a proposal titled with markup shows that markup as characters, in a real browser.

Leaflet inserts a string tooltip as HTML; the maps give it a text node (PBMap.label) instead. The test
opens every tooltip of the results map and looks for elements that the titles would have created.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from participatory.calls.models import Proposal
from tests.builders import make_closed_call
from tests.conftest import requires_shared

pytestmark = [pytest.mark.browser, requires_shared]

TITLES = [
    "<img src=x onerror=alert(1)>",
    "<b>bold</b>",
    '<a href="https://evil.example">lien</a>',
    "<svg onload=alert(2)>",
    "&lt;i&gt;déjà échappé&lt;/i&gt;",
]

# Test-only: keep a reference to every Leaflet map the page makes, to open their tooltips.
HOOK = "\nL.Map.addInitHook(function () { (window.__maps = window.__maps || []).push(this); });\n"


def test_titles_in_results_map_tooltips_never_become_markup(app, session, now, live_server, page):
    world = make_closed_call(session, now, proposals=len(TITLES) + 1)
    proposals = session.scalars(select(Proposal).where(Proposal.call_id == world.call.id).order_by(Proposal.id)).all()
    for proposal, title in zip(proposals, TITLES, strict=False):
        proposal.title = title  # stored through any path (the forms do allow < and > in titles)
    session.commit()

    def hooked(route):
        response = route.fetch()
        route.fulfill(response=response, body=response.text() + HOOK)

    page.route(re.compile(r".*/static/js/map-common\.js.*"), hooked)
    page.goto(f"{live_server.url}/appels/{world.call.id}/resultats")
    page.wait_for_selector("#results-map[data-ready=yes]", state="attached", timeout=20_000)
    shown = page.evaluate(
        """() => {
            const out = [];
            for (const map of window.__maps || []) {
                map.eachLayer((layer) => { if (layer.getTooltip && layer.getTooltip()) layer.openTooltip(); });
            }
            for (const tip of document.querySelectorAll(".leaflet-tooltip")) {
                out.push({ text: tip.textContent, elements: tip.querySelectorAll("img, b, a, svg, i").length });
            }
            return out;
        }"""
    )
    with_location = [p for p in proposals if p.lat is not None]
    assert with_location, "the builder places proposals on the map"
    assert len(shown) >= min(len(TITLES), len(with_location))
    assert all(tip["elements"] == 0 for tip in shown), shown
    texts = " ".join(tip["text"] for tip in shown)
    for title in TITLES[: len(with_location)]:
        assert title in texts
    assert page.evaluate("document.querySelectorAll('#results-map img[src=x], #results-map b').length") == 0
