"""Front-end files: libraries from node_modules (installed from package.json, never committed) under
/vendor/, and the site's own static/ — both served compressed, with long cache lifetimes.

Every URL built by `url_for` for them carries `v=<hash of the file>`: a changed file gets a new URL, so
a versioned URL is cached for a year (`immutable`), an unversioned one for an hour. Text files (CSS, JS,
SVG, JSON) are gzipped once per process and file version, and sent gzipped to browsers that accept it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, request
from markupsafe import Markup

from participatory.config import PROJECT_ROOT

bp = Blueprint("vendor", __name__)
NODE_MODULES = PROJECT_ROOT / "node_modules"
STATIC = PROJECT_ROOT / "static"
# Only the distributable folders of the packages the pages use.
ALLOWED = ("bootstrap/dist/", "leaflet/dist/", "axe-core/axe.min.js")
COMPRESSIBLE = (".css", ".js", ".svg", ".json", ".map", ".txt", ".geojson")
YEAR = 365 * 24 * 3600
HOUR = 3600


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    etag: str
    mimetype: str
    mtime: float


class AssetCache:
    """Files read once per version (their mtime), with a gzipped copy of the text ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._assets: dict[Path, Asset] = {}

    def get(self, path: Path) -> Asset | None:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        with self._lock:
            asset = self._assets.get(path)
            if asset is not None and asset.mtime == mtime:
                return asset
        body = path.read_bytes()
        compress = path.suffix in COMPRESSIBLE and len(body) > 512
        asset = Asset(
            body=body,
            gzipped=gzip.compress(body, compresslevel=9, mtime=0) if compress else None,
            etag=hashlib.sha256(body).hexdigest()[:20],
            mimetype=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            mtime=mtime,
        )
        with self._lock:
            self._assets[path] = asset
        return asset


CACHE = AssetCache()


def _inside(root: Path, filename: str) -> Path | None:
    if ".." in filename.split("/") or filename.startswith("/") or "\\" in filename:
        return None
    path = (root / filename).resolve()
    return path if path.is_file() and path.is_relative_to(root.resolve()) else None


def send_asset(root: Path, filename: str) -> Response:
    path = _inside(root, filename)
    asset = CACHE.get(path) if path else None
    if asset is None:
        abort(404)
    versioned = request.args.get("v") == asset.etag[:10]
    use_gzip = asset.gzipped is not None and "gzip" in request.accept_encodings
    response = Response(asset.gzipped if use_gzip else asset.body, mimetype=asset.mimetype)
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    if asset.gzipped is not None:
        response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(asset.etag + ("-gz" if use_gzip else ""))
    response.cache_control.public = True
    response.cache_control.max_age = YEAR if versioned else HOUR
    if versioned:
        response.cache_control.immutable = True
    response.make_conditional(request)  # 304 when the client's copy is current
    return response


def version_of(root: Path, filename: str) -> str | None:
    path = _inside(root, filename)
    asset = CACHE.get(path) if path else None
    return asset.etag[:10] if asset else None


@bp.get("/vendor/<path:filename>")
def asset(filename: str):
    if not filename.startswith(ALLOWED):
        abort(404)
    return send_asset(NODE_MODULES, filename)


CRITICAL_CSS = STATIC / "css" / "critical.css"


def critical_css() -> tuple[str, str]:
    """The home page's inlined first-paint CSS and its CSP source ('sha256-…'), read once per version."""
    asset = CACHE.get(CRITICAL_CSS)
    if asset is None:
        return "", ""
    text = asset.body.decode("utf-8")
    digest = base64.b64encode(hashlib.sha256(asset.body).digest()).decode("ascii")
    return text, f"'sha256-{digest}'"


def register_assets(app: Flask) -> None:
    """Serve static/ like /vendor/ (compressed, versioned URLs), and version both in url_for."""

    @app.context_processor
    def inline_css() -> dict:
        return {"critical_css": Markup(critical_css()[0])}

    def static(filename: str):
        return send_asset(STATIC, filename)

    app.view_functions["static"] = static

    @app.url_defaults
    def versioned(endpoint: str, values: dict) -> None:
        if endpoint in ("static", "vendor.asset") and "filename" in values and "v" not in values:
            root = STATIC if endpoint == "static" else NODE_MODULES
            version = version_of(root, values["filename"])
            if version:
                values["v"] = version
