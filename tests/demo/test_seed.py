"""`flask demo seed` on the test database (SQLite, and PostgreSQL with TEST_DATABASE_URL).

A small demo (6 calls, 30 ballots per call with a vote) is enough to check what the big
one promises: every phase, points inside their constituency, participation in proportion
to registered voters, results equal to the tally engine on the stored ballots, valid
ballots, one audit event per call and an intact chain, and the same data from the same seed.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import func, select, text

from constituencies.models import Constituency
from participatory.accounts import voter_keys
from participatory.accounts.models import User
from participatory.audit.models import AuditEvent
from participatory.audit.services import verify
from participatory.calls import rules as call_rules
from participatory.calls.models import Ballot, BallotItem, Call, CallResult, Proposal
from participatory.calls.services.calls import phase_of
from participatory.crowdfunding.models import Candidacy, Donation
from participatory.demo import rules
from participatory.demo.services import DemoError, SeedOptions, has_demo_data, reset, seed
from participatory.tally import Election, Project, tally
from tests.conftest import requires_shared

OPTIONS = SeedOptions(calls=6, voters_per_call=30, seed=11)


@pytest.fixture
def seeded(session, now):
    report = seed(session, now, OPTIONS)
    session.commit()
    return report


def test_calls_exist_in_every_phase(session, now, seeded):
    calls = list(session.scalars(select(Call)))
    assert len(calls) == OPTIONS.calls == seeded.calls
    phases = [phase_of(call, now) for call in calls]
    assert sorted(set(phases)) == sorted(call_rules.PHASES)
    assert {phase: phases.count(phase) for phase in call_rules.PHASES} == rules.phase_counts(OPTIONS.calls)
    assert len({call.constituency_code for call in calls}) == len(calls)  # one call per constituency


@requires_shared
def test_proposal_points_are_inside_their_constituency(session, seeded):
    rows = session.execute(
        select(Proposal.lat, Proposal.lon, Constituency.geometry_wkb, Constituency.code)
        .join(Call, Call.id == Proposal.call_id)
        .join(Constituency, Constituency.code == Call.constituency_code)
    ).all()
    assert rows
    for lat, lon, geometry, code in rows:
        if geometry is None:  # abroad: no polygon, no point
            assert lat is None and lon is None, code
        else:
            assert call_rules.location_inside(geometry, lat, lon), (code, lat, lon)


def test_participation_is_proportional_to_registered_voters(session, now, seeded):
    rows = session.execute(
        select(Call, Constituency.registered_voters, func.count(Ballot.id))
        .join(Constituency, Constituency.code == Call.constituency_code)
        .outerjoin(Ballot, Ballot.call_id == Call.id)
        .group_by(Call.id, Constituency.registered_voters)
    ).all()
    voting = [(registered, ballots) for call, registered, ballots in rows if phase_of(call, now) in rules.BALLOT_PHASES]
    silent = [ballots for call, _, ballots in rows if phase_of(call, now) not in rules.BALLOT_PHASES]
    assert silent and not any(silent)  # no ballot before the vote opens
    total = OPTIONS.voters_per_call * len(voting)
    assert sum(ballots for _, ballots in voting) == total == seeded.ballots
    weight = sum(registered for registered, _ in voting)
    for registered, ballots in voting:
        assert abs(ballots - total * registered / weight) < 1  # largest remainders: within one ballot


def test_ballots_are_valid_and_voters_are_residents_of_the_call(session, seeded):
    items = defaultdict(list)
    for ballot_id, proposal_id in session.execute(select(BallotItem.ballot_id, BallotItem.proposal_id)):
        items[ballot_id].append(proposal_id)
    for call in session.scalars(select(Call)):
        on_ballot = {p.id: p.final_cost_cents for p in call.proposals if p.on_ballot}
        ballots = list(session.scalars(select(Ballot).where(Ballot.call_id == call.id)))
        for ballot in ballots:
            assert call_rules.ballot_problem(call_rules.BallotRules.of(call), items[ballot.id], on_ballot) is None
            assert len(ballot.public_id) == 32 and len(ballot.receipt_hash) == 64
        voters = {b.voter_id for b in ballots}
        assert len(voters) == len(ballots)
        if voters:
            places = set(session.scalars(select(User.constituency_code).where(User.id.in_(voters))))
            assert places == {call.constituency_code}


def test_demo_ballots_carry_their_voter_key_until_publication(app, session, now, seeded):
    """Seeded like a vote through the site: keyed by the voter's email while the vote is open, the key
    erased once the results are published; so a demo voter could not add a second ballot."""
    key = voter_keys.configured_key(app.config)
    rows = session.execute(
        select(Ballot.voter_key, User.email, Ballot.call_id).join(User, User.id == Ballot.voter_id)
    ).all()
    published = set(session.scalars(select(CallResult.call_id)))
    open_rows = [(stored, email) for stored, email, call_id in rows if call_id not in published]
    assert open_rows and len(open_rows) < len(rows)
    assert all(stored == voter_keys.voter_key(voter_keys.EMAIL, email, key) for stored, email in open_rows)
    assert all(stored is None for stored, _, call_id in rows if call_id in published)


def test_published_results_equal_the_tally_engine_on_the_stored_ballots(session, now, seeded):
    results = list(session.scalars(select(CallResult)))
    assert len(results) == rules.phase_counts(OPTIONS.calls)["results"] == seeded.results
    for result in results:
        call = session.get(Call, result.call_id)
        projects = [p for p in call.proposals if p.on_ballot]
        index = {p.id: i for i, p in enumerate(projects)}
        stored = defaultdict(list)
        for public_id, proposal_id in session.execute(
            select(Ballot.public_id, BallotItem.proposal_id).join(BallotItem).where(Ballot.call_id == call.id)
        ):
            stored[public_id].append(proposal_id)
        election = Election(
            budget=call.budget_cents,
            projects=[Project(f"{p.id:08d}", p.final_cost_cents) for p in projects],
            ballots=[[index[pid] for pid in ids] for _, ids in sorted(stored.items())],
        )
        outcome = tally(election, call.rule, add_one_step=call_rules.ADD_ONE_STEP_CENTS)
        assert result.selected == [int(key) for key in outcome.selected]
        assert result.ballots == len(stored)
        assert result.ballots_digest == call_rules.ballots_digest(stored.items())
        assert result.selected  # a demo result funds something


def test_audit_has_one_event_per_seeded_call_and_the_chain_is_intact(session, seeded):
    actions = dict(session.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all())
    assert actions["demo.call_seeded"] == OPTIONS.calls
    assert actions["call.created"] == OPTIONS.calls
    assert actions["call.results_computed"] == seeded.results
    assert actions["demo.seeded"] == 1
    assert "ballot.cast" not in actions  # ballots are bulk-loaded: one event per call, not per ballot
    assert verify(session).ok


def test_demo_accounts_cannot_sign_in_and_use_reserved_addresses(session, seeded):
    users = list(session.scalars(select(User)))
    assert len(users) == seeded.users
    assert all(u.email.endswith("@example.org") and u.password_hash is None for u in users)
    assert len({u.pseudonym for u in users}) == len(users)


def test_candidates_have_received_donations_with_numbered_receipts(session, seeded):
    candidacies = list(session.scalars(select(Candidacy)))
    assert len(candidacies) == seeded.candidacies >= 2 * OPTIONS.calls
    donations = list(session.scalars(select(Donation)))
    assert len(donations) == seeded.donations > 0
    assert all(d.status == "succeeded" and d.receipt_sent_at is not None for d in donations)
    numbers = defaultdict(list)
    for d in donations:
        numbers[d.candidacy_id].append(d.receipt_number)
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in numbers.values())


def fingerprint(session) -> list:
    """The demo's content without database ids (they differ after a reset)."""
    calls = []
    for call in session.scalars(select(Call).order_by(Call.constituency_code)):
        position = {p.id: i for i, p in enumerate(call.proposals)}
        ballots = sorted(
            (b.public_id, b.receipt_hash, tuple(sorted(position[i.proposal_id] for i in b.items)))
            for b in session.scalars(select(Ballot).where(Ballot.call_id == call.id))
        )
        result = call.result
        calls.append(
            (
                call.constituency_code,
                call.title,
                call.rule,
                call.max_projects,
                str(call.voting_close_at),
                [
                    (p.title, p.category, p.estimated_cost_cents, p.final_cost_cents, p.feasibility, p.lat, p.lon)
                    for p in call.proposals
                ],
                ballots,
                [position[i] for i in result.selected] if result else None,
            )
        )
    donations = sorted(
        (d.first_name, d.last_name, d.amount_cents, d.postal_code) for d in session.scalars(select(Donation))
    )
    return [calls, donations]


def test_the_same_seed_gives_the_same_data(session, now, seeded):
    first = fingerprint(session)
    reset(session, now)
    session.commit()
    assert not has_demo_data(session)
    seed(session, now, OPTIONS)
    session.commit()
    assert fingerprint(session) == first
    reset(session, now)
    seed(session, now, SeedOptions(calls=OPTIONS.calls, voters_per_call=OPTIONS.voters_per_call, seed=12))
    assert fingerprint(session) != first


def test_seeding_twice_is_refused_and_changes_nothing(session, now, seeded):
    users = session.scalar(select(func.count()).select_from(User))
    with pytest.raises(DemoError, match="already has demo data"):
        seed(session, now, OPTIONS)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(User)) == users


def test_reset_removes_the_demo_and_keeps_other_data(session, now, seeded):
    from tests.builders import make_user

    someone = make_user(session, now, "real", "33-04")
    session.commit()
    removed = reset(session, now)
    session.commit()
    assert removed["calls"] == OPTIONS.calls and removed["ballots"] == seeded.ballots
    for model in (Call, Proposal, Ballot, BallotItem, CallResult, Candidacy, Donation):
        assert session.scalar(select(func.count()).select_from(model)) == 0, model
    assert [u.id for u in session.scalars(select(User))] == [someone.id]
    assert verify(session).ok  # the log keeps the demo's events and says it was reset
    assert session.scalar(select(func.count()).where(AuditEvent.action == "demo.reset")) == 1


def test_on_postgresql_the_seed_keeps_planner_statistics_of_its_own_uncommitted_ballots(session, now):
    """Autovacuum cannot see the seeding transaction's rows: the seed analyses them itself, and plans each
    call's tally query for that call (see demo/bulk.GrowingTables)."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("planner statistics are a PostgreSQL matter")
    report = seed(session, now, OPTIONS)
    estimated = session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'ballot'"))
    assert 0 < estimated <= report.ballots, "analysed inside the transaction, counting its own rows"
    assert session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
    session.commit()
    assert session.scalar(text("SHOW plan_cache_mode")) == "auto", "for the seeding transaction only"
