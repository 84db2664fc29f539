"""Bodies kept ready in memory and sent as they are: cached pages, the national GeoJSON, static files.

Each body is stored with its gzipped copy and the headers of both variants, built once when it is
stored rather than on every request, so that sending one costs about what `/healthz` costs: pick
the variant the client accepts, answer 304 when its copy is current (If-None-Match), else the body.
The two variants have their own strong ETags (the gzipped one ends in "-gz"), as HTTP requires.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass

from flask import Response, request
from werkzeug.http import quote_etag
from werkzeug.utils import get_content_type

MIN_GZIP_BYTES = 1_000  # below this, gzip saves less than its own headers cost


@dataclass(frozen=True)
class Prepared:
    body: bytes
    gzipped: bytes | None
    etag: str  # of the plain body, unquoted
    headers: tuple[tuple[str, str], ...]  # of the plain body
    gzip_headers: tuple[tuple[str, str], ...]  # of the gzipped copy (empty without one)


def prepare(
    body: bytes,
    mimetype: str,
    cache_control: str,
    *,
    vary: str = "Accept-Encoding",
    gzipped: bytes | None = None,
    compress: bool = True,
    etag: str | None = None,
) -> Prepared:
    """`body` ready to send; `gzipped` is computed here unless given (and unless `compress` is off)."""
    if gzipped is None and compress and len(body) >= MIN_GZIP_BYTES:
        gzipped = gzip.compress(body, compresslevel=6, mtime=0)
    etag = etag or hashlib.sha256(body).hexdigest()[:32]
    common = [("Content-Type", get_content_type(mimetype, "utf-8")), ("Cache-Control", cache_control)]
    if gzipped is not None:
        common.append(("Vary", vary))
    plain = (*common, ("ETag", quote_etag(etag)))
    zipped = (*common, ("Content-Encoding", "gzip"), ("ETag", quote_etag(etag + "-gz"))) if gzipped else ()
    return Prepared(body, gzipped, etag, plain, zipped)


def send(item: Prepared) -> Response:
    """The variant the client accepts, or 304 when its copy of that variant is current."""
    zipped = item.gzipped is not None and request.accept_encodings["gzip"] > 0
    headers = item.gzip_headers if zipped else item.headers
    if "If-None-Match" in request.headers and request.if_none_match.contains(
        item.etag + "-gz" if zipped else item.etag
    ):
        return Response(status=304, headers=headers)  # werkzeug drops the entity headers of a 304
    return Response(item.gzipped if zipped else item.body, headers=headers)
