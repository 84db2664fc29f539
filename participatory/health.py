"""`GET /healthz`: liveness for load balancers, and the trivial endpoint of the load benchmark.

It answers "ok" without touching the database or the session, so it measures what the
stack itself (WSGI server, Flask, the security headers) can serve: the ceiling that
benchmarks/load.py compares every real page with.
"""

from __future__ import annotations

from flask import Blueprint, Response

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    response = Response("ok\n", mimetype="text/plain")
    response.cache_control.no_store = True
    return response
