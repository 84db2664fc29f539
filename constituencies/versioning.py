"""Which boundary import the in-process caches were built from.

Every cached view of the boundaries (lookup index, national GeoJSON) is keyed on
the id of the latest import. Reading that id costs a query, so it is re-read at
most every `ttl` seconds: an import made by another process shows within that delay.
"""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from constituencies.models import BoundaryImport


def latest_import_id(session: Session) -> int | None:
    return session.scalar(select(BoundaryImport.id).order_by(BoundaryImport.id.desc()).limit(1))


class ImportVersion:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._value: int | None = None
        self._checked = float("-inf")

    def current(self, session: Session) -> int | None:
        now = time.monotonic()
        if now - self._checked >= self.ttl:
            self._value = latest_import_id(session)
            self._checked = now
        return self._value
