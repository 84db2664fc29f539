"""The /api/v1 blueprint: constituencies (this module) and, later, calls and donations."""

from __future__ import annotations

import math

from flask import Blueprint, Response, abort, current_app, request

from constituencies import geocoding, queries
from constituencies.lookup import shared_index
from constituencies.queries import shared_geojson
from participatory import prepared
from participatory.api.caching import cached_json, cached_response
from participatory.extensions import db, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")


INT32_MAX = 2**31 - 1


@bp.url_value_preprocessor
def ids_in_range(endpoint, values) -> None:
    # An <int:…> id beyond the database's INTEGER is no row: 404 here, not a DataError (500) on PostgreSQL.
    for value in (values or {}).values():
        if isinstance(value, int) and not 0 <= value <= INT32_MAX:
            abort(404, description="no such id")


@bp.after_request
def open_cors(response: Response) -> Response:
    # Open data: any site may read it; nothing here depends on cookies.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Content-Disposition"
    if request.method == "OPTIONS":  # preflight of a GET that revalidates with If-None-Match
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.get("/constituencies")
def constituencies():
    include = request.args.get("include")
    if include not in (None, "communes"):
        abort(400, description="include must be 'communes' or absent")
    items = [
        queries.as_dict(c) | ({"communes": c.communes} if include else {})
        for c in queries.all_constituencies(db.session)
    ]
    return cached_json({"count": len(items), "constituencies": items})


@bp.get("/constituencies.geojson")
def constituencies_geojson():
    return prepared.send(shared_geojson(db.session))


def _coordinate(name: str, limit: float) -> float:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        abort(400, description=f"missing parameter {name}")
    try:
        value = float(raw)
    except ValueError:
        abort(400, description=f"{name} must be a number")
    if not math.isfinite(value) or not -limit <= value <= limit:
        abort(400, description=f"{name} must be between {-limit} and {limit}")
    return value


@bp.get("/constituencies/lookup")
def lookup():
    lat, lon = _coordinate("lat", 90), _coordinate("lon", 180)
    code = shared_index(db.session).find(lat, lon)
    if code is None:
        abort(404, description="no constituency at this point")
    return cached_json(queries.as_dict(queries.get(db.session, code)))


SEARCH_LIMIT = 20


@bp.get("/constituencies/search")
def constituencies_search():
    """Free-text search ("Gironde 4", "33-04", "st etienne", "Perpignan"): small answers, best first."""
    text = request.args.get("q", "")
    if len(text) > 100:
        abort(400, description="q must be at most 100 characters")
    matches = queries.search(db.session, text)
    items = queries.by_codes(db.session, [m.code for m in matches[:SEARCH_LIMIT]])
    results = [queries.search_result(items[m.code], m) for m in matches[:SEARCH_LIMIT] if m.code in items]
    total = queries.count(db.session)
    return cached_json({"query": text, "count": len(matches), "total": total, "results": results}, max_age=3600)


@bp.get("/constituencies/<code>.geojson")
def constituency_geojson(code: str):
    """One constituency's simplified shape (a Feature), for single-constituency maps."""
    item = queries.get(db.session, code.upper())
    if item is None or item.display_geojson is None:
        abort(404, description=f"no shape for constituency {code}")
    body = queries.feature_geojson(item)
    return cached_response(body, mimetype="application/geo+json", max_age=3600)


@bp.get("/geocode")
@limiter.limit(lambda: current_app.config["RATELIMIT_GEOCODE"], scope="geocode")
def geocode():
    """Addresses for a text, each with the constituency it lies in (GEOCODER_URL, asked from the server)."""
    text = request.args.get("q", "")
    if len(text) > geocoding.MAX_QUERY_LENGTH:
        abort(400, description=f"q must be at most {geocoding.MAX_QUERY_LENGTH} characters")
    url = current_app.config["GEOCODER_URL"]
    if not url:
        abort(404, description="address search is not configured")
    try:
        addresses = geocoding.search(url, text, limit=5, timeout=current_app.config["GEOCODER_TIMEOUT"])
    except geocoding.GeocoderUnavailable:
        current_app.logger.warning("geocoder unavailable")  # never the query: it may be someone's address
        abort(503, description="the address service does not answer; try again, or place the point on the map")
    index = shared_index(db.session)
    results = []
    for address in addresses:
        code = index.find(address.lat, address.lon)
        item = queries.get(db.session, code) if code else None
        results.append(
            {
                "label": address.label,
                "lat": round(address.lat, 6),
                "lon": round(address.lon, 6),
                "citycode": address.citycode,
                "type": address.kind,
                "constituency": {"code": item.code, "name": item.name} if item else None,
            }
        )
    response = cached_json({"query": text, "results": results}, max_age=0)
    response.cache_control.public = False
    response.cache_control.private = True
    return response


@bp.get("/constituencies/<code>")
def constituency(code: str):
    item = queries.get(db.session, code.upper())
    if item is None:
        abort(404, description=f"no constituency {code}")
    return cached_json(queries.as_dict(item) | {"communes": item.communes})
