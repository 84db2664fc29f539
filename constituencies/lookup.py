"""Point-to-constituency lookup with a shapely STRtree, built once and cached.

The index lives on the Flask app (one per process) and is rebuilt only when a
newer boundary import exists, so lookups never parse geometry per request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import shapely
from flask import current_app
from shapely import STRtree
from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from constituencies.versioning import ImportVersion


@dataclass
class LookupIndex:
    import_id: int | None
    codes: list[str]
    tree: STRtree | None

    def find(self, lat: float, lon: float) -> str | None:
        if self.tree is None:
            return None
        hits = self.tree.query(Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        # On a shared border both sides match; the smallest code wins, deterministically.
        return min(self.codes[i] for i in hits)


class LookupCache:
    def __init__(self, check_seconds: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._version = ImportVersion(check_seconds)
        self._index = LookupIndex(import_id=None, codes=[], tree=None)

    def index(self, session: Session) -> LookupIndex:
        latest = self._version.current(session)
        if latest != self._index.import_id or self._index.tree is None and latest is not None:
            with self._lock:
                if latest != self._index.import_id or self._index.tree is None:
                    self._index = build_index(session, latest)
        return self._index


def shared_index(session: Session) -> LookupIndex:
    """The index of this process, kept on the Flask app (the API and the residence form share it)."""
    cache = current_app.extensions.get("constituency_lookup")
    if cache is None:
        cache = current_app.extensions.setdefault(
            "constituency_lookup", LookupCache(current_app.config["BOUNDARY_CHECK_SECONDS"])
        )
    return cache.index(session)


def build_index(session: Session, import_id: int | None) -> LookupIndex:
    rows = session.execute(
        select(Constituency.code, Constituency.geometry_wkb).where(Constituency.geometry_wkb.is_not(None))
    ).all()
    if not rows:
        return LookupIndex(import_id=import_id, codes=[], tree=None)
    geoms = shapely.from_wkb([wkb for _, wkb in rows])
    shapely.prepare(geoms)
    return LookupIndex(import_id=import_id, codes=[code for code, _ in rows], tree=STRtree(geoms))
