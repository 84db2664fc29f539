"""Whole-page cache for the busiest public pages, for visitors without a session.

The national map (`/`, 600 KB of HTML listing the 577 constituencies) and a call's
results page are the same for every visitor without a session cookie: the nav has no
account menu, no flashed message, no CSRF token. For them the rendered page is kept in
memory per process, per URL and language, for PAGE_CACHE_SECONDS (30 by default; 0
turns it off), with a gzipped copy and an ETag: a hit costs about what `/healthz` costs.

What a cached page can show late, by at most PAGE_CACHE_SECONDS: the audit head hash
printed on a results page (it was the head at the time of rendering), implementation
updates, and a call that has just closed (its "results pending" page). Published results
themselves never change. Anyone signed in, or with any session, always gets a fresh page.
The security headers are added to every response, cached or not, by app_factory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import Flask, current_app, request

from participatory import prepared
from participatory.i18n import select_locale

# endpoint -> cached; the views stay unaware of it (see register_page_cache).
CACHED_ENDPOINTS = ("constituencies.home", "calls.results")
MAX_ENTRIES = 2_000  # results pages of 577 calls in two languages, with room to spare


@dataclass(frozen=True)
class CachedPage:
    ready: prepared.Prepared  # the body, its gzipped copy and their headers
    stored_at: float

    @property
    def body(self) -> bytes:
        return self.ready.body


class PageCache:
    """A small LRU of rendered pages with a time-to-live; thread-safe (gunicorn gthread workers)."""

    def __init__(
        self, seconds: float, max_entries: int = MAX_ENTRIES, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._monotonic = monotonic  # an elapsed-time clock, not the date: participatory.clock is not it
        self._pages: OrderedDict[tuple, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if self._monotonic() - page.stored_at >= self.seconds:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, body: bytes, mimetype: str) -> CachedPage:
        ready = prepared.prepare(body, mimetype, f"public, max-age={int(self.seconds)}", vary="Accept-Encoding, Cookie")
        page = CachedPage(ready, self._monotonic())
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)
        return page

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def _cacheable_request() -> bool:
    # A query string is one visitor's choice (a hypothetical ballot on a results page): not shared,
    # and not a way to fill the cache with variants.
    if request.method != "GET" or request.query_string:
        return False
    cookies = request.cookies
    return (
        current_app.config["SESSION_COOKIE_NAME"] not in cookies
        and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in cookies
    )


def cached_page(view, cache: PageCache):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable_request():
            return view(*args, **kwargs)
        # The language the page will be rendered in (flask_babel's get_locale() asks the same selector).
        key = (request.endpoint, request.full_path, select_locale())
        page = cache.get(key)
        if page is None:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code != 200 or "Set-Cookie" in response.headers or response.direct_passthrough:
                return response
            page = cache.put(key, response.get_data(), response.mimetype)
        return prepared.send(page.ready)

    return wrapper


def register_page_cache(app: Flask) -> PageCache | None:
    """Wrap CACHED_ENDPOINTS' views; off when PAGE_CACHE_SECONDS is 0, and in tests unless they ask for it."""
    seconds = float(app.config["PAGE_CACHE_SECONDS"])
    if seconds <= 0 or (app.testing and not app.config.get("PAGE_CACHE_IN_TESTS")):
        return None
    cache = PageCache(seconds)
    for endpoint in CACHED_ENDPOINTS:
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = cached_page(app.view_functions[endpoint], cache)
    app.extensions["page_cache"] = cache
    return cache
