"""Services on a real database: calls, proposals (eligibility, location, moderation, review),
ballots (rules re-checked on the server, change, cancel, receipts), closing and tallying."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from constituencies.models import Constituency
from participatory.accounts.signals import account_deleted
from participatory.audit.models import AuditEvent
from participatory.audit.services import verify
from participatory.calls import rules
from participatory.calls.errors import CallError, Conflict, Forbidden
from participatory.calls.models import Ballot, BallotItem, CallResult
from participatory.calls.services import ballots, proposals, results
from participatory.calls.services.calls import CallSettings, create_call, update_call
from participatory.tally import Election, Project, tally
from tests.calls import builders
from tests.conftest import requires_shared


def settings(now, **changes) -> CallSettings:
    base = dict(
        year=2027,
        title="Budget 2027",
        description="",
        budget_cents=rules.DEFAULT_BUDGET_CENTS,
        proposals_open_at=now + timedelta(days=1),
        review_open_at=now + timedelta(days=30),
        voting_open_at=now + timedelta(days=45),
        voting_close_at=now + timedelta(days=60),
    )
    return CallSettings(**(base | changes))


# --- the call -------------------------------------------------------------------------------


def test_mp_creates_the_call_of_their_constituency_only(session, now):
    mp = builders.mp(session, now)
    call = create_call(session, mp, now, "33-04", settings(now))
    assert call.budget_cents == 13_000_000 and call.rule == rules.EQUAL_SHARES_COMPLETED
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "call.created"))
    assert event.object_id == str(call.id) and event.actor == mp.pseudonym
    with pytest.raises(Forbidden):
        create_call(session, mp, now, "75-18", settings(now))
    with pytest.raises(Conflict):  # one edition per constituency and year
        create_call(session, mp, now, "33-04", settings(now))
    assert create_call(session, builders.admin(session, now), now, "75-18", settings(now)).constituency_code == "75-18"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"review_open_at": "proposals"}, "dates_out_of_order"),
        ({"budget_cents": 0}, "bad_budget"),
        ({"min_projects": 3, "max_projects": 2}, "max_below_min"),
        ({"rule": "borda"}, "unknown_rule"),
        ({"verification_level": "none"}, "unknown_verification_level"),
    ],
)
def test_invalid_call_settings_store_nothing(session, now, changes, code):
    mp = builders.mp(session, now)
    base = settings(now)
    if changes.get("review_open_at") == "proposals":
        changes["review_open_at"] = base.proposals_open_at
    with pytest.raises(CallError) as error:
        create_call(session, mp, now, "33-04", settings(now, **changes))
    assert error.value.code == code


def test_budget_dates_and_rules_freeze_once_voting_starts(session, now):
    mp = builders.mp(session, now)
    call = builders.call(session, now, rules.VOTING)
    current = CallSettings.of(call)
    with pytest.raises(Conflict) as error:
        update_call(session, mp, now, call, CallSettings(**(current.__dict__ | {"budget_cents": 1_000_00})))
    assert error.value.code == "frozen"
    update_call(session, mp, now, call, CallSettings(**(current.__dict__ | {"title": "Nouveau titre"})))
    assert call.title == "Nouveau titre"
    assert session.scalar(select(AuditEvent.details).where(AuditEvent.action == "call.changed")) == {
        "changed": {"title": "Nouveau titre"},
        "description_changed": False,
    }


# --- proposals ------------------------------------------------------------------------------


def data(cost=10_000_00, **where):
    return proposals.ProposalInput("Un banc", "Un banc public", "Un banc près de l'école", "heritage", cost, **where)


def test_only_eligible_residents_propose_and_only_during_proposals(session, now):
    call = builders.call(session, now, rules.PROPOSALS, code="ZZ-05")  # abroad: no polygon to check
    resident = builders.user(session, now, "ZZ-05", level="residence")
    assert proposals.submit(session, resident, now, call, data()).author_id == resident.id
    for person, code in [
        (builders.user(session, now, "33-04"), "wrong_constituency"),
        (builders.user(session, now, "ZZ-05", level="email"), "unverified"),
    ]:
        with pytest.raises(Forbidden) as error:
            proposals.submit(session, person, now, call, data())
        assert error.value.code == code
    builders.move_to(session, call, rules.REVIEW, now)
    with pytest.raises(Forbidden) as error:
        proposals.submit(session, resident, now, call, data())
    assert error.value.code == "proposals_closed"


@requires_shared
@pytest.mark.parametrize(
    ("where", "code"),
    [
        ("inside", None),
        ("other_constituency", "location_outside"),
        ("at_sea", "location_outside"),
        ("missing", "location_required"),
    ],
)
def test_proposal_location_must_fall_inside_the_constituency(session, now, where, code):
    here, there = session.get(Constituency, "33-04"), session.get(Constituency, "75-18")
    points = {
        "inside": (here.label_lat, here.label_lon),
        "other_constituency": (there.label_lat, there.label_lon),
        "at_sea": (45.0, -3.0),
        "missing": (None, None),
    }
    lat, lon = points[where]
    call = builders.call(session, now, rules.PROPOSALS)
    resident = builders.user(session, now, "33-04")
    if code is None:
        assert proposals.submit(session, resident, now, call, data(lat=lat, lon=lon)).lat == lat
    else:
        with pytest.raises(CallError) as error:
            proposals.submit(session, resident, now, call, data(lat=lat, lon=lon))
        assert error.value.code == code


def test_only_the_author_edits_or_withdraws_until_proposals_close(session, now):
    call = builders.call(session, now, rules.PROPOSALS, code="ZZ-05")
    author, other = builders.user(session, now, "ZZ-05"), builders.user(session, now, "ZZ-05")
    item = proposals.submit(session, author, now, call, data())
    with pytest.raises(Forbidden):
        proposals.edit(session, other, now, item, data(cost=5_00))
    proposals.edit(session, author, now, item, data(cost=5_00))
    assert item.estimated_cost_cents == 5_00
    with pytest.raises(CallError) as error:
        proposals.edit(session, author, now, item, data(cost=call.budget_cents + 1))
    assert error.value.code == "cost_over_budget"
    builders.move_to(session, call, rules.REVIEW, now)
    with pytest.raises(Forbidden):
        proposals.withdraw(session, author, now, item)
    builders.move_to(session, call, rules.PROPOSALS, now)
    proposals.withdraw(session, author, now, item)
    assert item.withdrawn_at is not None
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions == ["proposal.submitted", "proposal.edited", "proposal.withdrawn"]


def test_reports_and_hiding(session, now):
    call = builders.call(session, now, rules.VOTING)
    item = builders.proposal(session, now, call)
    reporter = builders.user(session, now, "75-18")
    proposals.report(session, reporter, now, item, "Spam")
    with pytest.raises(Conflict):
        proposals.report(session, reporter, now, item, "Spam encore")
    voter = builders.user(session, now)
    other = builders.proposal(session, now, call)
    ballots.cast(session, voter, now, call.id, [item.id, other.id])
    with pytest.raises(Forbidden):
        proposals.hide(session, builders.mp(session, now, "75-18"), now, item, "Spam")
    with pytest.raises(CallError):
        proposals.hide(session, builders.admin(session, now), now, item, "  ")
    proposals.hide(session, builders.mp(session, now), now, item, "Publicité")
    # Hidden during the vote: off the ballots too, so stored ballots are what is counted.
    assert session.scalars(select(BallotItem.proposal_id)).all() == [other.id]
    assert [p.id for p in proposals.ballot_proposals(session, call)] == [other.id]


@pytest.mark.parametrize(
    ("decision", "cost", "reason", "code"),
    [
        ("feasible", 12_000_00, "", None),
        ("feasible", None, "", "final_cost_required"),
        ("feasible", 200_000_00, "", "cost_over_budget"),
        ("infeasible", None, "Hors compétence", None),
        ("infeasible", None, " ", "reason_required"),
        ("maybe", None, "", "bad_decision"),
    ],
)
def test_review(session, now, decision, cost, reason, code):
    call = builders.call(session, now, rules.REVIEW)
    item = builders.proposal(session, now, call, feasible=None)
    mp = builders.mp(session, now)
    if code is None:
        proposals.review(session, mp, now, item, decision, cost, reason)
        assert item.feasibility == decision and item.final_cost_cents == cost and item.review_reason == reason
    else:
        with pytest.raises(CallError) as error:
            proposals.review(session, mp, now, item, decision, cost, reason)
        assert error.value.code == code and item.feasibility is None


def test_review_only_during_review_and_by_the_mp_of_the_constituency(session, now):
    call = builders.call(session, now, rules.VOTING)
    item = builders.proposal(session, now, call, feasible=None)
    with pytest.raises(Conflict):
        proposals.review(session, builders.mp(session, now), now, item, "feasible", 1_00, "")
    builders.move_to(session, call, rules.REVIEW, now)
    with pytest.raises(Forbidden):
        proposals.review(session, builders.mp(session, now, "75-18"), now, item, "feasible", 1_00, "")


# --- ballots --------------------------------------------------------------------------------


@pytest.fixture
def voting(session, now):
    """A voting call (budget 100,000 €, 1 to 2 projects, knapsack) and its proposals."""
    call = builders.call(session, now, rules.VOTING, min_projects=1, max_projects=2, verification_level="letter")
    items = {
        "a": builders.proposal(session, now, call, cost=60_000_00),
        "b": builders.proposal(session, now, call, cost=50_000_00),
        "c": builders.proposal(session, now, call, cost=30_000_00),
        "infeasible": builders.proposal(session, now, call, feasible=False),
        "hidden": builders.proposal(session, now, call, hidden=True),
        "withdrawn": builders.proposal(session, now, call, withdrawn=True),
    }
    other_call = builders.call(session, now, rules.VOTING, code="75-18")
    items["elsewhere"] = builders.proposal(session, now, other_call)
    return call, items


def _stored(session, receipt):
    """The ballot as the database now holds it (not a copy from the session's identity map)."""
    return session.scalars(
        select(Ballot).where(Ballot.id == receipt.ballot_id).execution_options(populate_existing=True)
    ).one()


@pytest.mark.parametrize(
    ("voter", "chosen", "phase", "code"),
    [
        ("resident", ["a"], rules.VOTING, None),
        ("resident", ["a", "c"], rules.VOTING, None),
        ("resident", [], rules.VOTING, "too_few"),
        ("resident", ["a", "b", "c"], rules.VOTING, "too_many"),
        ("resident", ["a", "b"], rules.VOTING, "over_budget"),
        ("resident", ["infeasible"], rules.VOTING, "not_on_ballot"),
        ("resident", ["hidden"], rules.VOTING, "not_on_ballot"),
        ("resident", ["withdrawn"], rules.VOTING, "not_on_ballot"),
        ("resident", ["elsewhere"], rules.VOTING, "not_on_ballot"),
        ("resident", ["a", "a"], rules.VOTING, "duplicate_project"),
        ("other", ["a"], rules.VOTING, "wrong_constituency"),
        ("unverified", ["a"], rules.VOTING, "unverified"),
        ("resident", ["a"], rules.REVIEW, "wrong_phase"),
        ("resident", ["a"], rules.RESULTS, "wrong_phase"),
    ],
)
def test_ballot_validation_on_the_server(session, now, voting, voter, chosen, phase, code):
    call, items = voting
    person = {
        "resident": lambda: builders.user(session, now),
        "other": lambda: builders.user(session, now, "75-18"),
        "unverified": lambda: builders.user(session, now, level="residence"),
    }[voter]()
    builders.move_to(session, call, phase, now)
    ids = [items[k].id for k in chosen]
    if code is None:
        receipt = ballots.cast(session, person, now, call.id, ids)
        assert _stored(session, receipt).proposal_ids == sorted(ids) == [c.id for c in receipt.choices]
    else:
        with pytest.raises(CallError) as error:
            ballots.cast(session, person, now, call.id, ids)
        assert error.value.code == code
        assert session.scalar(select(Ballot)) is None


def test_changing_a_ballot_keeps_one_row_with_a_new_receipt(session, now, voting):
    call, items = voting
    voter = builders.user(session, now)
    first = ballots.cast(session, voter, now, call.id, [items["a"].id])
    second = ballots.cast(session, voter, now + timedelta(minutes=5), call.id, [items["b"].id, items["c"].id])
    public_id = _stored(session, first).public_id
    assert not first.changed and second.changed and second.ballot_id == first.ballot_id
    assert _stored(session, second).public_id == public_id  # the same pseudonymous voter in the exports
    assert _stored(session, second).proposal_ids == sorted([items["b"].id, items["c"].id])
    assert ballots.receipt_counted(session, call, first.code) is False  # the old code no longer matches
    assert ballots.receipt_counted(session, call, second.code.lower().replace("-", " ")) is True
    assert first.code not in str(session.scalars(select(Ballot.receipt_hash)).all())  # only hashes are stored
    ballots.cancel(session, voter, now, call.id)
    assert session.scalar(select(Ballot)) is None and session.scalar(select(BallotItem)) is None
    with pytest.raises(Conflict):
        ballots.cancel(session, voter, now, call.id)
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert [e.action for e in events] == ["ballot.cast", "ballot.changed", "ballot.cancelled"]
    # Pseudonymous, and never the ballot's content.
    assert all(e.actor == voter.pseudonym and e.details == {"call": call.id} for e in events)


def test_cancelling_needs_an_open_vote(session, now, voting):
    call, items = voting
    voter = builders.user(session, now)
    ballots.cast(session, voter, now, call.id, [items["a"].id])
    builders.move_to(session, call, rules.RESULTS, now)
    with pytest.raises(Forbidden):
        ballots.cancel(session, voter, now, call.id)


def test_a_deleted_account_leaves_its_ballot_counted_but_unlinked(session, now, voting):
    call, items = voting
    voter = builders.user(session, now)
    ballots.cast(session, voter, now, call.id, [items["a"].id])
    account_deleted.send(session, user=voter, now=now)
    ballot = session.scalars(select(Ballot)).one()
    session.refresh(ballot)
    assert ballot.voter_id is None and ballot.proposal_ids == [items["a"].id]


# --- results --------------------------------------------------------------------------------


def _vote(session, now, call, choices):
    for chosen in choices:
        ballots.cast(session, builders.user(session, now), now, call.id, [p.id for p in chosen])


@pytest.mark.parametrize("rule", rules.TALLY_RULES)
def test_results_match_the_engine_and_are_computed_once(session, now, rule):
    call = builders.call(session, now, rules.VOTING, rule=rule, budget_cents=100_000_00, knapsack=False)
    a, b, c, d = (
        builders.proposal(session, now, call, cost=cost) for cost in (60_000_00, 50_000_00, 40_000_00, 10_000_00)
    )
    _vote(session, now, call, [[a], [a], [a, d], [b, c], [b, c], [c], [d]])
    assert results.close_call(session, call.id, now) is None  # not due yet
    builders.move_to(session, call, rules.RESULTS, now)
    result = results.close_call(session, call.id, now)
    # The engine run on the ballots read straight from the tables.
    projects = [a, b, c, d]
    rows = session.scalars(select(Ballot)).all()
    election = Election(
        budget=100_000_00,
        projects=[Project(rules.tally_project_id(p.id), p.final_cost_cents) for p in projects],
        ballots=[[projects.index(next(p for p in projects if p.id == i)) for i in r.proposal_ids] for r in rows],
    )
    expected = tally(election, rule, add_one_step=100)
    assert result.selected == [int(k) for k in expected.selected]
    assert result.spent_cents == expected.spent and result.rule == rule and result.ballots == 7
    assert result.engine_version == results.ENGINE_VERSION
    assert result.ballots_digest == rules.ballots_digest((r.public_id, r.proposal_ids) for r in rows)
    assert set(result.alternatives) == set(rules.TALLY_RULES)
    for other in rules.TALLY_RULES:
        assert result.alternatives[other]["selected"] == [
            int(k) for k in tally(election, other, add_one_step=100).selected
        ]
    assert {line["proposal_id"]: line["votes"] for line in result.projects} == {a.id: 3, b.id: 2, c.id: 3, d.id: 2}
    # Closing again (the CLI and a page at the same time, later, …) changes nothing.
    again = results.close_call(session, call.id, now + timedelta(days=3))
    assert again.id == result.id and again.computed_at == result.computed_at
    assert session.query(CallResult).count() == 1
    assert session.query(AuditEvent).filter_by(action="call.results_computed").count() == 1
    assert verify(session).ok
    # No ballot lands after the count.
    with pytest.raises(Forbidden):
        ballots.cast(session, builders.user(session, now), now - timedelta(days=2), call.id, [a.id])


def test_known_outcome_where_the_rules_differ(session, now):
    """A majority of 6 wants A (80 k€); 4 want B and C (40 k€ each). Greedy funds A alone;
    equal shares give the minority its proportional part."""
    call = builders.call(session, now, rules.VOTING, rule="equal-shares", budget_cents=100_000_00, knapsack=False)
    a, b, c = (builders.proposal(session, now, call, cost=cost) for cost in (80_000_00, 40_000_00, 40_000_00))
    _vote(session, now, call, [[a]] * 6 + [[b, c]] * 4)
    builders.move_to(session, call, rules.RESULTS, now)
    result = results.close_call(session, call.id, now)
    assert result.alternatives["greedy"]["selected"] == [a.id]
    assert result.selected == [b.id]  # 4 voters hold 40 % of the budget: enough for B (ties go to the smaller id)


def test_an_empty_call_closes_cleanly(session, now):
    call = builders.call(session, now, rules.RESULTS)
    result = results.close_call(session, call.id, now)
    assert result.selected == [] and result.spent_cents == 0 and result.ballots == 0


def test_close_due_command_is_idempotent(app, session, now):
    due = builders.call(session, now, rules.RESULTS)
    builders.call(session, now, rules.VOTING, year=2027)
    session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["calls", "close-due"])
    assert first.exit_code == 0 and "1 call(s) closed" in first.output, first.output
    second = runner.invoke(args=["calls", "close-due"])
    assert second.exit_code == 0 and "0 call(s) closed" in second.output
    session.expire_all()
    assert session.scalars(select(CallResult.call_id)).all() == [due.id]
