"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Written by hand next to what the endpoints return; tests/api checks it with
openapi-spec-validator, checks every /api/v1 route is described, and runs
schemathesis over it. Calls, exports, donations and open-data operations are in
openapi_calls.py. An operation is listed only when its endpoint is
registered, so the document never promises a route the app does not serve.
"""

from __future__ import annotations

from flask import current_app

from participatory.api import audit, campaign_accounts, donations, mandate, openapi_calls
from participatory.api.caching import cached_json
from participatory.api.openapi_blocks import (
    CACHE_HEADERS,
    CODE_PARAM,
    CODE_PATTERN,
    IF_NONE_MATCH,
    NOT_MODIFIED,
    SHA256,
    error,
    get_op,
    json_body,
    ref,
)
from participatory.api.views import bp

API_VERSION = "1.0.0"
# --- schemas ---------------------------------------------------------------------------------------------------

SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object",
        "required": ["error", "message", "status"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "status": {"type": "integer"}},
    },
    "Constituency": {
        "type": "object",
        "required": [
            "code",
            "department_code",
            "department_name",
            "number",
            "name",
            "registered_voters",
            "has_geometry",
        ],
        "properties": {
            "code": {"type": "string", "pattern": CODE_PATTERN, "examples": ["33-04"]},
            "department_code": {"type": "string"},
            "department_name": {"type": "string"},
            "number": {"type": "integer", "minimum": 1},
            "name": {"type": "string"},
            "registered_voters": {"type": "integer", "minimum": 0},
            "has_geometry": {"type": "boolean"},
            "communes": {"type": "string", "description": "Communes, comma separated (with include=communes)"},
        },
    },
    "ConstituencyDetail": {
        "allOf": [
            ref("Constituency"),
            {
                "type": "object",
                "required": ["communes"],
                "properties": {"communes": {"type": "string", "description": "Communes, comma separated"}},
            },
        ],
    },
    "ConstituencyList": {
        "type": "object",
        "required": ["count", "constituencies"],
        "properties": {"count": {"type": "integer"}, "constituencies": {"type": "array", "items": ref("Constituency")}},
    },
    "FeatureCollection": {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"const": "FeatureCollection"},
            "features": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "id", "properties", "geometry"],
                    "properties": {
                        "type": {"const": "Feature"},
                        "id": {"type": "string"},
                        "properties": {"type": "object", "required": ["code", "name", "department_code"]},
                        "geometry": {"type": "object", "required": ["type", "coordinates"]},
                    },
                },
            },
        },
    },
    "Manifest": {
        "type": "object",
        "required": ["call", "generated_from", "rule", "engine_version", "ballots_digest", "audit_head", "files"],
        "properties": {
            "call": {"type": "object"},
            "generated_from": {"type": "string"},
            "rule": {"type": "string"},
            "engine_version": {"type": "string"},
            "ballots_digest": SHA256,
            "audit_head": {
                "type": "object",
                "required": ["seq", "hash"],
                "properties": {"seq": {"type": "integer"}, "hash": SHA256},
            },
            "files": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "media_type", "bytes", "sha256"],
                    "properties": {
                        "name": {"type": "string"},
                        "media_type": {"type": "string"},
                        "bytes": {"type": "integer"},
                        "sha256": SHA256,
                    },
                },
            },
        },
    },
    "DataPackage": {
        "type": "object",
        "required": ["name", "resources"],
        "properties": {
            "name": {"type": "string"},
            "profile": {"type": "string"},
            "resources": {"type": "array", "items": {"type": "object", "required": ["name", "path"]}},
        },
    },
}


# --- operations: endpoint -> (path, path item) -------------------------------------------------------------------


# Free text without control characters (every request carrying one is refused with a 400).
TEXT_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"


def _operations() -> dict[str, tuple[str, dict]]:
    ops = {
        "api.constituencies": (
            "/constituencies",
            get_op(
                "The 577 constituencies",
                {
                    "200": json_body(ref("ConstituencyList"), "All constituencies, by code"),
                    "400": error("Unknown value of include"),
                },
                parameters=[
                    {
                        "name": "include",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": ["communes"]},
                        "description": "communes: add each constituency's communes (for search)",
                    }
                ],
                tag="constituencies",
            ),
        ),
        "api.constituencies_geojson": (
            "/constituencies.geojson",
            {
                "get": {
                    "summary": "Simplified shapes of every constituency (GeoJSON, gzip when accepted)",
                    "tags": ["constituencies"],
                    "parameters": [IF_NONE_MATCH],
                    "responses": {
                        "200": {
                            "description": "A FeatureCollection",
                            "headers": CACHE_HEADERS,
                            "content": {"application/geo+json": {"schema": ref("FeatureCollection")}},
                        },
                        "304": NOT_MODIFIED,
                    },
                }
            },
        ),
        "api.lookup": (
            "/constituencies/lookup",
            get_op(
                "The constituency at a point",
                {
                    "200": json_body(ref("Constituency"), "The constituency containing the point"),
                    "400": error("Missing or invalid coordinates"),
                    "404": error("No constituency at this point (at sea, abroad)"),
                },
                parameters=[
                    {
                        "name": "lat",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "number", "minimum": -90, "maximum": 90},
                    },
                    {
                        "name": "lon",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "number", "minimum": -180, "maximum": 180},
                    },
                ],
                tag="constituencies",
                description="The point is used for this lookup only and never stored.",
            ),
        ),
        "api.constituencies_search": (
            "/constituencies/search",
            get_op(
                "Constituencies named by a free-text query",
                {
                    "200": json_body(
                        {
                            "type": "object",
                            "required": ["query", "count", "total", "results"],
                            "properties": {
                                "query": {"type": "string"},
                                "count": {"type": "integer", "description": "all matches"},
                                "total": {"type": "integer", "description": "all constituencies"},
                                "results": {
                                    "type": "array",
                                    "maxItems": 20,
                                    "items": {
                                        "type": "object",
                                        "required": ["code", "name", "reason", "commune", "partial"],
                                        "properties": {
                                            "code": {"type": "string"},
                                            "name": {"type": "string"},
                                            "department_name": {"type": "string"},
                                            "number": {"type": "integer"},
                                            "reason": {
                                                "type": "string",
                                                "enum": ["code", "department_number", "department", "commune"],
                                            },
                                            "commune": {"type": ["string", "null"]},
                                            "partial": {
                                                "type": "boolean",
                                                "description": "the commune is split between constituencies",
                                            },
                                            "has_geometry": {"type": "boolean"},
                                            "lat": {"type": ["number", "null"]},
                                            "lon": {"type": ["number", "null"]},
                                        },
                                    },
                                },
                            },
                        },
                        "The matches, best first (the first 20)",
                    ),
                    "400": error("q longer than 100 characters"),
                },
                parameters=[
                    {
                        "name": "q",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 100, "pattern": TEXT_PATTERN},
                        "description": 'e.g. "Gironde 4", "4e circonscription de la Gironde", "33-04", "Perpignan"',
                    }
                ],
                tag="constituencies",
            ),
        ),
        "api.constituency_geojson": (
            "/constituencies/{code}.geojson",
            {
                "get": {
                    "summary": "One constituency's simplified shape (a GeoJSON Feature)",
                    "tags": ["constituencies"],
                    "parameters": [CODE_PARAM, IF_NONE_MATCH],
                    "responses": {
                        "200": {
                            "description": "A Feature",
                            "headers": CACHE_HEADERS,
                            "content": {"application/geo+json": {"schema": {"type": "object"}}},
                        },
                        "304": NOT_MODIFIED,
                        "404": error("No such constituency, or no shape (abroad)"),
                    },
                }
            },
        ),
        "api.geocode": (
            "/geocode",
            {
                "get": {
                    "summary": "Addresses for a text, each with its constituency (the configured geocoder)",
                    "description": "Asked from the server to GEOCODER_URL; nothing about the query is stored.",
                    "tags": ["constituencies"],
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "maxLength": 200, "pattern": TEXT_PATTERN},
                        }
                    ],
                    "responses": {
                        "200": json_body(
                            {
                                "type": "object",
                                "required": ["query", "results"],
                                "properties": {
                                    "query": {"type": "string"},
                                    "results": {"type": "array", "maxItems": 5},
                                },
                            },
                            "Up to 5 addresses (label, lat, lon, citycode, type, constituency or null)",
                        ),
                        "400": error("q longer than 200 characters"),
                        "404": error("No geocoder configured"),
                        "429": error("Too many address searches"),
                        "503": error("The geocoder does not answer"),
                    },
                }
            },
        ),
        "api.constituency": (
            "/constituencies/{code}",
            get_op(
                "One constituency with its communes",
                {
                    "200": json_body(ref("ConstituencyDetail"), "The constituency"),
                    "404": error("No such constituency"),
                },
                parameters=[CODE_PARAM],
                tag="constituencies",
            ),
        ),
        "api.openapi": (
            "/openapi.json",
            get_op(
                "This document",
                {"200": json_body({"type": "object", "required": ["openapi", "paths"]}, "OpenAPI 3.1")},
                tag="meta",
            ),
        ),
    }
    # The operations of calls, donations, campaign accounts and the audit checkpoints live beside their routes.
    return (
        ops
        | openapi_calls.OPERATIONS
        | donations.OPENAPI_OPERATIONS
        | campaign_accounts.OPENAPI_OPERATIONS
        | audit.OPENAPI_OPERATIONS
        | mandate.OPENAPI_OPERATIONS
    )


def document() -> dict:
    registered = set(current_app.view_functions)
    paths: dict[str, dict] = {}
    for endpoint, (path, item) in _operations().items():
        if endpoint in registered:
            paths.setdefault(path, {}).update(item)

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Budgets participatifs des circonscriptions — open data API",
            "version": API_VERSION,
            "description": (
                "Read-only, no account, CORS open for GET. Every response carries an ETag and "
                "Cache-Control; revalidate with If-None-Match. Money is in integer euro cents, times in UTC "
                "(ISO 8601). No personal data: voters appear only under a random per-call id, donors only "
                "in aggregates. The national CSV files are described by /api/v1/datapackage.json "
                "(Frictionless Data Package)."
            ),
            "license": {
                "name": "Licence Ouverte / Open Licence 2.0",
                "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            },
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [
            {"name": t}
            for t in ("constituencies", "calls", "exports", "donations", "mandate", "audit", "open data", "meta")
        ],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": SCHEMAS
            | openapi_calls.SCHEMAS
            | donations.OPENAPI_SCHEMAS
            | campaign_accounts.OPENAPI_SCHEMAS
            | audit.OPENAPI_SCHEMAS
            | mandate.OPENAPI_SCHEMAS
        },
    }


@bp.get("/openapi.json")
def openapi():
    return cached_json(document())
