"""Error pages: JSON under /api/, a translated HTML page elsewhere."""

from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException


def handle_http_error(exc: HTTPException):
    if request.path.startswith("/api/"):
        response = jsonify({"error": exc.name, "message": exc.description, "status": exc.code})
        response.status_code = exc.code or 500
        return response
    return render_template("error.html", error=exc), exc.code or 500
