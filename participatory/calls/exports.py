"""Verifiable exports of a call with published results, frozen at publication.

Nine files, all public and free of personal data:
- ``results.json`` / ``results.csv``: the outcome, project by project, as computed;
- ``proposals.csv``: every proposal (hidden ones keep only their id and the public reason);
- ``ballots.pb``: the counted ballots in pabulib format, each under the ballot's random
  per-call ``public_id``; ballots are sorted by ``public_id``, never by time, so the order
  does not line up with the audit log's ``ballot.cast`` events. No receipt hash on a
  ballot's line: a receipt proves that a ballot is counted, never what it holds (a voter
  who could show a buyer their ballot's content could sell their vote);
- ``receipts.txt``: the SHA-256 of the receipt code of every counted ballot, sorted, one per
  line: each voter finds their own, and anyone checks it has as many lines as ``ballots.pb``
  has ballots;
- ``explanations.json``: how the rule spent the budget (equal shares' rounds, the completion,
  why each other project stayed out) and every rule's fairness figures (calls/explanations.py);
- ``report.html`` / ``report.pdf``: a report to keep, with the SHA-256 of the files above
  (calls/report.py);
- ``manifest.json``: the SHA-256 of each file above, the rule, the engine version, the
  ballots digest and the audit event of the results.

`freeze_files` renders them once, when the results are published (`close_call`), stores
them (`PublishedFile`) and chains their hashes into the audit log (`call.files_published`);
from then on every route and `flask export call` serve the stored bytes, whatever happens
to proposals, accounts or boundaries afterwards.

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
from participatory.audit.models import AuditEvent, PublishedFile
from participatory.audit.services import SYSTEM, record
from participatory.calls import rules as call_rules
from participatory.calls.explanations import explanations_document
from participatory.calls.models import Ballot, BallotItem, Call, CallResult, Proposal
from participatory.calls.report import report_context, report_html, report_pdf
from participatory.tally import Election, Project, pabulib_string

FILES = {  # name -> media type, in manifest order
    "results.json": "application/json",
    "results.csv": "text/csv",
    "proposals.csv": "text/csv",
    "ballots.pb": "text/plain",
    "receipts.txt": "text/plain",
    "explanations.json": "application/json",
    "report.html": "text/html",
    "report.pdf": "application/pdf",
    "manifest.json": "application/json",
}
FORMATS = {
    "json": "results.json",
    "csv": "results.csv",
    "pabulib": "ballots.pb",
    "proposals-csv": "proposals.csv",
    "receipts": "receipts.txt",
    "explanations": "explanations.json",
    "report-html": "report.html",
    "report-pdf": "report.pdf",
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
    titles = dict(
        session.execute(select(Proposal.id, Proposal.title).where(Proposal.call_id == result.call_id)).tuples().all()
    )
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
    if p.hidden_during_call:
        return "hidden"
    return "on_ballot" if p.on_ballot else (p.feasibility or "not_reviewed")


def proposals_rows(session: Session, call: Call) -> list[dict]:
    """Proposals as the public sees them; authors are never named, hidden texts never repeated."""
    rows = []
    for p in session.scalars(
        select(Proposal).where(Proposal.call_id == call.id, Proposal.withdrawn_at.is_(None)).order_by(Proposal.id)
    ):
        hidden = p.hidden_during_call  # a hide after the vote is a note: the project stays as it was voted on
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
    titles = dict(session.execute(select(Proposal.id, Proposal.title).where(Proposal.id.in_(ids))).tuples().all())
    # One row per (ballot, item), as closing reads them (rendered at publication, in the same transaction).
    rows = session.execute(
        select(Ballot.public_id, BallotItem.proposal_id)
        .outerjoin(BallotItem, BallotItem.ballot_id == Ballot.id)
        .where(Ballot.call_id == call.id)
        .order_by(Ballot.public_id, BallotItem.proposal_id)
    )
    by_ballot: dict[str, list[int]] = {}
    for public_id, proposal_id in rows:
        chosen = by_ballot.setdefault(public_id, [])
        if proposal_id in index:
            chosen.append(index[proposal_id])
    voter_ids = sorted(by_ballot, key=lambda v: v.encode("utf-8"))  # as rules.ballots_digest orders them
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
        ballots=[sorted(by_ballot[v]) for v in voter_ids],
        voter_ids=voter_ids,
        meta={
            "description": f"{call.title} ({call.constituency_code}, {call.year})",
            "country": "France",
            "unit": call.constituency_code,
            "instance": str(call.year),
            "num_projects": str(len(projects)),
            "num_votes": str(len(voter_ids)),
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


def receipts_file(session: Session, call: Call) -> bytes:
    """The receipt hashes of the counted ballots, sorted (so their order says nothing), one per line."""
    hashes = sorted(session.scalars(select(Ballot.receipt_hash).where(Ballot.call_id == call.id)))
    return "".join(f"{h}\n" for h in hashes).encode("ascii")


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
    "receipts.txt": lambda s, call, result: receipts_file(s, call),
}


def _result_of(session: Session, call: Call) -> CallResult:
    result = session.scalar(select(CallResult).where(CallResult.call_id == call.id))
    if result is None:
        raise NotPublished(f"the results of {call.constituency_code} {call.year} are not published")
    return result


def render_files(session: Session, call: Call, result: CallResult) -> dict[str, bytes]:
    """Every file of the export, rendered from the stored result and the database as it is now.

    Only `freeze_files` should call it: what is published is what it rendered at publication.
    Nothing in the files depends on when they are rendered (no clock, no moving audit head).
    """
    files = {name: build(session, call, result) for name, build in BUILDERS.items()}
    # The explanations replay the tally on the published ballots; the reports show both documents.
    explanations = explanations_document(call, result, ballots_election(session, call, result))
    files["explanations.json"] = _json(explanations)
    hashes = {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}
    context = report_context(results_document(session, call, result), explanations, hashes)
    files["report.html"] = report_html(context)
    files["report.pdf"] = report_pdf(context, call_rules.aware(result.computed_at))
    manifest = {
        "call": {"id": call.id, "constituency": call.constituency_code, "year": call.year, "title": call.title},
        "generated_from": "participatory platform exports",
        "rule": result.rule,
        "engine_version": result.engine_version,
        "voter_budget_increment_cents": call_rules.ADD_ONE_STEP_CENTS,
        "tie_break": TIE_BREAK,
        "ballots_digest": result.ballots_digest,
        "ballots": result.ballots,
        "receipts": files["receipts.txt"].count(b"\n"),
        "selected": result.selected,
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
    return files


def stored_files(session: Session, call_id: int) -> dict[str, PublishedFile]:
    rows = session.scalars(select(PublishedFile).where(PublishedFile.call_id == call_id))
    return {row.name: row for row in rows}


def freeze_files(session: Session, call: Call, result: CallResult, now: datetime) -> dict[str, PublishedFile]:
    """Render the call's files once, store them and chain their SHA-256 into the audit log.

    Idempotent: a call whose files are stored keeps them. The caller holds the call row's lock
    (close_call, or `published_files` for results published before files were stored).
    """
    existing = stored_files(session, call.id)
    if existing:
        return existing
    rows = {
        name: PublishedFile(
            call_id=call.id,
            name=name,
            media_type=FILES[name],
            content=content,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            published_at=now,
        )
        for name, content in render_files(session, call, result).items()
    }
    session.add_all(rows.values())
    session.flush()
    record(
        session,
        now=now,
        actor=SYSTEM,
        action="call.files_published",
        object_type="call",
        object_id=call.id,
        details={"files": [{"name": r.name, "bytes": r.size, "sha256": r.sha256} for r in rows.values()]},
    )
    return rows


def published_files(session: Session, call: Call, now: datetime) -> tuple[dict[str, PublishedFile], bool]:
    """The stored files of a call with published results, and whether they were stored just now.

    Results published before files were stored get them on first use, under the call's lock:
    the caller commits when the second value is true.
    """
    files = stored_files(session, call.id)
    if files:
        return files, False
    result = _result_of(session, call)
    session.scalars(select(Call.id).where(Call.id == call.id).with_for_update()).one()
    files = stored_files(session, call.id)
    if files:
        return files, False
    return freeze_files(session, call, result, now), True


def published_export(session: Session, call: Call, now: datetime) -> tuple[CallExport, bool]:
    files, created = published_files(session, call, now)
    return CallExport(call, {name: files[name].content for name in FILES}), created
