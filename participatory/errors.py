"""Error pages: JSON under /api/, a translated HTML page elsewhere.

A DomainError no view answered is answered here: the transaction rolls back (commits when the refusal
must be kept), then JSON {"error": code, "message", "status"} under /api/, or the error page of its
status with the message.

While the database is unreachable (connection refused, server restarting, connection lost mid-request),
every page answers 503 with Retry-After, rendered without touching the database: no signed-in menu (it
would load the user), and a plain bilingual text if even that page fails.
"""

from __future__ import annotations

import contextlib
import logging

from flask import Response, flash, g, jsonify, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from participatory.domain_errors import DomainError
from participatory.extensions import db, login_manager

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30
PLAIN_UNAVAILABLE = (
    "Service momentanément indisponible : réessayez dans quelques instants.\n"
    "Service temporarily unavailable: please try again in a moment.\n"
)


def handle_http_error(exc: HTTPException):
    if request.path.startswith("/api/"):
        response = jsonify({"error": exc.name, "message": exc.description, "status": exc.code})
        response.status_code = exc.code or 500
        return response
    try:
        return render_template("error.html", error=exc), exc.code or 500
    except (OperationalError, InterfaceError) as unreachable:  # the page's signed-in menu reads the database
        return handle_database_unavailable(unreachable)


def handle_domain_error(error: DomainError):
    if error.commit:
        db.session.commit()
    else:
        db.session.rollback()
    if request.path.startswith("/api/"):
        response = jsonify({"error": error.code, "message": error.message, "status": error.status})
        response.status_code = error.status
        return response
    flash(error.message, "error")
    return handle_http_error(default_exceptions.get(error.status, InternalServerError)())


def handle_database_unavailable(exc: SQLAlchemyError):
    """OperationalError and InterfaceError: the database cannot be reached (or dropped the connection)."""
    # The class only: the message may quote the server's address or the statement's parameters.
    log.warning("database unreachable (%s): 503 for %s %s", type(exc).__name__, request.method, request.path)
    with contextlib.suppress(Exception):  # the connection is gone: the session starts afresh next time
        db.session.rollback()
    if request.path.startswith("/api/"):
        response = jsonify(
            {"error": "Service Unavailable", "message": "database unreachable, retry later", "status": 503}
        )
        response.status_code = 503
    else:
        # Flask-Login's template context loads the user from the database: render as a visitor instead.
        g._login_user = login_manager.anonymous_user()
        try:
            response = Response(render_template("unavailable.html"), status=503)
        except SQLAlchemyError:
            response = Response(PLAIN_UNAVAILABLE, status=503, mimetype="text/plain")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.cache_control.no_store = True
    return response
