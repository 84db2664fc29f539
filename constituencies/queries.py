"""Read-only queries on constituencies, shared by the pages and the JSON API."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from constituencies.versioning import ImportVersion


def all_constituencies(session: Session) -> list[Constituency]:
    return list(session.scalars(select(Constituency).order_by(Constituency.code)))


def get(session: Session, code: str) -> Constituency | None:
    return session.get(Constituency, code)


def as_dict(item: Constituency) -> dict:
    return {
        "code": item.code,
        "department_code": item.department_code,
        "department_name": item.department_name,
        "number": item.number,
        "name": item.name,
        "registered_voters": item.registered_voters,
        "has_geometry": item.has_geometry,
    }


@dataclass(frozen=True)
class CachedDocument:
    """A JSON body kept ready to send, plain and gzipped, with its ETag."""

    body: bytes
    gzipped: bytes
    etag: str


class GeoJSONCache:
    """The national FeatureCollection, rebuilt only after a new boundary import."""

    def __init__(self, check_seconds: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._version = ImportVersion(check_seconds)
        self._key: object = object()
        self._doc: CachedDocument | None = None

    def document(self, session: Session) -> CachedDocument:
        key = self._version.current(session)
        with self._lock:
            if self._doc is None or key != self._key:
                self._doc = _build_geojson(session)
                self._key = key
            return self._doc


def shared_geojson(session: Session) -> CachedDocument:
    """The national GeoJSON of this process, kept on the Flask app."""
    cache = current_app.extensions.get("constituency_geojson")
    if cache is None:
        cache = current_app.extensions.setdefault(
            "constituency_geojson", GeoJSONCache(current_app.config["BOUNDARY_CHECK_SECONDS"])
        )
    return cache.document(session)


def _build_geojson(session: Session) -> CachedDocument:
    rows = session.execute(
        select(Constituency.code, Constituency.name, Constituency.department_code, Constituency.display_geojson)
        .where(Constituency.display_geojson.is_not(None))
        .order_by(Constituency.code)
    ).all()
    # Geometries are stored as GeoJSON text already: splice them rather than parse and re-dump.
    parts = [
        '{{"type":"Feature","id":{},"properties":{},"geometry":{}}}'.format(
            json.dumps(code),
            json.dumps({"code": code, "name": name, "department_code": dept}, ensure_ascii=False),
            geometry,
        )
        for code, name, dept, geometry in rows
    ]
    body = ('{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}").encode("utf-8")
    return CachedDocument(
        body=body,
        gzipped=gzip.compress(body, compresslevel=9, mtime=0),
        etag=hashlib.sha256(body).hexdigest()[:32],
    )
