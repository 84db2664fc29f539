"""Verifiable exports of a call with published results.

Five files, all public and free of personal data:
- ``results.json`` / ``results.csv``: the outcome, project by project, as computed;
- ``proposals.csv``: every proposal (hidden ones keep only their id and the public reason);
- ``ballots.pb``: the counted ballots in pabulib format, each under the ballot's random
  per-call ``public_id``, with the SHA-256 of its receipt code (``receipt_hash``) so each
  voter finds their own ballot; ballots are sorted by ``public_id``, never by time, so
  the order does not line up with the audit log's ``ballot.cast`` events;
- ``manifest.json``: the SHA-256 of each file above, the rule, the engine version, the
  ballots digest and the audit head.

The .pb file is exactly the tally's input (project ids are the zero-padded proposal ids
the engine used, amounts in euro cents), so pabutools or `python -m participatory.tally`
recompute the published winners from it.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from participatory import csvfiles
from participatory.audit.models import AuditEvent
from participatory.audit.services import head
from participatory.calls import rules as call_rules
from participatory.calls.models import Ballot, BallotItem, Call, CallResult, Proposal
from participatory.tally import Election, Project, pabulib_string

FILES = {  # name -> media type, in manifest order
    "results.json": "application/json",
    "results.csv": "text/csv",
    "proposals.csv": "text/csv",
    "ballots.pb": "text/plain",
    "manifest.json": "application/json",
}
FORMATS = {
    "json": "results.json",
    "csv": "results.csv",
    "pabulib": "ballots.pb",
    "proposals-csv": "proposals.csv",
    "manifest": "manifest.json",
}
TIE_BREAK = (
    "Ties are broken by project id in string order; project ids are proposal ids zero-padded "
    "to 8 digits, so a tie goes to the proposal submitted first."
)
RESULT_COLUMNS = (
    "proposal_id",
    "project_id",
    "title",
    "cost_cents",
    "votes",
    "selected",
    "position",
    "reason",
    "stage",
    "round",
    "max_payment_cents",
)
PROPOSAL_COLUMNS = (
    "proposal_id",
    "project_id",
    "status",
    "title",
    "summary",
    "category",
    "estimated_cost_cents",
    "final_cost_cents",
    "feasibility",
    "review_reason",
    "hidden_reason",
    "lat_approx",
    "lon_approx",
    "submitted_on",
)


class NotPublished(LookupError):
    """No such call, or its results are not published yet."""


def published_call(session: Session, code: str, year: int | None = None) -> Call:
    """The constituency's call (its latest edition, or `year`) whose results are published."""
    stmt = select(Call).join(CallResult, CallResult.call_id == Call.id).where(Call.constituency_code == code.upper())
    if year is not None:
        stmt = stmt.where(Call.year == year)
    call = session.scalar(stmt.order_by(Call.year.desc()).limit(1))
    if call is None:
        raise NotPublished(f"no call with published results for {code}" + (f" in {year}" if year else ""))
    return call


def _stamp(moment: datetime) -> str:
    return call_rules.aware(moment).isoformat().replace("+00:00", "Z")


def _csv(columns: tuple[str, ...], rows: list[dict]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csvfiles.dict_writer(buffer, columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return buffer.getvalue().encode("utf-8")


def _json(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def _call_header(call: Call) -> dict:
    return {
        "id": call.id,
        "constituency": call.constituency_code,
        "year": call.year,
        "title": call.title,
        "budget_cents": call.budget_cents,
        "voting_open_at": _stamp(call.voting_open_at),
        "voting_close_at": _stamp(call.voting_close_at),
        "min_projects": call.min_projects,
        "max_projects": call.max_projects,
        "knapsack": call.knapsack,
    }


def results_rows(session: Session, result: CallResult) -> list[dict]:
    titles = dict(session.execute(select(Proposal.id, Proposal.title).where(Proposal.call_id == result.call_id)).all())
    return [
        {
            "proposal_id": p["proposal_id"],
            "project_id": call_rules.tally_project_id(p["proposal_id"]),
            "title": titles.get(p["proposal_id"], ""),
            "cost_cents": p["cost_cents"],
            "votes": p["votes"],
            "selected": p["selected"],
            "position": p.get("position"),
            "reason": p.get("reason"),
            "stage": p.get("stage"),
            "round": p.get("round"),
            "max_payment_cents": p.get("max_payment_cents"),
        }
        for p in result.projects
    ]


def results_document(session: Session, call: Call, result: CallResult) -> dict:
    return {
        "call": _call_header(call),
        "rule": result.rule,
        "engine_version": result.engine_version,
        "computed_at": _stamp(result.computed_at),
        "ballots_digest": result.ballots_digest,
        "ballots": result.ballots,
        "registered_voters": result.registered_voters,
        "participation": round(call_rules.participation(result.ballots, result.registered_voters), 6),
        "budget_cents": result.budget_cents,
        "spent_cents": result.spent_cents,
        "selected": result.selected,
        "tie_break": TIE_BREAK,
        "projects": results_rows(session, result),
        "alternatives": result.alternatives,
    }


def _proposal_status(p: Proposal) -> str:
    if p.hidden_at is not None:
        return "hidden"
    return "on_ballot" if p.on_ballot else (p.feasibility or "not_reviewed")


def proposals_rows(session: Session, call: Call) -> list[dict]:
    """Proposals as the public sees them; authors are never named, hidden texts never repeated."""
    rows = []
    for p in session.scalars(
        select(Proposal).where(Proposal.call_id == call.id, Proposal.withdrawn_at.is_(None)).order_by(Proposal.id)
    ):
        hidden = p.hidden_at is not None
        rows.append(
            {
                "proposal_id": p.id,
                "project_id": call_rules.tally_project_id(p.id),
                "status": _proposal_status(p),
                "title": "" if hidden else p.title,
                "summary": "" if hidden else p.summary,
                "category": p.category,
                "estimated_cost_cents": p.estimated_cost_cents,
                "final_cost_cents": p.final_cost_cents,
                "feasibility": p.feasibility,
                "review_reason": p.review_reason,
                "hidden_reason": p.hidden_reason,
                # The project's site to about 100 m: enough for a map, not a doorstep.
                "lat_approx": None if hidden or p.lat is None else round(p.lat, 3),
                "lon_approx": None if hidden or p.lon is None else round(p.lon, 3),
                "submitted_on": call_rules.aware(p.created_at).date().isoformat(),
            }
        )
    return rows


def ballots_election(session: Session, call: Call, result: CallResult) -> Election:
    """The tally's input as it was: the result's projects, every ballot under its public id."""
    ids = [p["proposal_id"] for p in result.projects]
    index = {pid: i for i, pid in enumerate(ids)}
    titles = dict(session.execute(select(Proposal.id, Proposal.title).where(Proposal.id.in_(ids))).all())
    ballots = session.execute(
        select(Ballot.id, Ballot.public_id, Ballot.receipt_hash).where(Ballot.call_id == call.id)
    ).all()
    items: dict[int, list[int]] = {}
    for ballot_id, proposal_id in session.execute(
        select(BallotItem.ballot_id, BallotItem.proposal_id)
        .join(Ballot, Ballot.id == BallotItem.ballot_id)
        .where(Ballot.call_id == call.id)
    ):
        items.setdefault(ballot_id, []).append(proposal_id)
    ballots = sorted(ballots, key=lambda b: b.public_id.encode("utf-8"))  # as rules.ballots_digest orders them
    projects = [
        Project(
            call_rules.tally_project_id(p["proposal_id"]),
            p["cost_cents"],
            name=titles.get(p["proposal_id"], ""),
            extra={"votes": str(p["votes"]), "selected": "1" if p["selected"] else "0"},
        )
        for p in result.projects
    ]
    return Election(
        budget=result.budget_cents,
        projects=projects,
        ballots=[sorted(index[pid] for pid in items.get(b.id, []) if pid in index) for b in ballots],
        voter_ids=[b.public_id for b in ballots],
        vote_columns={"receipt_hash": [b.receipt_hash for b in ballots]},
        meta={
            "description": f"{call.title} ({call.constituency_code}, {call.year})",
            "country": "France",
            "unit": call.constituency_code,
            "instance": str(call.year),
            "num_projects": str(len(projects)),
            "num_votes": str(len(ballots)),
            "vote_type": "approval",
            "rule": result.rule,
            "currency": "EUR",
            "amounts": "euro cents",
            "voter_budget_increment": str(call_rules.ADD_ONE_STEP_CENTS),
            "min_length": str(call.min_projects),
            **({"max_length": str(call.max_projects)} if call.max_projects else {}),
            "date_begin": _stamp(call.voting_open_at)[:10],
            "date_end": _stamp(call.voting_close_at)[:10],
            "language": "fr",
            "engine_version": result.engine_version,
            "ballots_digest": result.ballots_digest,
        },
    )


def _results_event(session: Session, call: Call) -> dict | None:
    event = session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.action == "call.results_computed",
            AuditEvent.object_type == "call",
            AuditEvent.object_id == str(call.id),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    return {"seq": event.seq, "hash": event.hash} if event else None


@dataclass(frozen=True)
class CallExport:
    call: Call
    files: dict[str, bytes]  # name -> content, every name of FILES

    def filename(self, name: str) -> str:
        return f"{self.call.constituency_code}-{self.call.year}-{name}"


BUILDERS = {
    "results.json": lambda s, call, result: _json(results_document(s, call, result)),
    "results.csv": lambda s, call, result: _csv(RESULT_COLUMNS, results_rows(s, result)),
    "proposals.csv": lambda s, call, result: _csv(PROPOSAL_COLUMNS, proposals_rows(s, call)),
    "ballots.pb": lambda s, call, result: pabulib_string(ballots_election(s, call, result)).encode("utf-8"),
}


def _result_of(session: Session, call: Call) -> CallResult:
    result = session.scalar(select(CallResult).where(CallResult.call_id == call.id))
    if result is None:
        raise NotPublished(f"the results of {call.constituency_code} {call.year} are not published")
    return result


def export_file(session: Session, call: Call, name: str) -> bytes:
    """One file of the export (the manifest needs them all: it is built with every file)."""
    if name == "manifest.json":
        return build_call_export(session, call).files[name]
    return BUILDERS[name](session, call, _result_of(session, call))


def build_call_export(session: Session, call: Call) -> CallExport:
    result = _result_of(session, call)
    files = {name: build(session, call, result) for name, build in BUILDERS.items()}
    seq, head_hash = head(session)
    manifest = {
        "call": {"id": call.id, "constituency": call.constituency_code, "year": call.year, "title": call.title},
        "generated_from": "participatory platform exports",
        "rule": result.rule,
        "engine_version": result.engine_version,
        "voter_budget_increment_cents": call_rules.ADD_ONE_STEP_CENTS,
        "tie_break": TIE_BREAK,
        "ballots_digest": result.ballots_digest,
        "selected": result.selected,
        "audit_head": {"seq": seq, "hash": head_hash},
        "results_event": _results_event(session, call),
        "files": [
            {
                "name": name,
                "media_type": FILES[name],
                "bytes": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
            for name, content in files.items()
        ],
    }
    files["manifest.json"] = _json(manifest)
    return CallExport(call, files)
