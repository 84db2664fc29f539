"""`flask calls close-due`: compute the results of every call whose vote has closed;
`flask calls rekey-voters`: recompute the voter keys of open ballots after a secret changed.

Meant to be scheduled by the operator (e.g. every minute from cron or a systemd
timer); the first request to a call's pages after its close date does the same.
Idempotent: a call already closed is skipped, so running it twice changes nothing.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from participatory import clock
from participatory.accounts import voter_keys
from participatory.calls.services.ballots import rekey_open_ballots
from participatory.calls.services.results import close_call, due_call_ids
from participatory.extensions import db

group = AppGroup("calls", help="Participatory calls.")


@group.command("close-due")
def close_due() -> None:
    """Close every call whose voting date has passed and publish its results."""
    now = clock.now()
    ids = due_call_ids(db.session, now)
    for call_id in ids:
        result = close_call(db.session, call_id, now)
        db.session.commit()  # one call at a time: a failure leaves the others closed
        if result is not None:
            click.echo(
                f"call {call_id}: {len(result.selected)} projects selected by {result.rule}, "
                f"{result.ballots} ballots, digest {result.ballots_digest}"
            )
    click.echo(f"{len(ids)} call(s) closed")


@group.command("rekey-voters")
def rekey_voters() -> None:
    """After changing VOTER_KEY_SECRET (or SECRET_KEY when it is unset): recompute the voter keys of
    the ballots of calls without results, so that their voters can change them again."""
    rekeyed, unkeyed = rekey_open_ballots(db.session, voter_keys.configured_key(), clock.now())
    db.session.commit()
    click.echo(f"{rekeyed} ballot(s) rekeyed, {unkeyed} left without a key")
