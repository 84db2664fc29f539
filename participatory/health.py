"""`GET /healthz`: liveness; `GET /readyz`: readiness, for load balancers.

/healthz answers "ok" without touching the database or the session, so it measures what the
stack itself (WSGI server, Flask, the security headers) can serve: the ceiling that
benchmarks/load.py compares every real page with. A process that answers it is alive.

/readyz asks the database (`SELECT 1`) and Redis (PING, when REDIS_URL is set) and answers 200, or 503
naming the part that failed: take the instance out of rotation while its database is unreachable. Redis
down makes it 503 only with READYZ_REQUIRES_REDIS=1: without Redis the app still serves every page
(limits in memory, jobs inline), and every instance shares the one Redis, so a load balancer would
otherwise take them all out at once.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from participatory import jobs
from participatory.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    response = Response("ok\n", mimetype="text/plain")
    response.cache_control.no_store = True
    return response


@bp.get("/readyz")
def readyz() -> Response:
    checks = {"database": _database(), "redis": _redis()}
    failed = checks["database"] != "ok" or (
        checks["redis"] == "unreachable" and current_app.config.get("READYZ_REQUIRES_REDIS")
    )
    response = jsonify({"status": "unavailable" if failed else "ok", **checks})
    response.status_code = 503 if failed else 200
    response.cache_control.no_store = True
    return response


def _database() -> str:
    try:
        with db.engine.connect() as connection:  # its own connection: the request's session stays untouched
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return "unreachable"
    return "ok"


def _redis() -> str:
    if not current_app.config.get("REDIS_URL"):
        return "not configured"
    try:
        jobs.connection().ping()
    except RedisError:
        return "unreachable"
    return "ok"
