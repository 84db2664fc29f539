"""/api/v1 downloads of a call's verifiable exports, served as stored at publication
(participatory/calls/exports.py renders and freezes them)."""

from __future__ import annotations

from flask import abort, request

from participatory import clock
from participatory.api.caching import cached_response
from participatory.api.views import bp
from participatory.calls.exports import FILES, NotPublished, published_call, published_files
from participatory.extensions import db

MAX_AGE = 3600  # the files never change once published (the ETag is their hash)


def _year() -> int | None:
    raw = request.args.get("year")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4) or not 2000 <= int(raw) <= 2100:
        abort(400, description="year must be a year between 2000 and 2100")
    return int(raw)


def send_export(code: str, name: str):
    if name not in FILES:
        abort(404, description=f"no export named {name}; expected one of {', '.join(FILES)}")
    year = _year()
    try:
        call = published_call(db.session, code, year)
        files, created = published_files(db.session, call, clock.now())
    except NotPublished as exc:
        abort(404, description=str(exc))
    if created:  # results published before files were stored: stored now, once
        db.session.commit()
    stored = files[name]
    return cached_response(
        stored.content,
        mimetype=stored.media_type,
        max_age=MAX_AGE,
        filename=f"{call.constituency_code}-{call.year}-{name}",
    )


@bp.get("/calls/<code>/exports/<name>")
def call_export(code: str, name: str):
    return send_export(code, name)


@bp.get("/calls/<code>/results.pb")
def call_results_pb(code: str):
    return send_export(code, "ballots.pb")


@bp.get("/calls/<code>/receipts.txt")
def call_receipts(code: str):
    return send_export(code, "receipts.txt")
