"""Addresses to points: one small interface over the national address service's API.

`search(query)` asks GEOCODER_URL (default: the national address base's public service,
https://api-adresse.data.gouv.fr/search/; a self-hosted `addok` serves the same API at
<its root>/search/) and returns `Address` values. The browser never calls the geocoder:
the pages go through /api/v1/geocode, so the Content-Security-Policy stays 'self' and the
person's typing reaches one third party only, from the server. A point resolves to its
constituency through the lookup index (constituencies/lookup.py), which settles communes
split between several constituencies.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

DEFAULT_URL = "https://api-adresse.data.gouv.fr/search/"
MAX_QUERY_LENGTH = 200  # addok's QUERY_MAX_LENGTH
MIN_QUERY_LENGTH = 3  # the public service refuses shorter queries
MAX_ANSWER_BYTES = 512 * 1024


class GeocoderUnavailable(RuntimeError):
    """The geocoder did not answer, or answered something that is not its API."""


@dataclass(frozen=True)
class Address:
    label: str
    lon: float
    lat: float
    citycode: str  # INSEE code of the commune ("" when the service gives none)
    kind: str = ""  # housenumber, street, locality, municipality


def usable_query(text: str) -> str | None:
    """The query to send, or None when it is too short to mean an address."""
    text = " ".join(text.split())[:MAX_QUERY_LENGTH]
    return text if len(text) >= MIN_QUERY_LENGTH and any(ch.isalnum() for ch in text) else None


def search(url: str, query: str, *, limit: int = 5, timeout: float = 5.0) -> list[Address]:
    """Up to `limit` addresses for `query`, best first; [] for a query too short."""
    text = usable_query(query)
    if text is None or not url:
        return []
    request = urllib.request.Request(
        url + ("&" if "?" in url else "?") + urllib.parse.urlencode({"q": text, "limit": str(limit)}),
        headers={"Accept": "application/json", "User-Agent": "budgets-participatifs/1"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (URL from settings)
            body = answer.read(MAX_ANSWER_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise GeocoderUnavailable(str(exc)) from None
    if len(body) > MAX_ANSWER_BYTES:
        raise GeocoderUnavailable("answer too large")
    return parse(body)[:limit]


def parse(body: bytes) -> list[Address]:
    """The addresses of a /search/ answer (GeoJSON FeatureCollection); malformed features are skipped."""
    try:
        data = json.loads(body)
    except ValueError:
        raise GeocoderUnavailable("answer is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise GeocoderUnavailable("answer is not a FeatureCollection")
    found = []
    for feature in data["features"]:
        try:
            lon, lat = (float(v) for v in feature["geometry"]["coordinates"][:2])
            props = feature.get("properties") or {}
            label = str(props.get("label") or props.get("name") or "").strip()
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if not label or not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
            continue
        found.append(
            Address(
                label=label[:200],
                lon=lon,
                lat=lat,
                citycode=str(props.get("citycode") or "")[:5],
                kind=str(props.get("type") or "")[:20],
            )
        )
    return found
