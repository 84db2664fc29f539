"""Address search: the geocoder's answers read safely (table), then a real addok on a fixture through
/api/v1/geocode, each address resolved to its constituency (a split commune's streets to different ones)."""

from __future__ import annotations

import json

import pytest

from constituencies import geocoding
from tests.browser.conftest import free_port
from tests.conftest import requires_shared
from tests.constituencies.addok import addok_url  # noqa: F401  (the session fixture)


def feature(lon, lat, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


PARSE_CASES = [
    ([feature(2.89, 42.69, label="Place de la Loge 66000 Perpignan", citycode="66136", type="street")], 1),
    ([feature(2.89, 42.69, name="Perpignan")], 1),  # no label: the name
    ([feature(2.89, 42.69)], 0),  # nothing to show
    ([feature("x", 42.69, label="a")], 0),
    ([feature(2.89, 91, label="a")], 0),
    ([feature(float("nan"), 42.0, label="a")], 0),
    ([{"geometry": None, "properties": {"label": "a"}}], 0),
    (["not a feature", 3], 0),
]


@pytest.mark.parametrize(("features", "count"), PARSE_CASES)
def test_answers_are_read_safely(features, count):
    body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    assert len(geocoding.parse(body)) == count


@pytest.mark.parametrize("body", [b"<html>", b"[]", b'{"features": 3}'])
def test_an_answer_that_is_not_the_api_is_refused(body):
    with pytest.raises(geocoding.GeocoderUnavailable):
        geocoding.parse(body)


@pytest.mark.parametrize(("text", "usable"), [("", None), ("ab", None), ("---", None), ("  12  rue  ", "12 rue")])
def test_short_queries_are_not_sent(text, usable):
    assert geocoding.usable_query(text) == usable


def test_without_a_geocoder_address_search_is_off(client):
    assert client.get("/api/v1/geocode?q=rue de la paix").status_code == 404
    assert "home-address" not in client.get("/").get_data(as_text=True)


def test_an_unreachable_geocoder_answers_503(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "GEOCODER_URL", f"http://127.0.0.1:{free_port()}/search/")
    response = client.get("/api/v1/geocode?q=rue de la paix")
    assert response.status_code == 503 and "on the map" in response.json["message"]
    assert client.get("/api/v1/geocode", query_string={"q": "x" * 201}).status_code == 400


def test_addok_answers_the_same_api(addok_url):  # noqa: F811
    found = geocoding.search(addok_url, "2 place de la loge perpignan")
    assert found[0] == geocoding.Address(
        "2 Place de la Loge 66000 Perpignan", 2.89571, 42.69866, "66136", "housenumber"
    )
    assert geocoding.search(addok_url, "xyzzy quux") == []


@requires_shared
def test_an_address_resolves_to_its_constituency_even_in_a_split_commune(app, client, monkeypatch, addok_url):  # noqa: F811
    monkeypatch.setitem(app.config, "GEOCODER_URL", addok_url)
    cases = [
        ("Place de la Loge, Perpignan", "66-01"),
        ("40 avenue du Languedoc Perpignan", "66-02"),
        ("5 avenue de Prades 66000 Perpignan", "66-03"),
        ("rue calixte camelle begles", "33-03"),
        ("place jean jaures saint etienne", "42-01"),
        ("20 rue de la Montat Saint-Étienne", "42-02"),
    ]
    for text, code in cases:
        response = client.get("/api/v1/geocode", query_string={"q": text})
        first = response.json["results"][0]
        assert response.status_code == 200 and first["constituency"]["code"] == code, (text, first)
        assert "private" in response.headers["Cache-Control"]  # someone's address: never in a shared cache
    assert client.get("/api/v1/geocode?q=ab").json["results"] == []
    # The pages show the address search when a geocoder is configured.
    assert 'id="home-address"' in client.get("/").get_data(as_text=True)
