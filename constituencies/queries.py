"""Read-only queries on constituencies, shared by the pages and the JSON API."""

from __future__ import annotations

import gzip
import json
import threading

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from constituencies.rules import search as search_rules
from constituencies.versioning import ImportVersion
from participatory.prepared import Prepared, prepare

GEOJSON_MAX_AGE = 3600  # seconds: boundaries change with a new import, a few times a decade


def all_constituencies(session: Session) -> list[Constituency]:
    return list(session.scalars(select(Constituency).order_by(Constituency.code)))


def by_codes(session: Session, codes: list[str]) -> dict[str, Constituency]:
    if not codes:
        return {}
    return {c.code: c for c in session.scalars(select(Constituency).where(Constituency.code.in_(codes)))}


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Constituency)) or 0


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


def feature_geojson(item: Constituency) -> str:
    """One constituency's simplified shape as a GeoJSON Feature (the stored geometry spliced in)."""
    properties = {"code": item.code, "name": item.name, "department_code": item.department_code}
    props = json.dumps(properties, ensure_ascii=False, separators=(",", ":"))
    return f'{{"type":"Feature","id":{json.dumps(item.code)},"properties":{props},"geometry":{item.display_geojson}}}'


class GeoJSONCache:
    """The national FeatureCollection, rebuilt only after a new boundary import."""

    def __init__(self, check_seconds: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._version = ImportVersion(check_seconds)
        self._key: object = object()
        self._doc: Prepared | None = None

    def document(self, session: Session) -> Prepared:
        key = self._version.current(session)
        with self._lock:
            if self._doc is None or key != self._key:
                self._doc = _build_geojson(session)
                self._key = key
            return self._doc


def shared_geojson(session: Session) -> Prepared:
    """The national GeoJSON of this process, kept on the Flask app."""
    cache = current_app.extensions.get("constituency_geojson")
    if cache is None:
        cache = current_app.extensions.setdefault(
            "constituency_geojson", GeoJSONCache(current_app.config["BOUNDARY_CHECK_SECONDS"])
        )
    return cache.document(session)


def _build_geojson(session: Session) -> Prepared:
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
    # Sent to every visitor of the map: compressed as far as gzip goes, once per boundary import.
    return prepare(
        body,
        "application/geo+json",
        f"public, max-age={GEOJSON_MAX_AGE}",
        gzipped=gzip.compress(body, compresslevel=9, mtime=0),
    )


class SearchCatalogue:
    """The constituencies as search entries (names and communes folded once), per process.

    The list of constituencies changes only with `constituencies sync` (at a deployment, before the
    processes start); the catalogue is also rebuilt after a boundary import, checked like the map shapes.
    """

    def __init__(self, check_seconds: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._version = ImportVersion(check_seconds)
        self._key: object = object()
        self._entries: list[search_rules.Entry] = []

    def entries(self, session: Session) -> list[search_rules.Entry]:
        key = self._version.current(session)
        with self._lock:
            if not self._entries or key != self._key:
                self._entries = [
                    search_rules.entry(c.code, c.department_code, c.department_name, c.number, c.name, c.communes)
                    for c in all_constituencies(session)
                ]
                self._key = key
            return self._entries


def search(session: Session, text: str) -> list[search_rules.Match]:
    """The constituencies a free-text query names, best first (see constituencies/rules/search.py)."""
    catalogue = current_app.extensions.get("constituency_search")
    if catalogue is None:
        catalogue = current_app.extensions.setdefault(
            "constituency_search", SearchCatalogue(current_app.config["BOUNDARY_CHECK_SECONDS"])
        )
    return search_rules.search(catalogue.entries(session), text)


def search_result(item: Constituency, match: search_rules.Match) -> dict:
    """One search answer, small: what a list of results shows and links to."""
    return {
        "code": item.code,
        "name": item.name,
        "department_name": item.department_name,
        "number": item.number,
        "reason": match.reason,
        "commune": match.commune,
        "partial": match.partial,
        "has_geometry": item.has_geometry,
        # A point inside the shape: a search result can place a marker there ("my constituency, roughly").
        "lat": item.label_lat,
        "lon": item.label_lon,
    }
