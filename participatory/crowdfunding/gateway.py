"""The payment gateway: a thin wrapper over the `stripe` library, so services never touch Stripe directly.

Every call runs on the mandataire's connected account (`Stripe-Account` header): a
donation is a direct charge there, never money on the platform's balance. Metadata
carries ids only. The same code talks to Stripe or to localstripe (STRIPE_API_BASE).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import stripe

from participatory.crowdfunding.rules import AccountFlags

CURRENCY = "eur"
# localstripe's Stripe.js stand-in ignores the card typed in its element: its confirmCardPayment
# only completes a PaymentIntent that waits for 3-D Secure. With STRIPE_LOCALSTRIPE the intent is
# created already confirmed with this 3-D Secure test card, so the browser flow runs offline.
LOCALSTRIPE_3DS_CARD = {"number": "4000002500003155", "exp_month": 12, "exp_year": 2030, "cvc": "123"}


class GatewayError(Exception):
    """The payment provider refused or failed; the message is safe to show (no personal data)."""


class CardDeclined(GatewayError):
    pass


class InvalidRequest(GatewayError):
    """Stripe refused the request's parameters (not a network or server failure)."""


class InvalidSignature(Exception):
    """A webhook whose signature is missing, wrong or too old."""


class MalformedEvent(Exception):
    """A correctly signed webhook whose content is not a Stripe event we can store (a 400, never a 500)."""


def event_problem(event: object) -> str | None:
    """Why a signed event cannot be applied: the shape `handle_event` reads, and text a database can store."""
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        return "not a Stripe event"
    if not event["id"] or len(event["id"]) > 255 or len(event["type"]) > 80:
        return "id or type of a wrong length"
    data = event.get("data")
    if data is not None and not isinstance(data, dict):
        return "data is not an object"
    obj = (data or {}).get("object")
    if obj is not None and not isinstance(obj, dict):
        return "data.object is not an object"
    if event.get("account") is not None and not isinstance(event["account"], str):
        return "account is not a string"
    try:
        json.dumps(event, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "text with a lone surrogate (not valid Unicode)"
    except (ValueError, RecursionError):
        return "nested too deeply"
    return None


@dataclass(frozen=True)
class Intent:
    id: str
    client_secret: str | None
    status: str
    amount: int
    currency: str
    metadata: dict = field(default_factory=dict)


def _intent(obj) -> Intent:
    data = obj.to_dict() if hasattr(obj, "to_dict") else obj
    return Intent(
        data["id"],
        data.get("client_secret"),
        data["status"],
        int(data["amount"]),
        data["currency"],
        dict(data.get("metadata") or {}),
    )


@dataclass(frozen=True)
class ConnectedAccount:
    id: str
    flags: AccountFlags


@dataclass(frozen=True)
class AccountLink:
    url: str
    expires_at: int | None


def _bool(value: object) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise MalformedEvent("an account flag is not a boolean")
    return value


def parse_account(obj: object) -> ConnectedAccount:
    """The fields kept of a Stripe Account object (from the API or an `account.updated` event)."""
    if not isinstance(obj, dict) or obj.get("object", "account") != "account":
        raise MalformedEvent("not an account")
    account_id = obj.get("id")
    if not isinstance(account_id, str) or not account_id.startswith("acct_") or len(account_id) > 64:
        raise MalformedEvent("account id missing or malformed")
    capabilities = obj.get("capabilities") or {}
    requirements = obj.get("requirements") or {}
    if not isinstance(capabilities, dict) or not isinstance(requirements, dict):
        raise MalformedEvent("capabilities or requirements is not an object")
    card = capabilities.get("card_payments")
    reason = requirements.get("disabled_reason")
    due = [requirements.get("currently_due") or [], requirements.get("past_due") or []]
    if (card is not None and not isinstance(card, str)) or (reason is not None and not isinstance(reason, str)):
        raise MalformedEvent("card_payments or disabled_reason is not text")
    if not all(isinstance(items, list) for items in due):
        raise MalformedEvent("requirements are not lists")
    return ConnectedAccount(
        account_id,
        AccountFlags(
            charges_enabled=_bool(obj.get("charges_enabled")),
            payouts_enabled=_bool(obj.get("payouts_enabled")),
            card_payments=card[:20] if card else None,
            details_submitted=_bool(obj.get("details_submitted")),
            requirements_due=any(due),
            disabled_reason=reason[:80] if reason else None,
        ),
    )


def _data(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


class StripeGateway:
    def __init__(self, api_key: str, api_base: str = "", localstripe: bool = False):
        if not api_key:
            raise GatewayError("payments are not configured (STRIPE_API_KEY)")
        bases = {"api": api_base.rstrip("/")} if api_base else None
        self.client = stripe.StripeClient(
            api_key,
            base_addresses=bases,  # type: ignore[arg-type]  # stripe's BaseAddresses TypedDict is private
            max_network_retries=2,
        )
        self.localstripe = localstripe

    @classmethod
    def from_config(cls, config) -> StripeGateway:
        return cls(
            config.get("STRIPE_API_KEY", ""), config.get("STRIPE_API_BASE", ""), bool(config.get("STRIPE_LOCALSTRIPE"))
        )

    def _call(self, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except stripe.CardError as exc:
            raise CardDeclined(exc.user_message or "card declined") from exc
        except stripe.InvalidRequestError as exc:
            raise InvalidRequest(exc.user_message or type(exc).__name__) from exc
        except stripe.StripeError as exc:
            raise GatewayError(exc.user_message or type(exc).__name__) from exc

    def create_intent(
        self,
        *,
        account: str,
        amount_cents: int,
        idempotency_key: str,
        metadata: dict[str, str],
        payment_method: str | None = None,
    ) -> Intent:
        """A PaymentIntent on the connected account; the browser confirms it with Stripe.js."""
        params: dict = {
            "amount": amount_cents,
            "currency": CURRENCY,
            "payment_method_types": ["card"],
            "metadata": metadata,
        }
        if payment_method:
            params["payment_method"] = payment_method
        elif self.localstripe:
            pm = self._call(
                self.client.v1.payment_methods.create,
                params={"type": "card", "card": LOCALSTRIPE_3DS_CARD},
                options={"stripe_account": account},
            )
            params.update(payment_method=pm["id"], confirm=True)
        options = {"idempotency_key": idempotency_key, "stripe_account": account}
        return _intent(self._call(self.client.v1.payment_intents.create, params=params, options=options))

    def confirm_intent(self, intent_id: str, *, account: str) -> Intent:
        """Confirm server-side with the payment method given at creation (tests, back-office)."""
        return _intent(
            self._call(self.client.v1.payment_intents.confirm, intent_id, options={"stripe_account": account})
        )

    def retrieve_intent(self, intent_id: str, *, account: str) -> Intent:
        return _intent(
            self._call(self.client.v1.payment_intents.retrieve, intent_id, options={"stripe_account": account})
        )

    def cancel_intent(self, intent_id: str, *, account: str) -> Intent:
        return _intent(
            self._call(self.client.v1.payment_intents.cancel, intent_id, options={"stripe_account": account})
        )

    def refund(self, intent_id: str, *, account: str, idempotency_key: str, metadata: dict[str, str]) -> str:
        refund = self._call(
            self.client.v1.refunds.create,
            params={"payment_intent": intent_id, "metadata": metadata},
            options={"idempotency_key": idempotency_key, "stripe_account": account},
        )
        return refund["id"]

    def list_intents(self, *, account: str) -> list[Intent]:
        page = self._call(
            self.client.v1.payment_intents.list, params={"limit": 100}, options={"stripe_account": account}
        )
        return [_intent(obj) for obj in page.auto_paging_iter()]

    # --- Connect: the campaigns' own (Standard) accounts, on the platform's key -------------------

    def create_account(self, *, email: str, candidacy_id: int, idempotency_key: str) -> ConnectedAccount:
        """A Standard connected account in France; the metadata holds the candidacy id only."""
        params = {
            "type": "standard",
            "country": "FR",
            "email": email,
            "metadata": {"platform": "participatory", "candidacy": str(candidacy_id)},
        }
        account = self._call(
            self.client.v1.accounts.create, params=params, options={"idempotency_key": idempotency_key}
        )
        return parse_account(_data(account))

    def retrieve_account(self, account_id: str) -> ConnectedAccount:
        return parse_account(_data(self._call(self.client.v1.accounts.retrieve, account_id)))

    def create_account_link(self, *, account: str, kind: str, return_url: str, refresh_url: str) -> AccountLink:
        link = _data(
            self._call(
                self.client.v1.account_links.create,
                params={"account": account, "type": kind, "return_url": return_url, "refresh_url": refresh_url},
            )
        )
        expires = link.get("expires_at")
        return AccountLink(link["url"], expires if isinstance(expires, int) else None)


def verify_webhook(payload: bytes, signature_header: str | None, secret: str, tolerance: int = 300) -> dict:
    """The event, once its Stripe-Signature (HMAC-SHA256 over timestamp.payload) checks out and is fresh."""
    if not signature_header or not secret:
        raise InvalidSignature("missing signature or secret")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature_header, secret, tolerance)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidSignature(str(exc)) from exc
    try:
        event = json.loads(text)
    except (ValueError, RecursionError) as exc:  # signed, but not JSON we can read (e.g. nested too deeply)
        raise MalformedEvent("not JSON, or nested too deeply") from exc
    problem = event_problem(event)
    if problem:
        raise MalformedEvent(problem)
    return event
