"""The results page: winners, every project's line and why, totals, participation, a map,
the other rules side by side, and what to check (ballots digest, audit head hash); from the
published explanations.json: fairness figures, equal shares' rounds and a hypothetical ballot."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from constituencies.models import Constituency
from participatory import clock
from participatory.calls import queries, rules
from participatory.calls.explanations import ballot_spending, page_data, read_explanations
from participatory.calls.exports import published_files
from participatory.calls.jobs import close_if_due
from participatory.calls.services.calls import phase_of
from participatory.calls.views import bp, call_or_404
from participatory.extensions import db
from participatory.tally import EQUAL_SHARES, EQUAL_SHARES_COMPLETED
from participatory.tally.explain import STAGE_COMPLETION, STAGE_EQUAL_SHARES

STAGES = (STAGE_EQUAL_SHARES, STAGE_COMPLETION)


@bp.get("/appels/<int:call_id>/resultats")
def results(call_id: int):
    call = call_or_404(call_id)
    now = clock.now()
    close_if_due(call, now)
    phase = phase_of(call, now)
    result = call.result
    if result is None:
        return render_template("calls/results_pending.html", call=call, phase=phase)
    proposals = {p.id: p for p in call.proposals}
    data = queries.results_as_dict(call, result, proposals)
    by_id = {p["id"]: p for p in data["projects"]}
    side_by_side = []
    for rule in rules.TALLY_RULES:
        outcome = result.alternatives.get(rule, {"selected": [], "spent_cents": 0})
        side_by_side.append(
            {
                "rule": rule,
                "selected": [by_id[pid] for pid in outcome["selected"] if pid in by_id],
                "spent_cents": outcome["spent_cents"],
                "is_call_rule": rule == result.rule,
            }
        )
    completion = None
    if result.rule == EQUAL_SHARES_COMPLETED and EQUAL_SHARES in result.alternatives:
        # What completion did with the budget plain equal shares left: raised shares, then greedy.
        spent_by = {stage: sum(p["cost_cents"] for p in data["projects"] if p["stage"] == stage) for stage in STAGES}
        completion = {
            "plain_cents": result.alternatives[EQUAL_SHARES]["spent_cents"],
            "shares_cents": spent_by[STAGE_EQUAL_SHARES],
            "greedy_cents": spent_by[STAGE_COMPLETION],
        }
    files, created = published_files(db.session, call, now)
    if created:  # results published before files were stored: stored now, once
        db.session.commit()
    document = read_explanations(files["explanations.json"].content) if "explanations.json" in files else None
    explained = page_data(document) if document else None
    chosen, error = _hypothetical_ballot(set(by_id))
    spending = ballot_spending(document, chosen) if document and chosen is not None else None
    constituency = db.session.get(Constituency, call.constituency_code)
    return render_template(
        "calls/results.html",
        explained=explained,
        chosen=chosen or set(),
        spending=spending,
        ballot_error=error,
        call=call,
        result=result,
        data=data,
        proposals=proposals,
        side_by_side=side_by_side,
        constituency=constituency,
        completion=completion,
    ), (400 if error else 200)


def _hypothetical_ballot(project_ids: set[int]) -> tuple[set[int] | None, str | None]:
    """The projects ticked in "what equal shares means for me" (``?projet=ID``, repeated), or an error.

    Bounded: at most one value per project on the ballot, each one of them; nothing is stored.
    """
    if "essai" not in request.args:
        return None, None
    values = request.args.getlist("projet")
    if len(values) > len(project_ids) or not all(v.isascii() and v.isdigit() and len(v) <= 12 for v in values):
        return None, _("Choix invalide : cochez des projets de la liste.")
    chosen = {int(v) for v in values}
    if not chosen <= project_ids:
        return None, _("Choix invalide : cochez des projets de la liste.")
    return chosen, None
