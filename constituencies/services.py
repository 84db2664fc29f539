"""What changes constituency data: the catalogue of 577 and boundary imports.

Services only flush(); the CLI command or the caller commits.
"""

from __future__ import annotations

import csv
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import shapely
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from constituencies.geometry import display_geojson, polygonal
from constituencies.models import BoundaryImport, Constituency
from constituencies.rules import BoundaryFileError, feature_code

CATALOGUE = Path(__file__).resolve().parents[1] / "data" / "constituencies.csv"
MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class ImportReport:
    schema: str
    with_geometry: int
    without_geometry: int
    replaced: int = 0  # boundaries of the file (all of them, or with --partial only these)
    kept: tuple[str, ...] = ()  # --partial: constituencies whose boundary was kept as it was


def sync_catalogue(session: Session, path: Path = CATALOGUE) -> int:
    """Insert or update the 577 constituencies from the committed list; returns the count."""
    existing = {c.code: c for c in session.scalars(select(Constituency))}
    count = 0
    with open(path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            fields = {
                "department_code": row["department_code"],
                "department_name": row["department_name"],
                "number": int(row["number"]),
                "name": row["name"],
                "registered_voters": int(row["registered_voters"]),
                "communes": row["communes"],
            }
            item = existing.get(row["code"])
            if item is None:
                session.add(Constituency(code=row["code"], **fields))
            else:
                for key, value in fields.items():
                    setattr(item, key, value)
            count += 1
    session.flush()
    return count


def read_source(path_or_url: str, timeout: float = 30.0) -> bytes:
    """The bytes of a boundary file from a local path or an http(s) URL."""
    if path_or_url.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(path_or_url, timeout=timeout) as response:  # noqa: S310 (scheme checked)
                data = response.read(MAX_DOWNLOAD_BYTES + 1)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise BoundaryFileError(f"cannot download {path_or_url}: {exc}") from None
        if len(data) > MAX_DOWNLOAD_BYTES:
            raise BoundaryFileError(f"{path_or_url} is larger than {MAX_DOWNLOAD_BYTES} bytes")
        return data
    path = Path(path_or_url)
    if not path.is_file():
        raise BoundaryFileError(f"no such file: {path_or_url}")
    return path.read_bytes()


def _not_a_number(name: str):
    raise BoundaryFileError(f"{name} is not a number (JSON has no NaN or Infinity)")


def _features(raw: bytes) -> list:
    try:
        document = json.loads(raw.decode("utf-8-sig"), parse_constant=_not_a_number)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryFileError(f"not a JSON file: {exc}") from None
    except RecursionError:
        raise BoundaryFileError("not a GeoJSON file: nested too deeply") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise BoundaryFileError("not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryFileError("the FeatureCollection has no features")
    return features


def import_boundaries(
    session: Session,
    raw: bytes,
    source: str,
    now: datetime,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
    *,
    partial: bool = False,
) -> ImportReport:
    """Validate a whole GeoJSON file, then replace every boundary with its shapes.

    Everything is checked before the first write, so a bad file changes nothing. A file
    that leaves out constituencies which have a boundary now is refused (one stray feature
    would wipe the other 565) unless `partial`: then only the file's boundaries are
    replaced and the others kept.
    """
    features = _features(raw)
    known = set(session.scalars(select(Constituency.code)))
    if not known:
        raise BoundaryFileError("the constituency list is not loaded (run `flask constituencies sync`)")
    parsed: dict[str, tuple[bytes, str, float, float]] = {}
    schemas = set()
    for position, feature in enumerate(progress(features), start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise BoundaryFileError(f"feature {position}: not a GeoJSON Feature")
        fc = feature_code(feature.get("properties"), position)
        if fc.code not in known:
            raise BoundaryFileError(f"feature {position}: unknown constituency {fc.code}")
        if fc.code in parsed:
            raise BoundaryFileError(f"feature {position}: duplicate constituency {fc.code}")
        geom = polygonal(feature.get("geometry"), position)
        label = geom.representative_point()
        parsed[fc.code] = (shapely.to_wkb(geom), display_geojson(geom), label.y, label.x)
        schemas.add(fc.schema)
    if len(schemas) > 1:
        raise BoundaryFileError("the file mixes the 2012 and the official schemas")
    having = set(session.scalars(select(Constituency.code).where(Constituency.geometry_wkb.is_not(None))))
    left_out = sorted(having - set(parsed))
    if left_out and not partial:
        sample = ", ".join(left_out[:5]) + (", …" if len(left_out) > 5 else "")
        raise BoundaryFileError(
            f"the file has {len(parsed)} boundaries and leaves out {len(left_out)} constituencies that have one now "
            f"({sample}); to replace only those in the file and keep the others, pass --partial"
        )
    if not partial:
        session.execute(
            update(Constituency).values(geometry_wkb=None, display_geojson=None, label_lat=None, label_lon=None)
        )
    for code, (wkb, display, lat, lon) in parsed.items():
        session.execute(
            update(Constituency)
            .where(Constituency.code == code)
            .values(geometry_wkb=wkb, display_geojson=display, label_lat=lat, label_lon=lon)
        )
    schema = schemas.pop()
    session.add(BoundaryImport(source=source[:500], schema=schema, features=len(parsed), imported_at=now))
    session.flush()
    with_geometry = len(parsed) + (len(left_out) if partial else 0)
    return ImportReport(
        schema=schema,
        with_geometry=with_geometry,
        without_geometry=len(known) - with_geometry,
        replaced=len(parsed),
        kept=tuple(left_out) if partial else (),
    )


def boundaries_loaded(session: Session) -> bool:
    return session.scalar(select(BoundaryImport.id).limit(1)) is not None


def default_source(configured: str, url: str, instance_path: Path) -> str:
    """Where boundaries come from at start: the configured file, else the cached download, else the URL."""
    if configured:
        return configured
    cached = instance_path / "circonscriptions-legislatives.geojson"
    return str(cached) if cached.is_file() else url


def cache_download(raw: bytes, instance_path: Path) -> None:
    instance_path.mkdir(parents=True, exist_ok=True)
    (instance_path / "circonscriptions-legislatives.geojson").write_bytes(raw)
