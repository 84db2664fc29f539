"""The constituency API: list, GeoJSON, point lookup (checked against shapely directly)."""

from __future__ import annotations

import gzip
import json
import random

import pytest
import shapely
from shapely.geometry import Point, shape

from tests.conftest import SHARED_GEOJSON, requires_shared


def test_list_has_577_with_fields(client):
    data = client.get("/api/v1/constituencies").json
    assert data["count"] == 577 and len(data["constituencies"]) == 577
    gironde = next(c for c in data["constituencies"] if c["code"] == "33-04")
    assert gironde == {
        "code": "33-04",
        "department_code": "33",
        "department_name": "Gironde",
        "number": 4,
        "name": "Gironde – 4e circonscription",
        "registered_voters": gironde["registered_voters"],
        "has_geometry": gironde["has_geometry"],
    }
    assert gironde["registered_voters"] > 50_000
    abroad = [c for c in data["constituencies"] if c["department_code"] == "ZZ"]
    assert [c["code"] for c in abroad] == [f"ZZ-{n:02d}" for n in range(1, 12)]
    assert not any(c["has_geometry"] for c in abroad)


def test_list_with_communes_for_search(client):
    data = client.get("/api/v1/constituencies?include=communes").json
    assert data["count"] == 577
    assert "Bègles" in next(c for c in data["constituencies"] if c["code"] == "33-03")["communes"]
    assert "communes" not in client.get("/api/v1/constituencies").json["constituencies"][0]


@pytest.mark.parametrize("value", ["", "geometry", "communes,geometry", "<script>"])
def test_list_refuses_unknown_include(client, value):
    response = client.get("/api/v1/constituencies", query_string={"include": value})
    assert response.status_code == 400 and "include" in response.json["message"]


def test_home_page_stays_light(client):
    """Communes stay on the server (the search asks /api/v1/constituencies/search): the map page stays small."""
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert len(page.data) < 100_000
    assert "search?" not in html and "/api/v1/constituencies/search" in html
    assert "Bègles" not in html and "include=communes" not in html


def test_one_constituency_and_unknown(client):
    assert client.get("/api/v1/constituencies/2a-01").json["name"] == "Corse-du-Sud – 1re circonscription"
    missing = client.get("/api/v1/constituencies/99-99")
    assert missing.status_code == 404 and missing.json["status"] == 404


@requires_shared
def test_geojson_is_small_cached_and_complete(client):
    response = client.get("/api/v1/constituencies.geojson", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.data) <= 400 * 1024, "the whole country must travel in at most 400 KB gzipped"
    assert "max-age" in response.headers["Cache-Control"]
    document = json.loads(gzip.decompress(response.data))
    assert document["type"] == "FeatureCollection" and len(document["features"]) == 566
    etag = response.headers["ETag"]
    again = client.get("/api/v1/constituencies.geojson", headers={"If-None-Match": etag, "Accept-Encoding": "gzip"})
    assert again.status_code == 304 and again.data == b""
    plain = client.get("/api/v1/constituencies.geojson")
    assert "Content-Encoding" not in plain.headers and json.loads(plain.data) == document
    # Each encoding has its own strong ETag: the gzipped copy's does not revalidate the plain body.
    assert plain.headers["ETag"] != etag
    assert client.get("/api/v1/constituencies.geojson", headers={"If-None-Match": etag}).status_code == 200
    refused = client.get("/api/v1/constituencies.geojson", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


@requires_shared
def test_lookup_inside_and_in_the_atlantic(client):
    bordeaux = client.get("/api/v1/constituencies/lookup?lat=44.8378&lon=-0.5792")
    assert bordeaux.status_code == 200 and bordeaux.json["department_code"] == "33"
    paris = client.get("/api/v1/constituencies/lookup?lat=48.8867&lon=2.3431")  # Montmartre
    assert paris.json["code"] == "75-18"
    atlantic = client.get("/api/v1/constituencies/lookup?lat=46.0&lon=-8.0")
    assert atlantic.status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "",
        "lat=44.8",
        "lon=-0.5",
        "lat=abc&lon=1",
        "lat=1&lon=",
        "lat=91&lon=0",
        "lat=0&lon=-181",
        "lat=nan&lon=0",
        "lat=inf&lon=0",
        "lat=1e400&lon=0",
        "lat=%00&lon=1",
    ],
)
def test_lookup_bad_parameters(client, query):
    response = client.get(f"/api/v1/constituencies/lookup?{query}")
    assert response.status_code == 400
    assert response.json["message"]


@requires_shared
def test_lookup_agrees_with_direct_point_in_polygon(client):
    """Random points over metropolitan France and Corsica, plus one per constituency."""
    features = json.loads(SHARED_GEOJSON.read_text())["features"]
    shapes = []
    for f in features:
        geom = shape(f["geometry"])
        code = f"{f['properties']['code_dpt']}-{int(f['properties']['num_circ']):02d}"
        shapes.append((code, geom if geom.is_valid else shapely.make_valid(geom)))
    rng = random.Random(2026)
    points = [(rng.uniform(41.3, 51.1), rng.uniform(-5.2, 9.6)) for _ in range(300)]
    points += [(p.y, p.x) for p in (g.representative_point() for _, g in shapes[::5])]
    for lat, lon in points:
        expected = sorted(code for code, g in shapes if g.intersects(Point(lon, lat)))
        response = client.get(f"/api/v1/constituencies/lookup?lat={lat!r}&lon={lon!r}")
        if expected:
            assert response.status_code == 200 and response.json["code"] == expected[0], (lat, lon)
        else:
            assert response.status_code == 404, (lat, lon)


def test_api_is_open_to_other_sites(client):
    assert client.get("/api/v1/constituencies").headers["Access-Control-Allow-Origin"] == "*"
