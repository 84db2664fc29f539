"""HTTP caching for the open-data API: a strong ETag from the body, public Cache-Control.

Every /api/v1 response built from data goes through `cached_response` (or
`cached_json`), so clients and proxies can revalidate with If-None-Match and get
a 304 without the body.
"""

from __future__ import annotations

import hashlib

from flask import Response, current_app, request

DEFAULT_MAX_AGE = 300  # seconds: calls and results change rarely, and a result never changes once published


def etag_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def cached_response(
    body: bytes | str, *, mimetype: str, max_age: int = DEFAULT_MAX_AGE, filename: str | None = None, status: int = 200
) -> Response:
    """A response with ETag and Cache-Control, answered with 304 when the client's copy is current."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    response = Response(data, status=status, mimetype=mimetype)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if status != 200:
        return response
    response.set_etag(etag_of(data))
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.make_conditional(request)  # returns itself, typed as werkzeug's Response
    return response


def cached_json(payload: object, *, max_age: int = DEFAULT_MAX_AGE, status: int = 200) -> Response:
    """`jsonify`, plus ETag and Cache-Control."""
    return cached_response(
        current_app.json.dumps(payload) + "\n", mimetype="application/json", max_age=max_age, status=status
    )
