"""A small fake of the Stripe Connect endpoints the platform uses (localstripe has no Connect).

A real HTTP server on loopback and a free port, in a daemon thread, spoken to by the `stripe`
library exactly as Stripe is (api_base):
  POST /v1/accounts              a Standard account, as Stripe creates it: nothing submitted yet
  GET  /v1/accounts/<id>         one of this platform's accounts (others: 403, as Stripe answers)
  GET  /v1/account               the account named by the Stripe-Account header
  POST /v1/account_links         account_onboarding / account_update links, valid once
  GET  /setup/<token>            Stripe's hosted onboarding: submitting the details, then back to
                                 return_url (an expired or used link goes to refresh_url)
Every request needs the platform's secret key; a Stripe-Account header naming an account that is
not this platform's is refused (403), as Stripe does. Idempotency keys replay account creation.

Test-only controls (no Stripe equivalent):
  POST /_test/webhook                 {"url", "secret"}: where signed `account.updated` events go
  POST /_test/accounts/<id>/state     {"state": submitted|enabled|needs_info|disabled|payouts_paused,
                                       "deliver": true}: move the account and emit its event; the
                                       event is answered, so a test may deliver it later (out of order)
Events are signed with the `stripe` library's own scheme (HMAC-SHA256 of "t.payload").
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import stripe

SECRET_KEY = "sk_test_fakeconnect"
CONNECT_WEBHOOK_SECRET = "whsec_test_fakeconnect"
DUE = ["business_profile.url", "external_account", "representative.first_name", "tos_acceptance.date"]


def signed_headers(payload: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    signature = stripe.WebhookSignature._compute_signature(f"{ts}.{payload}", secret)
    return {"Stripe-Signature": f"t={ts},{stripe.WebhookSignature.EXPECTED_SCHEME}={signature}"}


def _form(body: bytes) -> dict[str, str]:
    """Stripe's form encoding, flattened: metadata[candidacy]=1 stays under "metadata[candidacy]"."""
    return {key: values[-1] for key, values in parse_qs(body.decode(), keep_blank_values=True).items()}


class _State:
    def __init__(self, url: str) -> None:
        self.url = url
        self.lock = threading.Lock()
        self.accounts: dict[str, dict] = {}
        self.links: dict[str, dict] = {}
        self.idempotent: dict[str, str] = {}
        self.webhook: tuple[str, str] | None = None
        self.delivered: list[dict] = []
        self.serial = itertools.count(1)
        self.last_created = 0
        self.update_links = True  # False: refuse account_update links, as Stripe may for Standard accounts

    def created(self) -> int:
        # Strictly increasing, so that two events of one second still have an order.
        self.last_created = max(int(time.time()), self.last_created + 1)
        return self.last_created

    def new_account(self, params: dict[str, str]) -> dict:
        account_id = f"acct_fake{next(self.serial):04d}{secrets.token_hex(4)}"
        account = {
            "id": account_id,
            "object": "account",
            "type": params.get("type"),
            "country": params.get("country"),
            "email": params.get("email"),
            "metadata": {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")},
            "created": self.created(),
            "details_submitted": False,
            "charges_enabled": False,
            "payouts_enabled": False,
            "capabilities": {"card_payments": "inactive", "transfers": "inactive"},
            "requirements": {
                "currently_due": list(DUE),
                "past_due": list(DUE),
                "eventually_due": list(DUE),
                "disabled_reason": "requirements.past_due",
            },
        }
        self.accounts[account_id] = account
        return account

    def move(self, account: dict, state: str) -> None:
        requirements = account["requirements"]
        if state == "submitted":  # the hosted onboarding was filled in: Stripe verifies
            account["details_submitted"] = True
            account["capabilities"]["card_payments"] = "pending"
            requirements.update(currently_due=[], past_due=[], disabled_reason="requirements.pending_verification")
        elif state == "enabled":
            account.update(details_submitted=True, charges_enabled=True, payouts_enabled=True)
            account["capabilities"].update(card_payments="active", transfers="active")
            requirements.update(currently_due=[], past_due=[], disabled_reason=None)
        elif state == "needs_info":  # Stripe asks for more; past due, it disables charges
            account.update(charges_enabled=False, payouts_enabled=False)
            account["capabilities"]["card_payments"] = "inactive"
            requirements.update(
                currently_due=["individual.verification.document"],
                past_due=["individual.verification.document"],
                disabled_reason="requirements.past_due",
            )
        elif state == "disabled":
            account.update(charges_enabled=False, payouts_enabled=False)
            account["capabilities"].update(card_payments="inactive", transfers="inactive")
            requirements.update(currently_due=[], past_due=[], disabled_reason="rejected.other")
        elif state == "payouts_paused":
            account["payouts_enabled"] = False
        else:
            raise ValueError(state)

    def event(self, account: dict) -> dict:
        return {
            "id": f"evt_fake{next(self.serial):06d}",
            "object": "event",
            "type": "account.updated",
            "account": account["id"],
            "api_version": "2024-06-20",
            "created": self.created(),
            "livemode": False,
            "data": {"object": json.loads(json.dumps(account))},
        }

    def deliver(self, event: dict) -> int | None:
        if self.webhook is None:
            return None
        url, secret = self.webhook
        payload = json.dumps(event)
        request = urllib.request.Request(
            url,
            data=payload.encode(),
            method="POST",
            headers={"Content-Type": "application/json", **signed_headers(payload, secret)},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        self.delivered.append({"event": event["id"], "status": status})
        return status


def _error(status: int, kind: str, message: str, code: str | None = None) -> tuple[int, dict]:
    return status, {"error": {"type": kind, "message": message, **({"code": code} if code else {})}}


class _Handler(BaseHTTPRequestHandler):
    state: _State  # set on the subclass made per server

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: dict | None = None, location: str | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
            self._send(*_error(401, "invalid_request_error", "Invalid API Key provided."))
            return False
        on_behalf = self.headers.get("Stripe-Account")
        if on_behalf is not None and on_behalf not in self.state.accounts:
            self._send(
                *_error(
                    403,
                    "invalid_request_error",
                    f"The provided key does not have access to account '{on_behalf}' (or that account does not "
                    "exist). Application access may have been revoked.",
                    "account_invalid",
                )
            )
            return False
        return True

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = urlsplit(self.path).path
        state = self.state
        if path.startswith("/setup/"):
            return self._hosted_onboarding(path.removeprefix("/setup/"))
        if not self._authorized():
            return None
        with state.lock:
            if path == "/v1/account":
                account = state.accounts.get(self.headers.get("Stripe-Account") or "")
                if account is None:
                    return self._send(*_error(400, "invalid_request_error", "Stripe-Account header required."))
                return self._send(200, account)
            if path.startswith("/v1/accounts/"):
                account = state.accounts.get(path.removeprefix("/v1/accounts/"))
                if account is None:
                    return self._send(
                        *_error(
                            403,
                            "invalid_request_error",
                            "The provided key does not have access to this account (or it does not exist).",
                            "account_invalid",
                        )
                    )
                return self._send(200, account)
        return self._send(*_error(404, "invalid_request_error", f"Unrecognized request URL (GET: {path})."))

    def do_POST(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path.startswith("/_test/"):
            return self._control(path, json.loads(body or b"{}"))
        if not self._authorized():
            return None
        params = _form(body)
        state = self.state
        with state.lock:
            if path == "/v1/accounts":
                key = self.headers.get("Idempotency-Key")
                if key and key in state.idempotent:
                    return self._send(200, state.accounts[state.idempotent[key]])
                if params.get("type") != "standard" or params.get("country") != "FR" or not params.get("email"):
                    return self._send(*_error(400, "invalid_request_error", "type=standard, country=FR, email"))
                account = state.new_account(params)
                if key:
                    state.idempotent[key] = account["id"]
                return self._send(200, account)
            if path == "/v1/account_links":
                account = state.accounts.get(params.get("account", ""))
                kind = params.get("type")
                if account is None:
                    return self._send(*_error(400, "invalid_request_error", "No such account.", "resource_missing"))
                if kind not in ("account_onboarding", "account_update") or not all(
                    params.get(k, "").startswith(("http://", "https://")) for k in ("return_url", "refresh_url")
                ):
                    return self._send(*_error(400, "invalid_request_error", "type, return_url and refresh_url"))
                if kind == "account_update" and not state.update_links:
                    return self._send(
                        *_error(400, "invalid_request_error", "account_update is not available for this account.")
                    )
                token = secrets.token_urlsafe(16)
                created = int(time.time())
                state.links[token] = {
                    "account": account["id"],
                    "type": kind,
                    "return_url": params["return_url"],
                    "refresh_url": params["refresh_url"],
                    "expires_at": created + 300,
                    "used": False,
                }
                return self._send(
                    200,
                    {
                        "object": "account_link",
                        "created": created,
                        "expires_at": created + 300,
                        "url": f"{state.url}/setup/{token}",
                    },
                )
        return self._send(*_error(404, "invalid_request_error", f"Unrecognized request URL (POST: {path})."))

    def _hosted_onboarding(self, token: str) -> None:
        """What Stripe's hosted pages end with: the details submitted, then the browser sent back."""
        state = self.state
        with state.lock:
            link = state.links.get(token)
            if link is None or link["used"] or link["expires_at"] < time.time():
                target = link["refresh_url"] if link else None
                if target is None:
                    return self._send(*_error(404, "invalid_request_error", "This link is invalid."))
                return self._send(302, None, target)
            link["used"] = True
            account = state.accounts[link["account"]]
            if not account["charges_enabled"]:
                state.move(account, "submitted")
            event = state.event(account)
        state.deliver(event)  # outside the lock: our endpoint may call the fake back
        return self._send(302, None, link["return_url"])

    def _control(self, path: str, body: dict) -> None:
        state = self.state
        if path == "/_test/webhook":
            state.webhook = (body["url"], body["secret"])
            return self._send(200, {"ok": True})
        if path.startswith("/_test/accounts/") and path.endswith("/state"):
            account_id = path.removeprefix("/_test/accounts/").removesuffix("/state")
            with state.lock:
                account = state.accounts.get(account_id)
                if account is None:
                    return self._send(404, {"error": "unknown account"})
                state.move(account, body["state"])
                event = state.event(account)
            status = state.deliver(event) if body.get("deliver", True) else None
            return self._send(200, {"event": event, "delivered": status})
        return self._send(404, {"error": "unknown control"})


class FakeConnect:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.state = _State(self.url)
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-connect", daemon=True)

    def start(self) -> FakeConnect:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def config(self) -> dict:
        return {
            "STRIPE_API_KEY": SECRET_KEY,
            "STRIPE_API_BASE": self.url,
            "STRIPE_CONNECT_WEBHOOK_SECRET": CONNECT_WEBHOOK_SECRET,
            "STRIPE_CONNECT_ONBOARDING_URL": f"{self.url}/setup/",
        }

    def _post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=15) as response:
            return json.loads(response.read())

    def register_webhook(self, url: str, secret: str = CONNECT_WEBHOOK_SECRET) -> None:
        self._post("/_test/webhook", {"url": url, "secret": secret})

    def move(self, account_id: str, state: str, *, deliver: bool = True) -> dict:
        """Move the account (as Stripe would) and deliver its signed `account.updated`; the event."""
        return self._post(f"/_test/accounts/{account_id}/state", {"state": state, "deliver": deliver})["event"]

    def account(self, account_id: str) -> dict:
        return self.state.accounts[account_id]
