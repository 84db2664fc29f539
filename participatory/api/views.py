"""The /api/v1 blueprint: constituencies (this module) and, later, calls and donations."""

from __future__ import annotations

import math

from flask import Blueprint, Response, abort, request

from constituencies import queries
from constituencies.lookup import shared_index
from constituencies.queries import shared_geojson
from participatory.api.caching import cached_json
from participatory.extensions import db

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
    doc = shared_geojson(db.session)
    if request.if_none_match.contains(doc.etag):
        response = Response(status=304)
    else:
        gzip_ok = "gzip" in request.accept_encodings
        response = Response(doc.gzipped if gzip_ok else doc.body, mimetype="application/geo+json")
        if gzip_ok:
            response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(doc.etag)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


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


@bp.get("/constituencies/<code>")
def constituency(code: str):
    item = queries.get(db.session, code.upper())
    if item is None:
        abort(404, description=f"no constituency {code}")
    return cached_json(queries.as_dict(item) | {"communes": item.communes})
