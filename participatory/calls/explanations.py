"""The published ``explanations.json`` of a call: how its rule spent the budget, and fairness figures.

Rendered once at publication (``exports.render_files``), from the very ballots
file that is published (``ballots_election``): the tally engine replays the
equal-shares rounds exactly (``participatory.tally.explanations``), and every
rule's selection gets its fairness figures (winning projects per ballot,
ballots with at least one winner). Exact amounts are in euro cents, fractions
written ``"numerator/denominator"``; project ids are the engine's (the
zero-padded proposal ids of ``ballots.pb``), each listed with its proposal id.

``read_explanations`` reads the stored file back for the results page and
the report; ``ballot_spending`` answers the hypothetical-ballot question
from it, so that nothing but published data is used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from participatory.calls import rules as call_rules
from participatory.calls.models import Call, CallResult
from participatory.tally import EQUAL_SHARES, EQUAL_SHARES_COMPLETED, Election, tally
from participatory.tally.explanations import explain, fairness, spending

FORMAT = "participatory explanations 1"
EXPLAINED_RULES = (EQUAL_SHARES, EQUAL_SHARES_COMPLETED)


def explanations_document(call: Call, result: CallResult, election: Election) -> dict[str, Any]:
    """The explanations of a published result; ``election`` is the published ballots file's."""
    by_key = {call_rules.tally_project_id(p["proposal_id"]): p["proposal_id"] for p in result.projects}
    document: dict[str, Any] = {
        "format": FORMAT,
        "call": {"id": call.id, "constituency": call.constituency_code, "year": call.year},
        "rule": result.rule,
        "amounts": "euro cents; exact fractions written numerator/denominator",
        "projects": [{"project": p.id, "proposal_id": by_key[p.id], "title": p.name} for p in election.projects],
        "explanation": None,
        "fairness": {},
    }
    if result.rule in EXPLAINED_RULES:
        outcome = tally(election, result.rule, add_one_step=call_rules.ADD_ONE_STEP_CENTS)
        if [by_key[key] for key in outcome.selected] != list(result.selected):
            raise AssertionError("the explanations' tally differs from the published result")
        document["explanation"] = explain(election, outcome).to_dict()
    for rule in call_rules.TALLY_RULES:
        chosen = result.alternatives.get(rule, {}).get("selected", [])
        keys = {call_rules.tally_project_id(pid) for pid in chosen}
        document["fairness"][rule] = fairness(election, keys).to_dict()
    return document


def read_explanations(content: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(content)
    return document


@dataclass(frozen=True)
class Spent:
    round: int
    proposal_id: int
    title: str
    amount: Fraction  # cents


@dataclass(frozen=True)
class BallotSpending:
    share: Fraction  # cents each voter held
    paid: list[Spent]
    left: Fraction


def ballot_spending(document: dict[str, Any], proposal_ids: set[int]) -> BallotSpending | None:
    """How equal shares spent the share of a voter approving ``proposal_ids``; None without rounds."""
    explanation = document.get("explanation")
    if not explanation:
        return None
    projects = {p["project"]: p for p in document["projects"]}
    approved = {p["project"] for p in document["projects"] if p["proposal_id"] in proposal_ids}
    share = Fraction(explanation["share"])
    rounds = [(r["project"], Fraction(r["max_payment"])) for r in explanation["rounds"]]
    paid, left = spending(share, rounds, approved)
    return BallotSpending(
        share,
        [Spent(number, projects[key]["proposal_id"], projects[key]["title"], amount) for number, key, amount in paid],
        left,
    )


def _cents(value: str | Fraction) -> int:
    """An exact amount rounded to the cent, for display."""
    return round(Fraction(value))


def page_data(document: dict[str, Any]) -> dict[str, Any]:
    """The explanations as the results page shows them: amounts in cents (floats only for display)."""
    projects = {p["project"]: p for p in document["projects"]}
    rules = [
        {
            "rule": rule,
            "winners_per_ballot": float(Fraction(f["winners_per_ballot"])),
            "share_with_a_winner": float(Fraction(f["share_with_a_winner"])),
            "with_a_winner": f["with_a_winner"],
            "is_call_rule": rule == document["rule"],
        }
        for rule, f in document["fairness"].items()
    ]
    data: dict[str, Any] = {"fairness": rules, "explanation": None}
    explanation = document.get("explanation")
    if not explanation:
        return data
    budget = Fraction(explanation["budget"])

    def line(key: str) -> dict[str, Any]:
        return {"proposal_id": projects[key]["proposal_id"], "title": projects[key]["title"]}

    rounds = []
    before = Fraction(0)
    for r in explanation["rounds"]:
        cost, spent = Fraction(r["cost"]), Fraction(r["spent"])
        rounds.append(
            {
                **line(r["project"]),
                "round": r["round"],
                "cost_cents": _cents(cost),
                "supporters": r["supporters"],
                "max_payment_cents": _cents(r["max_payment"]),
                "paid_less": r["paid_less"],
                "spent_cents": _cents(spent),
                "x": float(before / budget) if budget else 0.0,  # the chart's bar: from, width (share of budget)
                "width": float(cost / budget) if budget else 0.0,
            }
        )
        before = spent
    additions = []
    for a in explanation["additions"]:
        cost = Fraction(a["cost"])
        spent_before = budget - Fraction(a["left"])
        additions.append(
            {
                **line(a["project"]),
                "cost_cents": _cents(cost),
                "votes": a["votes"],
                "left_cents": _cents(a["left"]),
                "x": float(spent_before / budget) if budget else 0.0,
                "width": float(cost / budget) if budget else 0.0,
            }
        )
    data["explanation"] = {
        "rule": explanation["rule"],
        "voters": explanation["voters"],
        "budget_cents": _cents(budget),
        "initial_share_cents": _cents(explanation["initial_share"]),
        "share_cents": _cents(explanation["share"]),
        "rounds_spent_cents": _cents(explanation["rounds_spent"]),
        "spent_cents": _cents(explanation["spent"]),
        "rounds": rounds,
        "additions": additions,
        "exclusions": [
            {
                **line(e["project"]),
                "cost_cents": _cents(e["cost"]),
                "votes": e["votes"],
                "reason": e["reason"],
                "supporters_money_cents": _cents(e["supporters_money"]),
                "left_cents": None if e["left"] is None else _cents(e["left"]),
            }
            for e in explanation["exclusions"]
        ],
    }
    return data
