"""Front-end libraries served from node_modules (installed from package.json, never committed)."""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory

from participatory.config import PROJECT_ROOT

bp = Blueprint("vendor", __name__)
NODE_MODULES = PROJECT_ROOT / "node_modules"
# Only the distributable folders of the packages the pages use.
ALLOWED = ("bootstrap/dist/", "leaflet/dist/", "axe-core/axe.min.js")


@bp.get("/vendor/<path:filename>")
def asset(filename: str):
    if not filename.startswith(ALLOWED) or ".." in filename:
        abort(404)
    return send_from_directory(NODE_MODULES, filename, max_age=7 * 24 * 3600)
