"""The campaign's Stripe connected account: created by the platform, onboarded through Account Links,
its status kept from what Stripe says (retrieval or `account.updated`), never from a form.

Donations open only when rules.account_state is ready (card payments active, payouts enabled) and
close again when Stripe disables them. Events may come out of order: each carries Stripe's `created`
time, and one older than the state stored changes nothing. Events for accounts that are not ours
(another platform's, on a shared test endpoint) are acknowledged and ignored, writing nothing.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from participatory.accounts.models import User
from participatory.audit.services import actor_of, record
from participatory.crowdfunding import rules
from participatory.crowdfunding.errors import CrowdfundingError, PaymentUnavailable, raise_if
from participatory.crowdfunding.gateway import (
    ConnectedAccount,
    GatewayError,
    InvalidRequest,
    MalformedEvent,
    StripeGateway,
    parse_account,
)
from participatory.crowdfunding.models import Candidacy, ConnectAccount, StripeEvent
from participatory.crowdfunding.services.campaigns import ACCOUNT_ID

log = logging.getLogger(__name__)

# A retrieval stands for Stripe's state a little before our clock says: an event Stripe created just
# after it, read on a clock a few seconds behind ours, must still apply (servers keep NTP time).
CLOCK_SKEW_SECONDS = 10

ACCOUNT_UPDATED = "account.updated"
DEAUTHORIZED_EVENT = "account.application.deauthorized"
HANDLED = (ACCOUNT_UPDATED, DEAUTHORIZED_EVENT)


def state_of(candidacy: Candidacy) -> str:
    """Where the campaign's payment account stands (rules.ACCOUNT_STATES)."""
    if not candidacy.stripe_account_id:
        return rules.ACCOUNT_NONE
    row = candidacy.connect_account
    if row is None or row.account_id != candidacy.stripe_account_id:
        return rules.ACCOUNT_UNVERIFIED
    return row.state


def donor_refusal(candidacy: Candidacy) -> str | None:
    """The error code telling a donor why the account cannot take their donation (None: it can)."""
    return rules.DONOR_REASONS[state_of(candidacy)]


def _retrieved_as_of(now: datetime) -> int:
    return int(now.timestamp()) - CLOCK_SKEW_SECONDS


def _flags(row: ConnectAccount) -> rules.AccountFlags:
    return rules.AccountFlags(
        charges_enabled=row.charges_enabled,
        payouts_enabled=row.payouts_enabled,
        card_payments=row.card_payments,
        details_submitted=row.details_submitted,
        requirements_due=row.requirements_due,
        disabled_reason=row.disabled_reason,
    )


def _store(session: Session, now: datetime, row: ConnectAccount, flags: rules.AccountFlags, *, source: str) -> bool:
    """Write Stripe's flags; audit the change (True) when anything Stripe says changed."""
    before, before_state = _flags(row), row.state
    for name, value in asdict(flags).items():
        setattr(row, name, value)
    row.state = rules.account_state(flags)
    row.updated_at = now
    session.flush()
    if flags == before and row.state == before_state:
        return False
    record(
        session,
        now=now,
        actor="system",
        action="connect.status_changed",
        object_type="candidacy",
        object_id=row.candidacy_id,
        details={
            "account": row.account_id,
            "source": source,
            "from": before_state,
            "to": row.state,
            "charges_enabled": flags.charges_enabled,
            "payouts_enabled": flags.payouts_enabled,
            "card_payments": flags.card_payments,
            "details_submitted": flags.details_submitted,
            "requirements_due": flags.requirements_due,
            "disabled_reason": flags.disabled_reason,
        },
    )
    log.info("connect account %s: %s -> %s (%s)", row.account_id, before_state, row.state, source)
    return True


def _lock(session: Session, candidacy: Candidacy) -> None:
    # Two clicks (or a click and the admin) must not create two accounts for one campaign.
    session.execute(select(Candidacy.id).where(Candidacy.id == candidacy.id).with_for_update())
    session.refresh(candidacy)


def _new_row(candidacy: Candidacy, account: ConnectedAccount, origin: str, now: datetime) -> ConnectAccount:
    return ConnectAccount(
        candidacy_id=candidacy.id,
        account_id=account.id,
        origin=origin,
        state=rules.ACCOUNT_UNVERIFIED,
        charges_enabled=False,
        payouts_enabled=False,
        details_submitted=False,
        requirements_due=False,
        stripe_as_of=0,
        created_at=now,
        updated_at=now,
    )


def create_account(
    session: Session, agent: User, now: datetime, gateway: StripeGateway | None, candidacy: Candidacy
) -> ConnectAccount:
    """The campaign's Standard account, created once (an existing one is returned as it is)."""
    if gateway is None:
        raise PaymentUnavailable("payment_unavailable")
    raise_if("not_approved" if candidacy.status != rules.APPROVED else None)
    _lock(session, candidacy)
    row = candidacy.connect_account
    if row is not None and row.account_id == candidacy.stripe_account_id:
        return row
    if candidacy.stripe_account_id:  # linked by hand before its status was kept: read it, never replace it
        refresh(session, now, gateway, candidacy)
        return candidacy.connect_account
    try:
        # One key per campaign (its id and creation time: ids can come back after a rollback): a retry after
        # a failure here gets the same account back from Stripe instead of a second one.
        stamp = int(candidacy.created_at.timestamp() * 1_000_000)
        account = gateway.create_account(
            email=agent.email, candidacy_id=candidacy.id, idempotency_key=f"connect-account-{candidacy.id}-{stamp}"
        )
    except GatewayError as error:
        log.warning("connect account creation failed for candidacy %s: %s", candidacy.id, error)
        raise PaymentUnavailable("payment_unavailable") from error
    row = _new_row(candidacy, account, "created", now)
    session.add(row)
    candidacy.stripe_account_id = account.id
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(agent),
        action="connect.account_created",
        object_type="candidacy",
        object_id=candidacy.id,
        details={"account": account.id, "type": "standard", "country": "FR"},
    )
    _store(session, now, row, account.flags, source="created")
    row.stripe_as_of = _retrieved_as_of(now)
    return row


def issue_link(
    session: Session,
    agent: User,
    now: datetime,
    gateway: StripeGateway | None,
    candidacy: Candidacy,
    *,
    return_url: str,
    refresh_url: str,
) -> str:
    """An Account Link (onboarding, or update when Stripe asks for more); its URL is never stored or logged."""
    if gateway is None:
        raise PaymentUnavailable("payment_unavailable")
    row = candidacy.connect_account
    raise_if("no_payment_account" if row is None else None)
    kind = rules.account_link_type(row.state, row.requirements_due)
    raise_if("account_no_link" if kind is None else None)
    try:
        try:
            link = gateway.create_account_link(
                account=row.account_id, kind=kind, return_url=return_url, refresh_url=refresh_url
            )
        except InvalidRequest:
            if kind != "account_update":
                raise
            # Stripe offers update links only where the platform collects the requirements; for a Standard
            # account an onboarding link asks for whatever is due.
            kind = "account_onboarding"
            link = gateway.create_account_link(
                account=row.account_id, kind=kind, return_url=return_url, refresh_url=refresh_url
            )
    except GatewayError as error:
        log.warning("account link failed for candidacy %s: %s", candidacy.id, error)
        raise PaymentUnavailable("payment_unavailable") from error
    record(
        session,
        now=now,
        actor=actor_of(agent),
        action="connect.link_issued",
        object_type="candidacy",
        object_id=candidacy.id,
        details={"account": row.account_id, "type": kind, "expires_at": link.expires_at},
    )
    return link.url


def refresh(session: Session, now: datetime, gateway: StripeGateway | None, candidacy: Candidacy) -> str:
    """Re-read the account from Stripe (return from onboarding, admin, CLI) and store it; its new state."""
    if gateway is None:
        raise PaymentUnavailable("payment_unavailable")
    if not candidacy.stripe_account_id:
        raise CrowdfundingError("no_payment_account")
    try:
        account = gateway.retrieve_account(candidacy.stripe_account_id)
    except (GatewayError, MalformedEvent) as error:
        log.warning("account retrieval failed for candidacy %s: %s", candidacy.id, error)
        raise PaymentUnavailable("payment_unavailable") from error
    row = candidacy.connect_account
    if row is None or row.account_id != account.id:
        if row is not None:
            session.delete(row)
            session.flush()
        row = _new_row(candidacy, account, "admin", now)  # linked before Stripe's status was kept
        session.add(row)
        session.flush()
    _store(session, now, row, account.flags, source="retrieved")
    # A retrieval is the present state: events created before it are stale.
    row.stripe_as_of = max(row.stripe_as_of, _retrieved_as_of(now))
    session.flush()
    return row.state


def link_existing(
    session: Session, admin: User, now: datetime, gateway: StripeGateway | None, candidacy: Candidacy, account_id: str
) -> str:
    """Admin override: an account already connected to the platform, whose status is read from Stripe."""
    account_id = account_id.strip()
    raise_if("bad_account_id" if not ACCOUNT_ID.match(account_id) else None)
    if gateway is None:
        raise PaymentUnavailable("payment_unavailable")
    other = session.scalar(
        select(Candidacy.id).where(Candidacy.stripe_account_id == account_id, Candidacy.id != candidacy.id)
    )
    raise_if("account_in_use" if other is not None else None)
    try:
        account = gateway.retrieve_account(account_id)
    except (GatewayError, MalformedEvent) as error:
        raise CrowdfundingError("account_unreachable") from error
    raise_if("account_unreachable" if account.id != account_id else None)
    _lock(session, candidacy)
    row = candidacy.connect_account
    if row is not None:
        session.delete(row)
        session.flush()
    row = _new_row(candidacy, account, "admin", now)
    session.add(row)
    candidacy.stripe_account_id = account.id
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(admin),
        action="connect.account_linked",
        object_type="candidacy",
        object_id=candidacy.id,
        details={"account": account.id, "origin": "admin"},
    )
    _store(session, now, row, account.flags, source="retrieved")
    row.stripe_as_of = _retrieved_as_of(now)
    session.flush()
    return row.state


def _deauthorized(account_id: object) -> ConnectedAccount:
    """A Standard account that disconnected from the platform: nothing can be charged on it any more."""
    if not isinstance(account_id, str) or not account_id.startswith("acct_") or len(account_id) > 64:
        raise MalformedEvent("account missing or malformed")
    flags = rules.AccountFlags(False, False, None, True, False, rules.DEAUTHORIZED)
    return ConnectedAccount(account_id, flags)


def handle_account_event(session: Session, now: datetime, event: dict) -> str:
    """Apply one verified `account.updated` (or the account's disconnection from the platform); the outcome.
    Raises MalformedEvent (a 400, nothing written)."""
    account_field = event.get("account")
    created = event.get("created")
    if not isinstance(created, int) or isinstance(created, bool) or created < 0:
        raise MalformedEvent("created is not a time")
    if event["type"] == DEAUTHORIZED_EVENT:
        account = _deauthorized(account_field)
    else:
        account = parse_account((event.get("data") or {}).get("object"))
        if account_field is not None and account_field != account.id:
            raise MalformedEvent("account and data.object.id differ")
    rows = session.scalars(
        select(ConnectAccount)
        .where(ConnectAccount.account_id == account.id)
        .order_by(ConnectAccount.id)
        .with_for_update()
    ).all()
    if not rows:
        log.info("connect event %s for an account that is not ours: ignored", event["id"])
        return "not_ours"  # nothing written: not even the event id
    if session.get(StripeEvent, event["id"]) is not None:
        return "duplicate"
    outcomes = set()
    for row in rows:  # one row, except campaigns that shared an account before 0015
        if created < row.stripe_as_of:
            outcomes.add("stale")
            continue
        outcomes.add("updated" if _store(session, now, row, account.flags, source="webhook") else "no_change")
        row.stripe_as_of = created
    outcome = min(outcomes, key=("updated", "no_change", "stale").index)
    session.add(StripeEvent(id=event["id"][:255], type=event["type"][:80], received_at=now, outcome=outcome))
    session.flush()
    log.info("connect event %s (%s): account=%s outcome=%s", event["id"], event["type"], account.id, outcome)
    return outcome
