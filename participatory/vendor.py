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
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, request
from markupsafe import Markup

from participatory.config import PROJECT_ROOT
from participatory.prepared import Prepared, prepare, send

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
    mtime: float
    versioned: Prepared  # asked for with its version (?v=): cached for a year
    unversioned: Prepared  # asked for by its bare URL: cached for an hour (same body and ETag)

    @property
    def body(self) -> bytes:
        return self.versioned.body

    @property
    def etag(self) -> str:
        return self.versioned.etag


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
        gzipped = gzip.compress(body, compresslevel=9, mtime=0) if compress else None
        etag = hashlib.sha256(body).hexdigest()[:20]
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        asset = Asset(
            mtime=mtime,
            versioned=prepare(
                body, mimetype, f"public, max-age={YEAR}, immutable", gzipped=gzipped, compress=False, etag=etag
            ),
            unversioned=prepare(body, mimetype, f"public, max-age={HOUR}", gzipped=gzipped, compress=False, etag=etag),
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
    return send(asset.versioned if request.args.get("v") == asset.etag[:10] else asset.unversioned)


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
    return ("", "") if asset is None else _inline(asset.body)


@lru_cache(maxsize=4)
def _inline(body: bytes) -> tuple[str, str]:
    # Every response's CSP names this hash: computed once per version of the file, not per response.
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
    return body.decode("utf-8"), f"'sha256-{digest}'"


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
