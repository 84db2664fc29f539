"""A real OpenID Connect provider for the FranceConnect tests, and a browser that crosses to it.

`fc_provider` starts panva's oidc-provider (npm, dev dependency) with tests/franceconnect/provider.mjs
on a free loopback port, once per test session; `franceconnect` points the app at it for one test
(and puts the provider's clock at the tests' frozen time); `FranceConnectBrowser` follows redirects
from the Flask test client to the provider (requests) and back, filling the provider's real login
and consent pages.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from participatory import clock
from tests.servers import free_port as _free_port

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
CLIENT_ID = "platform-test-client"
CLIENT_SECRET = "a-client-secret-for-the-tests-only-0123456789"
APP_BASE = "http://localhost"  # the test app's SERVER_NAME
CALLBACK = APP_BASE + "/compte/franceconnect/retour"
LOGGED_OUT = APP_BASE + "/compte/franceconnect/deconnecte"


@dataclass
class Provider:
    url: str
    process: subprocess.Popen

    def _post(self, path: str, payload: dict) -> None:
        response = requests.post(self.url + path, json=payload, timeout=10)
        assert response.status_code == 204, response.text

    def add_identity(self, sub: str, **claims) -> str:
        self._post("/_test/account", {"id": sub, "claims": claims})
        return sub

    def set_clock(self, moment) -> None:
        self._post("/_test/clock", {"epoch_ms": int(moment.timestamp() * 1000)})

    def tamper(self, mode: str | None) -> None:
        """The man in the middle rewrites the next token (or userinfo) answer: see provider.mjs."""
        self._post("/_test/tamper", {"mode": mode})


@contextmanager
def running_provider(redirect_uris: list[str], post_logout_redirect_uris: list[str]):
    """oidc-provider on a free loopback port, with our client registered for these URIs."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the FranceConnect tests (the local OpenID Connect provider)"
    assert (PROJECT / "node_modules" / "oidc-provider").is_dir(), "run `npm ci` (oidc-provider is a dev dependency)"
    port = _free_port()
    client = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": post_logout_redirect_uris,
    }
    process = subprocess.Popen(
        [node, str(HERE / "provider.mjs"), str(port)],
        cwd=PROJECT,
        env={"PATH": "/usr/bin:/bin", "FC_TEST_CLIENT": json.dumps(client), "NODE_ENV": "test"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/.well-known/openid-configuration", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the OpenID Connect provider did not start: " + (process.stdout.read() if process.stdout else ""))
    try:
        yield Provider(url, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def fc_provider():
    with running_provider([CALLBACK], [LOGGED_OUT]) as provider:
        yield provider


def configure(app, monkeypatch, provider: Provider) -> Provider:
    """Point the app at `provider` for this test (settings restored afterwards), at the tests' frozen time."""
    settings = {
        "FRANCECONNECT_CLIENT_ID": CLIENT_ID,
        "FRANCECONNECT_CLIENT_SECRET": CLIENT_SECRET,
        "FRANCECONNECT_ISSUER": provider.url,
        "FRANCECONNECT_SUBJECT_SECRET": "a subject secret for the tests",
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    provider.set_clock(clock.now())
    provider.tamper(None)
    return provider


@pytest.fixture
def franceconnect(app, fc_provider, monkeypatch):
    """The app configured for the local provider, for this test only."""
    return configure(app, monkeypatch, fc_provider)


class Page:
    """One answer, from the app (Flask test client) or the provider (requests), read alike."""

    def __init__(self, status: int, location: str | None, text: str, url: str) -> None:
        self.status, self.location, self.url = status, location, url
        self.text = html.unescape(text)  # compared with the messages as written

    def __repr__(self) -> str:
        return f"<Page {self.status} {self.url} -> {self.location}>"


class FranceConnectBrowser:
    def __init__(self, client, provider: Provider) -> None:
        self.client = client
        self.provider = provider
        self.http = requests.Session()
        self.callbacks: list[str] = []  # every URL the provider sent back to the app

    # --- moving around ---------------------------------------------------------------------

    def _app(self, method: str, url: str, data: dict | None = None) -> Page:
        parts = urlsplit(url)
        path = parts.path + ("?" + parts.query if parts.query else "")
        response = self.client.open(path, method=method, data=data)
        return Page(response.status_code, response.headers.get("Location"), response.get_data(as_text=True), url)

    def _provider(self, method: str, url: str, data: dict | None = None) -> Page:
        response = self.http.request(method, url, data=data, allow_redirects=False, timeout=10)
        return Page(response.status_code, response.headers.get("Location"), response.text, url)

    def open(self, method: str, url: str, data: dict | None = None) -> Page:
        if url.startswith("/"):
            url = APP_BASE + url
        if url.startswith(self.provider.url):
            return self._provider(method, url, data)
        assert url.startswith(APP_BASE), f"the test never leaves loopback: {url}"
        if url.startswith(CALLBACK) or url.startswith(LOGGED_OUT):
            self.callbacks.append(url)
        return self._app(method, url, data)

    def follow(self, page: Page, stop_at_callback: bool = False) -> Page:
        """Follow redirects across the app and the provider until a page is shown."""
        for _ in range(20):
            if page.status not in (301, 302, 303, 307) or not page.location:
                return page
            target = page.location
            if target.startswith("/") and page.url.startswith(self.provider.url):
                target = self.provider.url + target
            if stop_at_callback and target.startswith(CALLBACK):
                return Page(302, target, "", page.url)
            page = self.open("GET", target)
        raise AssertionError("too many redirects")

    def go(self, method: str, url: str, data: dict | None = None, stop_at_callback: bool = False) -> Page:
        return self.follow(self.open(method, url, data), stop_at_callback)

    # --- the provider's pages --------------------------------------------------------------

    def _interaction(self, page: Page) -> str:
        assert page.url.startswith(self.provider.url + "/interaction/"), page
        return page.url.split("?")[0]

    def login(self, page: Page, sub: str, stop_at_callback: bool = False) -> Page:
        assert "Connexion" in page.text, page.text
        return self.go("POST", self._interaction(page) + "/login", {"login": sub}, stop_at_callback=stop_at_callback)

    def consent(self, page: Page, stop_at_callback: bool = False) -> Page:
        assert "Consentement" in page.text, page.text
        return self.go("POST", self._interaction(page) + "/confirm", stop_at_callback=stop_at_callback)

    def abort(self, page: Page) -> Page:
        return self.go("POST", self._interaction(page) + "/abort")

    def sign_in(self, sub: str, start: str = "/compte/franceconnect/connexion", stop_at_callback: bool = False) -> Page:
        """The whole journey: our button, FranceConnect's login and consent (each only when it asks), back."""
        page = self.go("POST", start, stop_at_callback=stop_at_callback)
        if page.url.startswith(self.provider.url + "/interaction/") and "Connexion" in page.text:
            page = self.login(page, sub, stop_at_callback=stop_at_callback)
        if page.url.startswith(self.provider.url + "/interaction/") and "Consentement" in page.text:
            page = self.consent(page, stop_at_callback=stop_at_callback)
        return page


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
