"""/api/v1 endpoints for calls (routes added to the shared API blueprint).

`calls` lists every constituency's latest call (the national map colours by it);
`calls/<code>` describes a constituency's latest call and its public proposals;
`calls/<code>/results` gives its published results (404 until voting has closed).
"""

from __future__ import annotations

from flask import abort, request, url_for

from constituencies.models import Constituency
from participatory import clock
from participatory.api.caching import cached_json
from participatory.api.views import bp
from participatory.calls import queries, rules
from participatory.calls.jobs import close_if_due
from participatory.calls.services.calls import latest_call
from participatory.calls.services.proposals import visible_proposals
from participatory.extensions import db

LIST_MAX_AGE = 60  # phases and participation move during a vote


def _call_or_404(code: str):
    call = latest_call(db.session, code.upper())
    if call is None:
        abort(404, description=f"no call in constituency {code}")
    close_if_due(call, clock.now())
    return call


@bp.get("/calls")
def calls_index():
    rows = queries.overview(db.session, clock.now())
    phase = request.args.get("phase", "")
    if phase:
        if phase not in rules.PHASES:
            abort(400, description=f"phase must be one of {', '.join(rules.PHASES)}")
        rows = [r for r in rows if r.phase == phase]
    return cached_json(
        {
            "count": len(rows),
            "calls": [
                {
                    "code": r.code,
                    "id": r.id,
                    "year": r.year,
                    "title": r.title,
                    "phase": r.phase,
                    "budget_cents": r.budget_cents,
                    "proposals": r.proposals,
                    "ballots": r.ballots,
                    "registered_voters": r.registered_voters,
                    "participation": r.participation,
                    "url": url_for("calls.show", call_id=r.id),
                }
                for r in rows
            ],
        },
        max_age=LIST_MAX_AGE,
    )


@bp.get("/calls/<code>")
def call(code: str):
    item = _call_or_404(code)
    data = queries.call_as_dict(
        item,
        clock.now(),
        queries.ballot_count(db.session, item),
        db.session.get(Constituency, item.constituency_code).registered_voters,
    )
    data["proposals"] = [queries.proposal_as_dict(p) for p in visible_proposals(db.session, item)]
    data["results_url"] = url_for("api.call_results", code=item.constituency_code) if item.result else None
    return cached_json(data, max_age=LIST_MAX_AGE)


@bp.get("/calls/<code>/results")
def call_results(code: str):
    item = _call_or_404(code)
    if item.result is None:
        abort(404, description="results are published when voting closes")
    return cached_json(queries.results_as_dict(item, item.result, {p.id: p for p in item.proposals}))
