"""Bodies kept ready in memory (participatory/prepared.py): the variant sent, its ETag, 304s."""

from __future__ import annotations

import gzip

import pytest
from flask import Flask

from participatory.prepared import MIN_GZIP_BYTES, prepare, send

BIG = ("<p>Budget participatif de la circonscription</p>\n" * 100).encode()
SMALL = b"ok\n"


@pytest.fixture
def served():
    app = Flask(__name__)
    items = {"big": prepare(BIG, "text/html", "public, max-age=30"), "small": prepare(SMALL, "text/plain", "no-cache")}

    @app.get("/<name>")
    def item(name: str):
        return send(items[name])

    return app.test_client(), items


# (Accept-Encoding, gzipped copy sent?)
ENCODINGS = [
    (None, False),
    ("gzip", True),
    ("gzip, deflate, br", True),
    ("br;q=1.0, gzip;q=0.8", True),
    ("GZIP", True),
    ("gzip;q=0", False),
    ("identity", False),
    ("deflate, br", False),
    ("*", True),
    ("*, gzip;q=0", False),
]


@pytest.mark.parametrize(("accept", "zipped"), ENCODINGS)
def test_the_variant_sent_is_one_the_client_accepts(served, accept, zipped):
    client, items = served
    response = client.get("/big", headers={"Accept-Encoding": accept} if accept else {})
    assert response.status_code == 200
    assert (response.headers.get("Content-Encoding") == "gzip") is zipped
    assert (gzip.decompress(response.data) if zipped else response.data) == BIG
    assert response.headers["ETag"] == f'"{items["big"].etag}{"-gz" if zipped else ""}"'
    assert response.headers["Vary"] == "Accept-Encoding"
    assert response.headers["Cache-Control"] == "public, max-age=30"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Length"] == str(len(response.data))


@pytest.mark.parametrize(("accept", "zipped"), ENCODINGS)
def test_a_current_copy_of_that_variant_gets_304_and_no_body(served, accept, zipped):
    client, items = served
    headers = {"Accept-Encoding": accept} if accept else {}
    etag = client.get("/big", headers=headers).headers["ETag"]
    again = client.get("/big", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert "Content-Encoding" not in again.headers and "Content-Type" not in again.headers
    assert again.headers["ETag"] == etag
    # The other variant's ETag, a stale one, a list holding the right one, and "*".
    other = f'"{items["big"].etag}{"" if zipped else "-gz"}"'
    assert client.get("/big", headers={**headers, "If-None-Match": other}).status_code == 200
    assert client.get("/big", headers={**headers, "If-None-Match": '"stale"'}).status_code == 200
    assert client.get("/big", headers={**headers, "If-None-Match": f'"stale", {etag}'}).status_code == 304
    assert client.get("/big", headers={**headers, "If-None-Match": "*"}).status_code == 304


def test_small_bodies_are_not_compressed(served):
    client, items = served
    assert len(SMALL) < MIN_GZIP_BYTES and items["small"].gzipped is None
    response = client.get("/small", headers={"Accept-Encoding": "gzip"})
    assert response.data == SMALL and "Content-Encoding" not in response.headers and "Vary" not in response.headers


def test_a_given_compressed_copy_and_etag_are_kept():
    item = prepare(BIG, "application/geo+json", "public, max-age=3600", gzipped=b"given", etag="abc")
    assert item.gzipped == b"given" and item.etag == "abc"
    assert ("ETag", '"abc-gz"') in item.gzip_headers and ("ETag", '"abc"') in item.headers
    assert prepare(BIG, "text/css", "public", compress=False).gzipped is None


def test_static_files_are_cached_a_year_only_with_their_version(client):
    from participatory.vendor import STATIC, version_of

    version = version_of(STATIC, "css/app.css")
    versioned = client.get(f"/static/css/app.css?v={version}", headers={"Accept-Encoding": "gzip"})
    assert versioned.status_code == 200 and versioned.headers["Content-Encoding"] == "gzip"
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Content-Security-Policy" in versioned.headers  # the security headers on every response
    bare = client.get("/static/css/app.css")
    assert bare.headers["Cache-Control"] == "public, max-age=3600" and "Content-Encoding" not in bare.headers
    again = client.get("/static/css/app.css", headers={"If-None-Match": bare.headers["ETag"]})
    assert again.status_code == 304
