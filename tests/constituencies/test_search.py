"""Constituency search: what people type, table-driven (constituencies/rules/search.py), then the API
and the home page without JavaScript."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from constituencies.rules import search as rules

CSV = Path(__file__).resolve().parents[2] / "data" / "constituencies.csv"


@pytest.fixture(scope="module")
def catalogue():
    with CSV.open(encoding="utf-8") as f:
        return [
            rules.entry(
                r["code"], r["department_code"], r["department_name"], int(r["number"]), r["name"], r["communes"]
            )
            for r in csv.DictReader(f)
        ]


# query -> the codes expected first (in order), and how many results in all (None: not checked)
CASES = [
    # department and number, in every spelling
    ("Gironde 4", ["33-04"], 1),
    ("gironde 4e", ["33-04"], 1),
    ("GIRONDE 4ème", ["33-04"], 1),
    ("4e circonscription de la Gironde", ["33-04"], 1),
    ("quatrième circonscription de la Gironde", ["33-04"], 1),
    ("4 gironde", ["33-04"], 1),
    ("1re circonscription de l'Ain", ["01-01"], 1),
    ("Ain 1ère", ["01-01"], 1),
    ("deuxième circonscription du Nord", ["59-02"], 1),
    ("Paris 18", ["75-18"], 1),
    ("18e circonscription de Paris", ["75-18"], 1),
    ("Val d'Oise 3", ["95-03"], 1),
    ("val-d-oise 3e", ["95-03"], 1),
    ("Cotes d'Armor 2", ["22-02"], 1),
    ("Côtes-d’Armor 2", ["22-02"], 1),
    ("corse du sud 1", ["2A-01"], 1),
    ("Guadeloupe 2e", ["ZA-02"], 1),
    ("la réunion 3", ["ZD-03"], 1),
    ("Français établis hors de France 3", ["ZZ-03"], 1),
    ("Gironde 44", [], 0),
    # codes
    ("33-04", ["33-04"], 1),
    ("33 04", ["33-04"], 1),
    ("33 4", ["33-04"], 1),
    ("3304", ["33-04"], 1),
    ("2a-01", ["2A-01"], 1),
    ("2B02", ["2B-02"], 1),
    ("971-02", ["ZA-02"], 1),
    ("97102", ["ZA-02"], 1),
    ("ZZ-11", ["ZZ-11"], 1),
    ("99-99", [], 0),
    # departments alone
    ("33", ["33-01", "33-02", "33-03"], 12),
    ("Gironde", ["33-01", "33-02"], 12),
    ("gironde", ["33-01"], 12),
    ("2A", ["2A-01", "2A-02"], 2),
    ("971", ["ZA-01"], 4),
    ("Corse", ["2A-01", "2A-02", "2B-01", "2B-02"], 4),
    ("Réunion", ["ZD-01"], 7),
    ("loire", ["42-01"], 6),
    # communes, accents, hyphens, saint/st
    ("Bègles", ["33-03"], 1),
    ("begles", ["33-03"], 1),
    ("Perpignan", ["66-01", "66-02", "66-03"], 3),
    ("perpignan (en partie)", ["66-01", "66-02", "66-03"], 3),
    ("Bordeaux", ["33-01", "33-02", "33-03"], None),
    ("saint etienne", ["42-01", "42-02"], None),
    ("St-Étienne", ["42-01", "42-02"], None),
    ("st etienne 2", ["42-02"], None),
    ("ste marie", None, None),
    ("bourg en bresse", ["01-01", "01-04"], 2),
    ("Bourg-en-Bresse", ["01-01", "01-04"], 2),
    ("le havre", ["76-07", "76-08"], 2),
    ("Nivigne et Suran", ["01-01"], 1),
    ("Viriat", ["01-01"], 1),
    ("marseille", ["13-01", "13-02"], None),
    # nothing to find
    ("", [], 0),
    ("   ", [], 0),
    ("x", [], 0),
    ("zzzzzz", [], 0),
    ("circonscription", [], 0),
]


@pytest.mark.parametrize(("query", "first", "count"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_natural_queries(catalogue, query, first, count):
    found = rules.search(catalogue, query)
    codes = [m.code for m in found]
    if first is not None:
        assert codes[: len(first)] == first
    if count is not None:
        assert len(codes) == count
    assert len(codes) == len(set(codes))  # one line per constituency


def test_a_split_commune_is_marked_partial(catalogue):
    found = rules.search(catalogue, "perpignan")
    assert {(m.commune, m.partial, m.reason) for m in found} == {("Perpignan", True, "commune")}
    whole = rules.search(catalogue, "Viriat")[0]
    assert (whole.commune, whole.partial) == ("Viriat", False)


def test_the_exact_commune_comes_before_names_that_start_with_it(catalogue):
    found = rules.search(catalogue, "saint etienne")
    assert [m.commune for m in found[:2]] == ["Saint-Etienne", "Saint-Etienne"]
    assert all(m.commune.startswith("Saint-Etienne") for m in found[2:10])


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("St-Étienne", "saint etienne"),
        ("Sainte-Œuvre", "sainte oeuvre"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("  CÔTES–D’ARMOR ", "cotes d armor"),
        ("Ste Marie", "sainte marie"),
    ],
)
def test_fold(text, folded):
    assert rules.fold(text) == folded


def test_a_query_is_bounded(catalogue):
    assert rules.search(catalogue, "gironde " * 1000) is not None


def test_the_api_answers_small_lists(client):
    response = client.get("/api/v1/constituencies/search", query_string={"q": "Perpignan"})
    data = response.json
    assert response.status_code == 200 and data["count"] == 3 and data["total"] == 577
    assert [r["code"] for r in data["results"]] == ["66-01", "66-02", "66-03"]
    assert data["results"][0] | {"lat": None, "lon": None, "has_geometry": None} == {
        "code": "66-01",
        "name": "Pyrénées-Orientales – 1re circonscription",
        "department_name": "Pyrénées-Orientales",
        "number": 1,
        "reason": "commune",
        "commune": "Perpignan",
        "partial": True,
        "lat": None,
        "lon": None,
        "has_geometry": None,
    }
    many = client.get("/api/v1/constituencies/search", query_string={"q": "saint"}).json
    assert many["count"] > 100 and len(many["results"]) == 20  # the count, and a page of results
    assert len(client.get("/api/v1/constituencies/search?q=saint").data) < 8_000
    assert client.get("/api/v1/constituencies/search").json["count"] == 0
    assert client.get("/api/v1/constituencies/search", query_string={"q": "x" * 101}).status_code == 400


def test_the_home_page_searches_without_javascript(client):
    html = client.get("/", query_string={"q": "gironde 4e"}).get_data(as_text=True)
    assert "1 circonscription trouvée sur 577" in html
    assert 'href="/circonscriptions/33-04"' in html
    html = client.get("/", query_string={"q": "Perpignan"}).get_data(as_text=True)
    assert html.count("— commune partagée entre plusieurs circonscriptions") == 3
    assert "577 circonscriptions" in client.get("/").get_data(as_text=True)  # the counter counts all 577


def test_one_constituency_shape(client):
    from tests.conftest import SHARED_GEOJSON

    if not SHARED_GEOJSON.is_file():
        pytest.skip("../shared (reference data) is absent")
    feature = client.get("/api/v1/constituencies/33-04.geojson").json
    assert feature["type"] == "Feature" and feature["properties"]["code"] == "33-04"
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert client.get("/api/v1/constituencies/ZZ-01.geojson").status_code == 404  # abroad: no shape
    assert client.get("/api/v1/constituencies/99-99.geojson").status_code == 404


@pytest.mark.parametrize(("code", "has_map"), [("33-04", True), ("ZZ-04", False)])
def test_a_results_page_never_shows_an_empty_map(app, session, code, has_map):
    from participatory import clock
    from tests.builders import make_closed_call
    from tests.conftest import SHARED_GEOJSON

    if has_map and not SHARED_GEOJSON.is_file():
        pytest.skip("../shared (reference data) is absent")
    world = make_closed_call(session, clock.now(), code, proposals=3, voters=5)
    page = app.test_client().get(f"/appels/{world.call.id}/resultats").get_data(as_text=True)
    assert ('id="results-map"' in page) == has_map
    assert ('id="no-map"' in page) == (not has_map)  # abroad: a sentence and the list, no grey box
    if has_map:
        assert f"/api/v1/constituencies/{code}.geojson" in page and "constituencies.geojson" not in page
