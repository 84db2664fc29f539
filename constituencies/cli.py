"""`flask constituencies …`: load the list of 577 and import boundaries."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from constituencies.rules import BoundaryFileError
from constituencies.services import (
    boundaries_loaded,
    cache_download,
    default_source,
    import_boundaries,
    read_source,
    sync_catalogue,
)
from participatory import clock
from participatory.extensions import db

group = AppGroup("constituencies", help="The 577 legislative constituencies and their boundaries.")


def _import(path_or_url: str, partial: bool = False) -> None:
    session = db.session
    try:
        raw = read_source(path_or_url)
        report = _run_import(session, raw, path_or_url, partial)
    except BoundaryFileError as exc:
        session.rollback()
        raise click.ClickException(f"{path_or_url}: {exc}. Nothing was changed.") from None
    session.commit()
    if path_or_url.startswith(("http://", "https://")):
        cache_download(raw, Path(current_app.instance_path))
    if partial:
        kept = ", ".join(report.kept[:10]) + (", …" if len(report.kept) > 10 else "")
        click.echo(
            f"Replaced {report.replaced} boundaries ({report.schema} schema); kept {len(report.kept)} as they were"
            + (f" ({kept})" if kept else "")
            + f"; {report.without_geometry} constituencies without a polygon."
        )
        return
    click.echo(
        f"Imported {report.with_geometry} boundaries ({report.schema} schema); "
        f"{report.without_geometry} constituencies without a polygon."
    )


def _run_import(session, raw: bytes, source: str, partial: bool = False):
    def progress(features):
        with click.progressbar(features, label="Importing boundaries", file=sys.stderr) as bar:
            yield from bar

    return import_boundaries(session, raw, source, clock.now(), progress=progress, partial=partial)


@group.command("sync")
def sync_command() -> None:
    """Insert or update the 577 constituencies from data/constituencies.csv."""
    count = sync_catalogue(db.session)
    db.session.commit()
    click.echo(f"{count} constituencies in the catalogue.")


@group.command("import")
@click.argument("path_or_url")
@click.option(
    "--partial",
    is_flag=True,
    help="Replace only the boundaries in the file and keep the others (without it, a file that leaves out "
    "constituencies which have a boundary now is refused).",
)
def import_command(path_or_url: str, partial: bool) -> None:
    """Import boundaries from a GeoJSON file or URL (2012 or data.gouv.fr schema)."""
    sync_catalogue(db.session)  # idempotent: the codes must be known before shapes attach to them
    _import(path_or_url, partial)


@group.command("bootstrap")
def bootstrap_command() -> None:
    """At start: the list of 577, and boundaries if none are loaded yet (never fatal)."""
    sync_catalogue(db.session)
    db.session.commit()
    if boundaries_loaded(db.session):
        click.echo("577 constituencies; boundaries already loaded.")
        return
    source = default_source(
        current_app.config["CONSTITUENCIES_GEOJSON"],
        current_app.config["CONSTITUENCIES_GEOJSON_URL"],
        Path(current_app.instance_path),
    )
    try:
        _import(source)
    except click.ClickException as exc:
        click.echo(
            f"Warning: boundaries not loaded ({exc.message}). The platform runs with the list of 577; "
            "load them later with `flask constituencies import PATH_OR_URL`.",
            err=True,
        )
