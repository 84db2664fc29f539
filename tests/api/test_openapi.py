"""The OpenAPI document is valid, complete (every /api/v1 route), and the API caches and opens CORS."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate


def _spec(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def test_openapi_document_is_valid(client):
    validate(_spec(client))


def test_every_api_route_is_described(app, client):
    documented = {(path, method) for path, item in _spec(client)["paths"].items() for method in item}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len("/api/v1") :])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method.lower()) not in documented:
                missing.append(f"{method} {path}")
    assert not missing, f"undocumented /api/v1 routes: {missing}"


def test_described_operations_exist(app, client):
    routes = {re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", r.rule) for r in app.url_map.iter_rules()}
    assert {f"/api/v1{path}" for path in _spec(client)["paths"]} <= routes


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/constituencies",
        "/api/v1/constituencies/33-04",
        "/api/v1/openapi.json",
        "/api/v1/datapackage.json",
        "/api/v1/national/calls.csv",
        "/api/v1/constituencies/lookup?lat=44.84&lon=-0.58",
    ],
)
def test_responses_carry_etag_and_cache_control_and_revalidate(client, url):
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["ETag"] and "public" in first.headers["Cache-Control"]
    assert "max-age=" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    stale = client.get(url, headers={"If-None-Match": '"not-the-etag"'})
    assert stale.status_code == 200 and stale.data == first.data


def test_errors_are_not_cached(client):
    response = client.get("/api/v1/constituencies/99-99")
    assert response.status_code == 404 and "ETag" not in response.headers


def test_cors_is_open_for_get_and_preflight(client):
    assert client.get("/api/v1/constituencies").headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/constituencies",
        headers={
            "Origin": "https://reuser.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]


def test_ids_beyond_the_database_integer_are_404_not_500(client):
    response = client.get("/api/v1/candidates/99999999999/donations/summary")
    assert response.status_code == 404 and response.json["status"] == 404
