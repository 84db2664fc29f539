"""The national map and constituency pages, in French (default) and English."""

from __future__ import annotations

import pytest

from tests.conftest import requires_shared


def test_home_in_french_by_default(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "577 circonscriptions, 577 budgets participatifs" in html
    assert 'id="map"' in html and "national-map.js" in html
    assert "Gironde – 4e circonscription" in html
    # The 11 constituencies abroad are listed beside the map.
    assert html.count('href="/circonscriptions/ZZ-') == 11


def test_home_in_english_after_choosing_it(client):
    switch = client.get("/lang/en?next=/")
    assert switch.status_code == 302 and switch.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "577 constituencies, 577 participatory budgets" in html
    assert "Find my location" in html


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""])
def test_language_switch_never_redirects_elsewhere(client, target):
    response = client.get("/lang/fr", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_unknown_language_is_404(client):
    assert client.get("/lang/de").status_code == 404


@requires_shared
def test_constituency_page(client):
    html = client.get("/circonscriptions/33-04").get_data(as_text=True)
    assert "Gironde – 4e circonscription" in html
    assert 'id="small-map"' in html and 'data-code="33-04"' in html
    assert "Électeurs inscrits (2017)" in html
    assert 'id="no-call"' in html


def test_constituency_abroad_page_has_no_map(client):
    html = client.get("/circonscriptions/ZZ-05").get_data(as_text=True)
    assert "Madrid" in html and 'id="small-map"' not in html


def test_constituency_page_in_english(client):
    client.get("/lang/en")
    html = client.get("/circonscriptions/ZZ-05").get_data(as_text=True)
    assert "Registered voters (2017)" in html


def test_unknown_constituency_is_a_translated_404(client):
    response = client.get("/circonscriptions/99-99")
    assert response.status_code == 404 and "Cette page n'existe pas." in response.get_data(as_text=True)


def test_pages_have_no_inline_script_and_a_strict_csp(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert "<script>" not in html and " onclick=" not in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


def test_vendor_assets_come_from_node_modules(client):
    assert client.get("/vendor/leaflet/dist/leaflet.js").status_code == 200
    assert client.get("/vendor/bootstrap/dist/css/bootstrap.min.css").status_code == 200
    assert client.get("/vendor/../package.json").status_code == 404
    assert client.get("/vendor/leaflet/package.json").status_code == 404
