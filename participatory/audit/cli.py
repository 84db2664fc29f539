"""`flask audit verify|export`: check the hash chain, or write it out for anyone to check;
`flask export call CODE`: the verifiable exports of a call's results, as stored at publication."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from participatory import clock
from participatory.audit.exports import FORMATS, NotPublished, published_call, published_export
from participatory.audit.jobs import seal_pending
from participatory.audit.services import export_lines, pending_count, verify
from participatory.extensions import db

group = AppGroup("audit", help="The tamper-evident audit log.")


@group.command("verify")
def verify_command() -> None:
    """Exit 0 when the chain is intact; 1 naming the first broken sequence number."""
    result = verify(db.session)
    if result.ok:
        pending = pending_count(db.session)
        waiting = f"; {pending} more waiting to be chained (flask audit seal)" if pending else ""
        click.echo(f"audit log intact: {result.events} events, head {result.head}{waiting}")
        return
    click.echo(f"audit log broken at sequence {result.broken_seq}: {result.problem}", err=True)
    sys.exit(1)


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


export_group = AppGroup("export", help="Verifiable exports of published results.")


@export_group.command("call")
@click.argument("code")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*FORMATS, "all"]),
    default="json",
    show_default=True,
    help="json/csv: results; pabulib: ballots (.pb); proposals-csv; receipts: receipt hashes; manifest; "
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
        click.get_binary_stream("stdout").write(content)
    else:
        Path(output).write_bytes(content)
