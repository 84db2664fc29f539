"""Routes of the participatory calls: who may see, propose, moderate, review, vote and follow up.

build(world) creates, in world.here, four calls (one per phase that has actions) with proposals
by resident_here, a ballot by resident_here, and computed results; everyone in world.here is
verified, so the eligibility checks (constituency, verification) decide the 403s below.
"""

from __future__ import annotations

from datetime import timedelta

from constituencies.models import Constituency
from participatory.calls import rules
from participatory.calls.forms import PARIS
from participatory.calls.services import ballots, results
from tests.calls import builders
from tests.permissions.framework import ROLES, Case, everyone, signed_in

HERE_ELIGIBLE = ("resident_here", "mp_here", "candidate", "financial_agent")  # live and verified in world.here


def build(world) -> None:
    s, now, author = world.session, world.now, world.users["resident_here"]
    # Years only tell editions apart; the results call is the latest, so it is "the" call of world.here.
    proposals_call = builders.call(s, now, rules.PROPOSALS, code=world.here, year=2027)
    review_call = builders.call(s, now, rules.REVIEW, code=world.here, year=2028)
    voting_call = builders.call(s, now, rules.VOTING, code=world.here, year=2029)
    results_call = builders.call(s, now, rules.VOTING, code=world.here, year=2030)
    world.ids["open"] = builders.proposal(s, now, proposals_call, author, feasible=None).id
    world.ids["withdrawable"] = builders.proposal(s, now, proposals_call, author, feasible=None).id
    world.ids["to_review"] = builders.proposal(s, now, review_call, author, feasible=None).id
    world.ids["on_ballot"] = builders.proposal(s, now, voting_call, author).id
    winner = builders.proposal(s, now, results_call, author)
    ballots.cast(s, author, now, voting_call.id, [world.ids["on_ballot"]])
    ballots.cast(s, author, now, results_call.id, [winner.id])
    builders.move_to(s, results_call, rules.RESULTS, now)
    results.close_call(s, results_call.id, now)
    world.ids.update(
        winner=winner.id,
        proposals_call=proposals_call.id,
        review_call=review_call.id,
        voting_call=voting_call.id,
        results_call=results_call.id,
    )


def _local(moment) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def _call_form(world, year: int, title: str, *, proposals_open_at=None) -> dict:
    """A valid call; `proposals_open_at` keeps the date of a call whose proposals have started (it cannot move)."""
    start = world.now + timedelta(days=1)
    return {
        "year": str(year),
        "title": title,
        "description": "",
        "budget": "130000",
        "proposals_open_at": _local(proposals_open_at or start),
        "review_open_at": _local(start + timedelta(days=10)),
        "voting_open_at": _local(start + timedelta(days=20)),
        "voting_close_at": _local(start + timedelta(days=30)),
        "min_projects": "1",
        "knapsack": "y",
        "rule": "greedy",
        "verification_level": "residence",
    }


def _proposal_form(world) -> dict:
    here = world.session.get(Constituency, world.here)
    where = {"lat": str(here.label_lat), "lon": str(here.label_lon)} if here.has_geometry else {}
    return {
        "title": "Un banc",
        "summary": "Un banc",
        "description": "Un banc",
        "category": "heritage",
        "estimated_cost": "1000",
        **where,
    }


def only(statuses: dict[str, int], default: int = 403, anonymous: int = 302) -> dict[str, int]:
    return {role: statuses.get(role, anonymous if role == "anonymous" else default) for role in ROLES}


MANAGERS_HERE = {"mp_here": 200, "admin": 200}
ELIGIBLE_200 = dict.fromkeys(HERE_ELIGIBLE, 200)
ELIGIBLE_302 = dict.fromkeys(HERE_ELIGIBLE, 302)

CASES = [
    # Public pages.
    Case("calls.index", "GET", "/appels", everyone(200)),
    Case("calls.for_constituency", "GET", "/circonscriptions/33-04/appel", everyone(302)),
    # One's own call: to it, to one's constituency's page when it has none, or to declaring a residence.
    Case("calls.mine", "GET", "/mon-appel", signed_in(302)),
    Case("calls.show", "GET", lambda w: f"/appels/{w.ids['proposals_call']}", everyone(200)),
    Case("calls.proposal", "GET", lambda w: f"/propositions/{w.ids['open']}", everyone(200)),
    Case("calls.browse", "GET", lambda w: f"/appels/{w.ids['proposals_call']}/projets", everyone(200)),
    Case("calls.browse", "GET", lambda w: f"/appels/{w.ids['results_call']}/projets?tri=x", everyone(400)),
    Case(
        "calls.proposal_image", "GET", lambda w: f"/propositions/{w.ids['open']}/image", everyone(404)
    ),  # none uploaded
    Case("calls.results", "GET", lambda w: f"/appels/{w.ids['results_call']}/resultats", everyone(200)),
    # "What equal shares means for me": a hypothetical ballot, read-only, for anyone; a bad one is a 400.
    Case("calls.results", "GET", lambda w: f"/appels/{w.ids['results_call']}/resultats?essai=1", everyone(200)),
    Case(
        "calls.results", "GET", lambda w: f"/appels/{w.ids['results_call']}/resultats?essai=1&projet=x", everyone(400)
    ),
    Case("calls.receipt", "GET", lambda w: f"/appels/{w.ids['results_call']}/recu", everyone(200)),
    Case(
        "calls.receipt",
        "POST",
        lambda w: f"/appels/{w.ids['results_call']}/recu",
        everyone(200),
        data={"code": "0000-0000-0000-0000"},
    ),
    Case("api.calls_index", "GET", "/api/v1/calls", everyone(200)),
    Case("api.call", "GET", "/api/v1/calls/33-04", everyone(200)),
    Case("api.call_results", "GET", "/api/v1/calls/33-04/results", everyone(200)),
    # The MP of the constituency (their own only) and admins run the call. mp_other creates
    # world.other's 2031 call first, so admin then meets the one-edition-per-year rule (409).
    Case("calls.create", "GET", "/circonscriptions/75-18/appel/nouveau", only({"mp_other": 200, "admin": 200})),
    Case(
        "calls.create",
        "POST",
        "/circonscriptions/75-18/appel/nouveau",
        only({"mp_other": 302, "admin": 409}),
        data=lambda w: _call_form(w, 2031, "Budget 2031"),
    ),
    Case("calls.edit", "GET", lambda w: f"/appels/{w.ids['proposals_call']}/modifier", only(MANAGERS_HERE)),
    Case(
        "calls.edit",
        "POST",
        lambda w: f"/appels/{w.ids['proposals_call']}/modifier",
        only({"mp_here": 302, "admin": 302}),
        data=lambda w: _call_form(w, 2027, "Nouveau titre", proposals_open_at=w.now - builders.DAY),
    ),
    Case("calls.desk", "GET", "/espace-depute", only({"mp_here": 200, "mp_other": 200})),
    Case("calls.manage", "GET", lambda w: f"/appels/{w.ids['proposals_call']}/gestion", only(MANAGERS_HERE)),
    Case(
        "calls.hide_proposal",
        "POST",
        lambda w: f"/propositions/{w.ids['open']}/masquer",
        only({"mp_here": 302, "admin": 302}),
        data={"hide-reason": "Publicité"},
    ),
    Case("calls.review_proposal", "GET", lambda w: f"/propositions/{w.ids['to_review']}/examen", only(MANAGERS_HERE)),
    Case(
        "calls.review_proposal",
        "POST",
        lambda w: f"/propositions/{w.ids['to_review']}/examen",
        only({"mp_here": 302, "admin": 302}),
        data={"decision": "feasible", "final_cost": "1000"},
    ),
    Case("calls.implementation", "GET", lambda w: f"/propositions/{w.ids['winner']}/suivi", only(MANAGERS_HERE)),
    Case(
        "calls.implementation",
        "POST",
        lambda w: f"/propositions/{w.ids['winner']}/suivi",
        only({"mp_here": 302, "admin": 302}),
        data={"status": "planned", "happened_on": "2026-01-15", "note": ""},
    ),
    # Residents of the constituency propose; the author alone edits and withdraws.
    Case("calls.propose", "GET", lambda w: f"/appels/{w.ids['proposals_call']}/proposer", only(ELIGIBLE_200)),
    Case(
        "calls.propose",
        "POST",
        lambda w: f"/appels/{w.ids['proposals_call']}/proposer",
        only(ELIGIBLE_302),
        data=_proposal_form,
    ),
    Case(
        "calls.edit_proposal", "GET", lambda w: f"/propositions/{w.ids['open']}/modifier", only({"resident_here": 200})
    ),
    Case(
        "calls.edit_proposal",
        "POST",
        lambda w: f"/propositions/{w.ids['open']}/modifier",
        only({"resident_here": 302}),
        data=_proposal_form,
    ),
    Case(
        "calls.withdraw_proposal",
        "POST",
        lambda w: f"/propositions/{w.ids['withdrawable']}/retirer",
        only({"resident_here": 302}),
    ),
    Case(
        "calls.report_proposal",
        "POST",
        lambda w: f"/propositions/{w.ids['open']}/signaler",
        signed_in(302),
        data={"report-reason": "Spam"},
    ),
    # Eligible residents vote; resident_here already has a ballot, the others have none to cancel.
    Case("calls.ballot", "GET", lambda w: f"/appels/{w.ids['voting_call']}/vote", only(ELIGIBLE_200)),
    Case(
        "calls.ballot",
        "POST",
        lambda w: f"/appels/{w.ids['voting_call']}/vote",
        only(ELIGIBLE_200),
        data=lambda w: {"projects": [str(w.ids["on_ballot"])]},
    ),
    Case(
        "calls.cancel_ballot",
        "POST",
        lambda w: f"/appels/{w.ids['voting_call']}/vote/annuler",
        only({"resident_here": 302}, default=409),
    ),
    # Only the voter with a ballot gets a new receipt code; the others have none to replace.
    Case(
        "calls.renew_receipt",
        "POST",
        lambda w: f"/appels/{w.ids['voting_call']}/vote/nouveau-code",
        only({"resident_here": 200}, default=409),
    ),
]
