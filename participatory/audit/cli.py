"""`flask audit verify|export|checkpoint`: check the hash chain against its signed checkpoints, write it
out for anyone to check, sign its head."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from participatory import clock
from participatory.audit.checkpoints import documents_in
from participatory.audit.jobs import seal_pending
from participatory.audit.services import (
    checkpoint_document,
    export_lines,
    make_checkpoint,
    pending_count,
    verify_with_checkpoints,
)
from participatory.audit.signing import BadKey, public_key_from_text
from participatory.extensions import db

group = AppGroup("audit", help="The tamper-evident audit log.")


def _public_key(ctx, param, values):
    """--public-key: base64 of the raw key, a PEM, or the JSON of /api/v1/audit/public-key; text or a file."""
    keys = []
    for value in values:
        path = Path(value)
        try:
            text = path.read_text(encoding="utf-8") if path.is_file() else value
            keys.append(public_key_from_text(text))
        except (BadKey, OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(f"{value}: {exc}") from exc
    return keys


def _given_checkpoints(paths: tuple[str, ...]) -> list[tuple[str, object]]:
    given: list[tuple[str, object]] = []
    for path in paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            given.append((f"{path} ({type(exc).__name__})", None))  # reported: not a checkpoint
            continue
        documents = documents_in(data)
        given += [(path if len(documents) == 1 else f"{path}[{i}]", d) for i, d in enumerate(documents)]
    return given


@group.command("verify")
@click.argument("checkpoint_files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--public-key",
    "public_keys",
    multiple=True,
    callback=_public_key,
    help="Trust this key instead of the configured ones (base64, PEM or the JSON of /api/v1/audit/public-key; "
    "text or file). Repeatable.",
)
def verify_command(checkpoint_files: tuple[str, ...], public_keys) -> None:
    """Exit 0 when the chain is intact and matches every stored checkpoint and every CHECKPOINT_FILE
    (one checkpoint, or the list from /api/v1/audit/checkpoints); 1 naming what is missing or altered."""
    trusted = {k.key_id: k for k in public_keys} if public_keys else None
    report = verify_with_checkpoints(db.session, _given_checkpoints(checkpoint_files), trusted)
    if report.ok:
        result = report.chain
        pending = pending_count(db.session)
        waiting = f"; {pending} more waiting to be chained (flask audit seal)" if pending else ""
        click.echo(f"audit log intact: {result.events} events, head {result.head}{waiting}")
        if report.newest is None:
            click.echo("no checkpoint yet: nothing vouches for the head (flask audit checkpoint)")
        else:
            newest = report.newest
            since = report.last_seq - newest["seq"]
            click.echo(
                f"{report.checked} checkpoint(s) match; the newest covers sequence {newest['seq']} "
                f"({newest['at']}), {since} event(s) since"
            )
        return
    if not report.chain.ok:
        chain = report.chain
        click.echo(f"audit log broken at sequence {chain.broken_seq}: {chain.problem}", err=True)
    for problem in report.problems:
        click.echo(problem, err=True)
    sys.exit(1)


@group.command("checkpoint")
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8", lazy=True),
    default=None,
    help="Also write the checkpoint's JSON document to this file.",
)
def checkpoint_command(output) -> None:
    """Chain the waiting events, then sign and store the head (run it from cron at least daily)."""
    seal_pending()
    checkpoint = make_checkpoint(db.session, clock.now())
    if checkpoint is None:
        db.session.rollback()
        click.echo("the audit log is empty: nothing to sign")
        return
    document = checkpoint_document(checkpoint)
    db.session.commit()
    click.echo(f"checkpoint at sequence {document['seq']}, head {document['head']}, key {document['key_id']}")
    if output is not None:
        output.write(json.dumps(document, indent=2) + "\n")


@group.command("seal")
def seal_command() -> None:
    """Chain the events written beside the log (ballots) now; workers do it within seconds."""
    click.echo(f"{seal_pending()} events chained")


@group.command("export")
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8", lazy=True),
    default="-",
    help="File to write (default: standard output).",
)
def export_command(output) -> None:
    """Write the whole log as JSON Lines (verifiable with the README recipe)."""
    for line in export_lines(db.session):
        output.write(line)
