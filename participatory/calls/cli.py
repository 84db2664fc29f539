"""`flask calls close-due`: compute the results of every call whose vote has closed.

Meant to be scheduled by the operator (e.g. every minute from cron or a systemd
timer); the first request to a call's pages after its close date does the same.
Idempotent: a call already closed is skipped, so running it twice changes nothing.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from participatory import clock
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
