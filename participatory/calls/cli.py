"""`flask calls close-due`: compute the results of every call whose vote has closed;
`flask calls rekey-voters`: recompute the voter keys of open ballots after a secret changed;
`flask export call CODE`: a call's results as stored at publication.

Meant to be scheduled by the operator (e.g. every minute from cron or a systemd
timer); the first request to a call's pages after its close date does the same.
Idempotent: a call already closed is skipped, so running it twice changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from participatory import clock
from participatory.accounts import voter_keys
from participatory.calls.exports import FORMATS, NotPublished, published_call, published_export
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


export_group = AppGroup("export", help="Verifiable exports of published results.")


@export_group.command("call")
@click.argument("code")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*FORMATS, "all"]),
    default="json",
    show_default=True,
    help="json/csv: results; pabulib: ballots (.pb); proposals-csv; receipts: receipt hashes; explanations: "
    "equal shares' rounds and fairness figures; report-html, report-pdf: the report; manifest; "
    "all: every file into -o DIR.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=True, writable=True),
    default="-",
    help="File to write (default: standard output); a directory with --format all.",
)
@click.option("--year", type=click.IntRange(2000, 2100), default=None, help="Edition (default: the latest).")
def export_call_command(code: str, fmt: str, output: str, year: int | None) -> None:
    """Write the exports of the call of constituency CODE (e.g. 33-04) once its results are published."""
    try:
        export, created = published_export(db.session, published_call(db.session, code, year), clock.now())
    except NotPublished as exc:
        raise click.ClickException(str(exc)) from exc
    if created:  # results published before files were stored: stored now, once
        db.session.commit()
    if fmt == "all":
        if output == "-":
            raise click.UsageError("--format all needs -o DIRECTORY")
        directory = Path(output)
        directory.mkdir(parents=True, exist_ok=True)
        for name, content in export.files.items():
            (directory / export.filename(name)).write_bytes(content)
        click.echo(f"{len(export.files)} files written to {directory}", err=True)
        return
    content = export.files[FORMATS[fmt]]
    if output == "-":
        # click (8.5) declares get_binary_stream as `object`: the call returns the binary stdout.
        click.get_binary_stream("stdout").write(content)  # type: ignore[operator]
    else:
        Path(output).write_bytes(content)
