"""Constituencies and the record of boundary imports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from participatory.extensions import Model


class Constituency(Model):
    __tablename__ = "constituency"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)  # "33-04", "2A-01", "ZZ-11"
    department_code: Mapped[str] = mapped_column(String(2), index=True)
    department_name: Mapped[str] = mapped_column(String(80))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    registered_voters: Mapped[int] = mapped_column(Integer)  # first round of 2017
    communes: Mapped[str] = mapped_column(Text, default="")
    # Full, repaired geometry (WKB, WGS84) for lookups; simplified GeoJSON for display.
    geometry_wkb: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    display_geojson: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A point inside the shape, to centre small maps without parsing the geometry.
    label_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    label_lon: Mapped[float | None] = mapped_column(Float, nullable=True)

    @property
    def has_geometry(self) -> bool:
        return self.geometry_wkb is not None

    @property
    def is_abroad(self) -> bool:
        return self.department_code == "ZZ"


class BoundaryImport(Model):
    """One successful `constituencies import`; the latest one keys the lookup cache."""

    __tablename__ = "boundary_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(500))
    schema: Mapped[str] = mapped_column(String(20))  # "2012" or "official"
    features: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
