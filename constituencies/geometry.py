"""Geometry handling for boundary import: parse, repair, simplify (shapely)."""

from __future__ import annotations

import json

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from constituencies.rules import POLYGON_TYPES, BoundaryFileError

# About 150 m at French latitudes: the whole country stays well under 400 KB gzipped
# while shapes remain recognisable at department zoom.
DISPLAY_TOLERANCE = 0.0015
DISPLAY_DECIMALS = 4


def polygonal(geometry: object, position: int) -> BaseGeometry:
    """A valid Polygon/MultiPolygon from a GeoJSON geometry, repairing it if needed."""
    where = f"feature {position}"
    if not isinstance(geometry, dict):
        raise BoundaryFileError(f"{where}: no geometry")
    kind = geometry.get("type")
    if kind not in POLYGON_TYPES:
        raise BoundaryFileError(f"{where}: geometry type {kind!r}, expected Polygon or MultiPolygon")
    try:
        geom = shape(geometry)
        finite = bool(np.isfinite(shapely.get_coordinates(geom)).all())
    except (ValueError, TypeError, AttributeError, IndexError, GEOSException) as exc:
        raise BoundaryFileError(f"{where}: unreadable coordinates ({exc})") from None
    except RecursionError:
        raise BoundaryFileError(f"{where}: unreadable coordinates (nested too deeply)") from None
    if not finite:
        raise BoundaryFileError(f"{where}: coordinates that are not finite numbers (NaN or infinite)")
    if not geom.is_valid:
        geom = _only_polygons(shapely.make_valid(geom))
    if geom.is_empty:
        raise BoundaryFileError(f"{where}: empty geometry")
    return geom


def _only_polygons(geom: BaseGeometry) -> BaseGeometry:
    # make_valid may return a collection with stray lines or points: keep the areas.
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    parts: list[Polygon] = []
    for part in getattr(geom, "geoms", []):
        if isinstance(part, Polygon):
            parts.append(part)
        elif isinstance(part, MultiPolygon):
            parts.extend(part.geoms)
    return MultiPolygon(parts)


def display_geojson(geom: BaseGeometry) -> str:
    simple = geom.simplify(DISPLAY_TOLERANCE, preserve_topology=True)
    if simple.is_empty:  # a tiny island: keep it visible rather than drop it
        simple = geom
    # Rounded coordinates print short; validity does not matter for drawing.
    simple = shapely.transform(simple, lambda coords: np.round(coords, DISPLAY_DECIMALS))
    return json.dumps(mapping(simple), separators=(",", ":"))
