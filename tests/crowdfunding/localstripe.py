"""localstripe for the tests: a subprocess on loopback and a free port, and signed webhook payloads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import stripe

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "whsec_test_localstripe"
SECRET_KEY = "sk_test_localstripe"
PUBLISHABLE_KEY = "pk_test_localstripe"
EVENTS = ["payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled", "charge.refunded"]


class LocalStripe:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop()): a file, not a pipe: a chatty server never blocks on it

    def start(self) -> LocalStripe:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.crowdfunding.localstripe_launcher", str(self.port)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"localstripe exited: {self.log.read().decode()[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/js.stripe.com/v3/", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("localstripe did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()

    def register_webhook(self, url: str, secret: str = WEBHOOK_SECRET) -> None:
        body = json.dumps({"url": url, "secret": secret, "events": EVENTS}).encode()
        request = urllib.request.Request(
            f"{self.url}/_config/webhooks/app", data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request, timeout=5).read()

    def flush(self) -> None:
        """Forget every object (localstripe ignores Stripe-Account: all accounts share one store)."""
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/_config/data", method="DELETE"), timeout=5).read()

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(SECRET_KEY, base_addresses={"api": self.url}, max_network_retries=0)

    def config(self) -> dict:
        return {
            "STRIPE_API_KEY": SECRET_KEY,
            "STRIPE_API_BASE": self.url,
            "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_JS_URL": f"{self.url}/js.stripe.com/v3/",
        }


def signed(event: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> tuple[bytes, dict]:
    """A payload and its Stripe-Signature header, signed like Stripe (HMAC-SHA256 of "t.payload")."""
    payload = json.dumps(event)
    ts = int(time.time()) if timestamp is None else timestamp
    signature = stripe.WebhookSignature._compute_signature(f"{ts}.{payload}", secret)
    return payload.encode(), {"Stripe-Signature": f"t={ts},v1={signature}", "Content-Type": "application/json"}


def intent_event(event_id: str, kind: str, intent_id: str, amount: int, currency: str = "eur", **extra) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "livemode": False,
        "data": {
            "object": {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "currency": currency,
                "status": kind.split(".")[-1],
                "metadata": {},
            }
        },
        **extra,
    }


def refund_event(event_id: str, intent_id: str, amount: int, refunded: bool = True) -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": "ch_test",
                "object": "charge",
                "payment_intent": intent_id,
                "amount": amount,
                "amount_refunded": amount if refunded else amount // 2,
                "refunded": refunded,
                "currency": "eur",
            }
        },
    }
