"""The front-end never hands data to Leaflet or the DOM as HTML (the browser test tests/browser/test_map_labels.py
shows it in Chromium; this one covers every script, including maps the browser tests do not open)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

JS = sorted((Path(__file__).resolve().parents[1] / "static" / "js").glob("*.js"))
LEAFLET_CONTENT = re.compile(
    r"\.(bindTooltip|bindPopup|setTooltipContent|setPopupContent|setContent)\(\s*(?!PBMap\.label\()"
)
HTML_SINKS = re.compile(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML\(|document\.write\(")


@pytest.mark.parametrize("path", JS, ids=lambda p: p.name)
def test_map_labels_are_text_nodes(path):
    assert not LEAFLET_CONTENT.search(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", JS, ids=lambda p: p.name)
def test_no_script_writes_html(path):
    assert not HTML_SINKS.search(path.read_text(encoding="utf-8"))


def test_the_checks_can_fail():
    assert LEAFLET_CONTENT.search('marker.bindTooltip(p.title + " x")')
    assert not LEAFLET_CONTENT.search("marker.bindTooltip(PBMap.label(p.title))")
    assert HTML_SINKS.search("el.innerHTML = title")
