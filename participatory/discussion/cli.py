"""`flask discussion …`: announce what happens with time and send the digests (schedule both)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from participatory.discussion import jobs

group = AppGroup("discussion", help="Follows and notifications: announcements and digests.")


@group.command("announce")
def announce_command() -> None:
    """Tell followers what started with time (a call's phase); run it from cron every few minutes."""
    made = jobs.announce()
    click.echo(f"{made} notification(s)")


@group.command("send-digests")
def send_digests_command() -> None:
    """Announce, then send every daily or weekly digest due now (cron, hourly: each person gets theirs once
    a day or a week)."""
    made, sent = jobs.send_digests()
    click.echo(f"{made} notification(s), {sent} digest(s) sent")
