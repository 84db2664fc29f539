"""`flask audit verify`: walk the hash chain."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from participatory.audit.services import head_hash, verify
from participatory.extensions import db

group = AppGroup("audit", help="The tamper-evident audit log.")


@group.command("verify")
def verify_command() -> None:
    """Exit 0 when the chain is intact; 1 naming the first broken sequence number."""
    result = verify(db.session)
    if result.ok:
        click.echo(f"audit log intact: {result.events} events, head {head_hash(db.session)}")
        return
    click.echo(f"audit log broken at sequence {result.broken_seq}: {result.problem}", err=True)
    sys.exit(1)
