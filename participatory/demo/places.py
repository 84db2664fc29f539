"""Random project locations inside a constituency's polygon (shapely, vectorised)."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

MAX_ROUNDS = 50


def _parts(geometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon)]


def sample_points(geometry_wkb: bytes | None, count: int, rng: np.random.Generator) -> list[tuple[float, float]] | None:
    """`count` (lat, lon) points strictly inside the polygon, or None without a polygon (abroad).

    Each point first picks a part of a multipolygon in proportion to its area (an archipelago's
    bounding box is mostly sea), then is drawn uniformly in that part's bounding box until it
    falls inside; a part too thin to hit gives its representative point.
    """
    if geometry_wkb is None:
        return None
    parts = _parts(shapely.from_wkb(geometry_wkb))
    if not parts:
        return None
    areas = np.array([p.area for p in parts], dtype=float)
    chosen = rng.choice(len(parts), size=count, p=areas / areas.sum()) if count else np.array([], dtype=int)
    points: list[tuple[float, float] | None] = [None] * count
    for index in np.unique(chosen):
        part = parts[int(index)]
        shapely.prepare(part)
        wanted = [i for i in range(count) if chosen[i] == index]
        minx, miny, maxx, maxy = part.bounds
        found: list[tuple[float, float]] = []
        for _ in range(MAX_ROUNDS):
            batch = max(64, 4 * len(wanted))
            xs = rng.uniform(minx, maxx, batch)
            ys = rng.uniform(miny, maxy, batch)
            inside = shapely.contains_xy(part, xs, ys)
            found.extend((float(y), float(x)) for x, y in zip(xs[inside], ys[inside], strict=False))
            if len(found) >= len(wanted):
                break
        fallback = part.representative_point()
        for slot, i in enumerate(wanted):
            points[i] = found[slot] if slot < len(found) else (fallback.y, fallback.x)
    return points  # every slot is filled above
