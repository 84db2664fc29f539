"""Read-only pages for auditors: the audit log, every call's exports, every donation ledger."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, render_template, request, stream_with_context, url_for
from sqlalchemy import select

from participatory.accounts.policy import authorize
from participatory.audit.models import AuditEvent
from participatory.audit.services import (
    EventFilter,
    checkpoint_list,
    distinct_values,
    export_lines,
    filtered_events,
    head,
    pending_count,
)
from participatory.audit.signing import current_keys
from participatory.auditing.forms import AuditFilterForm, action_label
from participatory.calls.exports import FILES
from participatory.calls.models import Call, CallResult
from participatory.crowdfunding.models import Candidacy, Election
from participatory.crowdfunding.services.ledger import totals
from participatory.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50
CHECKPOINTS_SHOWN = 10  # the newest; the API lists them all
PARIS = ZoneInfo("Europe/Paris")


@bp.app_template_global()
def audit_head() -> dict:
    """{seq, hash} of the newest audit event, for results pages (templates/audit/_call_exports.html)."""
    seq, digest = head(db.session)
    return {"seq": seq, "hash": digest}


@bp.app_template_filter("audit_action")
def audit_action(action: str) -> str:
    return action_label(action)


@bp.app_template_filter("audit_details")
def audit_details(details: dict | None) -> list[tuple[str, str]]:
    """An event's details as (name, value) lines a person reads: text as it is (accents unescaped),
    other values in compact JSON."""
    if not isinstance(details, dict):
        return [] if details is None else [("", json.dumps(details, ensure_ascii=False))]
    return [
        (str(key), value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(", ", ": ")))
        for key, value in details.items()
    ]


def _paris_midnight_utc(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=PARIS).astimezone(UTC)


@bp.get("/")
def log():
    authorize("audit.read")
    form = AuditFilterForm(request.args)
    form.set_choices(
        distinct_values(db.session, AuditEvent.action), distinct_values(db.session, AuditEvent.object_type)
    )
    if request.args and not form.validate():
        return render_template(
            "audit/log.html", form=form, events=[], total=0, page=1, pages=1, head=audit_head(), **_checkpoints()
        ), 400
    where = EventFilter(
        action=form.action.data or "",
        object_type=form.object_type.data or "",
        object_id=(form.object_id.data or "").strip(),
        actor=(form.actor.data or "").strip(),
        since=_paris_midnight_utc(form.since.data) if form.since.data else None,
        until=_paris_midnight_utc(form.until.data + timedelta(days=1)) if form.until.data else None,
    )
    page = form.page.data or 1
    events, total = filtered_events(db.session, where, page=page, per_page=PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "audit/log.html",
        form=form,
        events=events,
        total=total,
        page=page,
        pages=pages,
        head=audit_head(),
        pending=pending_count(db.session),
        page_url=_page_url,
        **_checkpoints(),
    )


def _checkpoints() -> dict:
    """The newest signed checkpoints and the key that verifies them, for the log page."""
    return {
        "checkpoints": checkpoint_list(db.session, newest_first=True, limit=CHECKPOINTS_SHOWN),
        "public_key": current_keys().public,
    }


def _page_url(page: int) -> str:
    """This listing with the same filters, at another page."""
    values: dict[str, Any] = request.args.to_dict() | {"page": page}
    return url_for("audit.log", **values)


@bp.get("/journal.jsonl")
def log_export():
    """The whole chain as JSON Lines, for the README's standalone verification."""
    authorize("audit.read")
    response = Response(stream_with_context(export_lines(db.session)), mimetype="application/x-ndjson")
    response.headers["Content-Disposition"] = 'attachment; filename="audit-log.jsonl"'
    return response


@bp.get("/appels")
def calls():
    authorize("audit.read")
    rows = db.session.execute(
        select(Call, CallResult)
        .outerjoin(CallResult, CallResult.call_id == Call.id)
        .order_by(Call.constituency_code, Call.year.desc())
    ).all()
    return render_template("audit/calls.html", rows=rows, files=list(FILES))


@bp.get("/registres")
def ledgers():
    authorize("audit.read")
    rows = [
        (candidacy, election, totals(db.session, candidacy))
        for candidacy, election in db.session.execute(
            select(Candidacy, Election)
            .join(Election, Election.id == Candidacy.election_id)
            .order_by(Election.first_round.desc(), Candidacy.constituency_code, Candidacy.id)
        )
    ]
    return render_template("audit/ledgers.html", rows=rows)


@bp.get("/appels/<int:call_id>/verifier")
def verify_call(call_id: int):
    """How to check a call's published results without trusting the platform: the recipe for auditors
    (the files, the ballots digest, the tally engine and the audit log), open to anyone."""
    call = db.session.get(Call, call_id)
    if call is None or call.result is None:
        abort(404)
    return render_template("audit/verify_call.html", call=call, result=call.result)
