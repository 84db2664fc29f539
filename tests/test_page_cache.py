"""The whole-page cache of the map and results pages (participatory/page_cache.py) and /healthz."""

from __future__ import annotations

import gzip

import pytest

from participatory import create_app
from participatory.page_cache import PageCache


@pytest.fixture
def cached_app(app, database_url):
    """A second app on the same (migrated) database, with the page cache on as in production."""
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PAGE_CACHE_SECONDS": 30,
            "PAGE_CACHE_IN_TESTS": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": "localhost",
        }
    )
    yield application
    with application.app_context():
        from participatory.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_cache_is_off_in_tests_unless_asked(app):
    assert "page_cache" not in app.extensions


def test_anonymous_map_is_rendered_once_then_served_from_memory(cached_app):
    client = cached_app.test_client()
    first = client.get("/")
    second = client.get("/")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    assert "Content-Security-Policy" in second.headers  # security headers on cached responses too
    assert second.headers["Cache-Control"] == "public, max-age=30"
    assert client.get("/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_gzip_copy_is_the_same_page(cached_app):
    client = cached_app.test_client()
    plain = client.get("/")
    zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert "Accept-Encoding" in zipped.headers["Vary"]


def test_languages_are_cached_apart(cached_app):
    client = cached_app.test_client()
    french = client.get("/").data
    client.set_cookie("lang", "en")
    english = client.get("/").data
    assert french != english and b'lang="en"' in english


def test_a_visitor_with_a_session_always_gets_a_fresh_page(cached_app):
    from participatory.page_cache import cached_page

    renders = []
    cache = cached_app.extensions["page_cache"]
    inner = cached_app.view_functions["constituencies.home"].__wrapped__

    def counting():
        renders.append(1)
        return inner()

    cached_app.view_functions["constituencies.home"] = cached_page(counting, cache)
    cache.clear()
    anonymous = cached_app.test_client()
    anonymous.get("/")
    anonymous.get("/")
    assert len(renders) == 1
    with_session = cached_app.test_client()
    with_session.set_cookie(cached_app.config["SESSION_COOKIE_NAME"], "anything")
    with_session.get("/")
    with_session.get("/")
    assert len(renders) == 3
    assert "public" not in with_session.get("/").headers.get("Cache-Control", "")


def test_entries_expire_and_the_oldest_go_first():
    elapsed = [100.0]  # a hand-driven elapsed-time clock: the test does not depend on the machine's speed
    cache = PageCache(seconds=30, max_entries=2, monotonic=lambda: elapsed[0])
    cache.put(("a",), b"A", "text/html")
    elapsed[0] += 29.9
    assert cache.get(("a",)).body == b"A"
    elapsed[0] += 0.1
    assert cache.get(("a",)) is None
    for key in ("x", "y", "z"):
        cache.put((key,), key.encode(), "text/html")
    assert cache.get(("x",)) is None and cache.get(("z",)).body == b"z"


def test_healthz_is_trivial_and_never_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.data == b"ok\n"
    assert "no-store" in response.headers["Cache-Control"]
