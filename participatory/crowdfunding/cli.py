"""`flask donations …`: housekeeping jobs of the donation module (run them from cron)."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from participatory import clock, outbox
from participatory.crowdfunding import receipts
from participatory.crowdfunding.errors import CrowdfundingError
from participatory.crowdfunding.gateway import GatewayError, StripeGateway
from participatory.crowdfunding.models import Candidacy
from participatory.crowdfunding.services import connect
from participatory.crowdfunding.services.donations import expire_pending
from participatory.crowdfunding.services.webhooks import apply_waiting
from participatory.extensions import db

group = AppGroup("donations", help="Campaign donations: expire unpaid reservations, resend receipts.")


@group.command("expire-pending")
@click.option(
    "--minutes",
    type=click.IntRange(min=1),
    default=None,
    help="Age after which a pending donation expires (default: DONATION_PENDING_MINUTES).",
)
def expire_pending_command(minutes: int | None) -> None:
    """Cancel the PaymentIntents of donations never paid and mark them expired."""
    ttl = timedelta(minutes=minutes or current_app.config["DONATION_PENDING_MINUTES"])
    try:
        gateway = StripeGateway.from_config(current_app.config)
    except GatewayError:
        gateway = None  # donations with a PaymentIntent are then left pending and reported
    now, cap = clock.now(), current_app.config["DONATION_CAP_CENTS"]
    # A success that came before its donation was committed is a payment, not a lapse.
    late = apply_waiting(db.session, now, cap_cents=cap, pending_ttl=ttl)
    db.session.commit()
    report = expire_pending(db.session, now, gateway, ttl)
    db.session.commit()
    click.echo(
        f"{late} waiting Stripe events applied, {report.expired} expired, "
        f"{report.paid_meanwhile} paid meanwhile (left for the webhook), {report.errors} not reachable at Stripe"
    )
    if report.errors:
        raise SystemExit(1)


@group.command("send-receipts")
def send_receipts_command() -> None:
    """Email the receipt of every succeeded donation whose receipt was not sent yet."""
    sent = failed = 0
    for donation_id in receipts.due_receipts(db.session):
        if receipts.deliver_receipt(db.session, donation_id, clock.now()):
            db.session.commit()
            outbox.dispatch()  # a relay failure leaves it in the outbox, which retries it
            sent += 1
        else:
            db.session.rollback()
            failed += 1
    click.echo(f"{sent} receipts sent, {failed} failed")
    if failed:
        raise SystemExit(1)


@group.command("sync-accounts")
def sync_accounts_command() -> None:
    """Read every campaign's connected account from Stripe (after migration 0015, or a missed webhook)."""
    try:
        gateway = StripeGateway.from_config(current_app.config)
    except GatewayError as error:
        raise click.ClickException(str(error)) from error
    synced = failed = 0
    for candidacy in db.session.scalars(
        select(Candidacy).where(Candidacy.stripe_account_id.is_not(None)).order_by(Candidacy.id)
    ).all():
        try:
            state = connect.refresh(db.session, clock.now(), gateway, candidacy)
        except CrowdfundingError:
            db.session.rollback()
            click.echo(f"candidacy {candidacy.id}: {candidacy.stripe_account_id} not reachable at Stripe", err=True)
            failed += 1
            continue
        db.session.commit()
        click.echo(f"candidacy {candidacy.id}: {state}")
        synced += 1
    click.echo(f"{synced} accounts read from Stripe, {failed} not reachable")
    if failed:
        raise SystemExit(1)
