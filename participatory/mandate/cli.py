"""`flask mandate amendments ID [--format json|csv] [-o FILE]`: a consultation's tabled amendments,
the same file as /api/v1/consultations/<id>/amendments.json (or .csv)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from participatory.extensions import db
from participatory.mandate import queries
from participatory.mandate.models import Consultation


@click.group("mandate")
def group() -> None:
    """The MP's mandate: agendas, consultations, citizen amendments."""


@group.command("amendments")
@click.argument("consultation_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
@with_appcontext
def amendments(consultation_id: int, fmt: str, output) -> None:
    consultation = db.session.get(Consultation, consultation_id) if 0 <= consultation_id < 2**31 else None
    if consultation is None:
        raise click.ClickException(f"no consultation {consultation_id}")
    items = queries.tabled_export(db.session, consultation)
    if fmt == "json":
        output.write(json.dumps({"count": len(items), "amendements": items}, ensure_ascii=False, indent=2) + "\n")
    else:
        output.write(queries.csv_text(queries.AMENDMENT_FIELDS, [queries.export_row(i) for i in items]))
