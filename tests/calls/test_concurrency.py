"""Concurrency on PostgreSQL: real threads, each with its own connection, released together by a barrier."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from participatory import clock
from participatory.calls import rules
from participatory.calls.errors import CallError
from participatory.calls.models import Ballot, BallotItem, CallResult
from participatory.calls.services import ballots, results
from participatory.extensions import db
from tests.calls import builders

pytestmark = pytest.mark.postgres_only


@pytest.fixture(autouse=True)
def _postgres_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("concurrency guarantees are checked on PostgreSQL")


def run_together(app, count: int, work) -> list:
    """Run work(session, i) in `count` threads with their own sessions; return results or exceptions."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def worker(i: int) -> None:
        with app.app_context(), Session(db.engine) as session:
            try:
                barrier.wait()
                outcomes[i] = work(session, i)
                session.commit()
            except Exception as exc:  # noqa: BLE001 - reported to the test
                session.rollback()
                outcomes[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_twenty_concurrent_submissions_by_one_voter_leave_one_ballot(app, session):
    now = clock.now()
    call = builders.call(session, now, rules.VOTING, max_projects=1)
    projects = [builders.proposal(session, now, call, cost=1_000_00) for _ in range(20)]
    voter = builders.user(session, now)
    session.commit()
    call_id, voter_id, ids = call.id, voter.id, [p.id for p in projects]

    def submit(s, i):
        from participatory.accounts.models import User

        return ballots.cast(s, s.get(User, voter_id), now, call_id, [ids[i]]).code

    outcomes = run_together(app, 20, submit)
    assert all(isinstance(o, str) for o in outcomes), [o for o in outcomes if not isinstance(o, str)]
    session.expire_all()
    [ballot] = session.scalars(select(Ballot).where(Ballot.call_id == call_id)).all()
    assert len(ballot.items) == 1  # the last submission's choice, whole
    winner = [code for code in outcomes if rules.receipt_hash(code) == ballot.receipt_hash]
    assert len(winner) == 1 and ballot.proposal_ids == [ids[outcomes.index(winner[0])]]


def test_first_submissions_racing_never_refuse_a_voter(app, session, monkeypatch):
    """Each voter's first ballot sent from several tabs at once, the upserts released together: PostgreSQL
    checks the (call, account) constraint apart from ON CONFLICT's (call, voter key), so without the
    per-person lock some ended in a unique violation, told to the voter as "voter_key_changed" (a race of
    microseconds inside the server: without the lock, five runs in six failed here; with it, none)."""
    now = clock.now()
    call = builders.call(session, now, rules.VOTING, max_projects=1)
    projects = [builders.proposal(session, now, call, cost=1_000_00) for _ in range(4)]
    voters = [builders.user(session, now) for _ in range(16)]
    session.commit()
    call_id, ids, voter_ids = call.id, [p.id for p in projects], [v.id for v in voters]
    tabs = 8
    store = ballots._store

    for voter_id in voter_ids:
        at_upsert = threading.Barrier(tabs)

        def together(*args, at_upsert=at_upsert):
            at_upsert.wait(30)  # every tab has read the call and checked its choice: now they race
            return store(*args)

        monkeypatch.setattr(ballots, "_store", together)

        def submit(s, i, voter_id=voter_id):
            from participatory.accounts.models import User

            return ballots.cast(s, s.get(User, voter_id), now, call_id, [ids[i % 4]]).code

        outcomes = run_together(app, tabs, submit)
        assert all(isinstance(o, str) for o in outcomes), [o for o in outcomes if not isinstance(o, str)]
    session.expire_all()
    stored = session.scalars(select(Ballot.voter_id).where(Ballot.call_id == call_id)).all()
    assert sorted(stored) == sorted(voter_ids)


def test_concurrent_casts_by_two_accounts_of_one_person_leave_one_ballot(app, session):
    """Two live accounts whose addresses are two spellings of one mailbox (Unicode and IDNA domain)
    share a voter key: their submissions race on the unique (call_id, voter_key) and one ballot is left."""
    now = clock.now()
    call = builders.call(session, now, rules.VOTING, max_projects=1)
    projects = [builders.proposal(session, now, call, cost=1_000_00) for _ in range(20)]
    accounts = [
        builders.user(session, now, email="anne@élysée.fr"),
        builders.user(session, now, email="anne@xn--lyse-9oad.fr"),
    ]
    session.commit()
    call_id, account_ids, ids = call.id, [a.id for a in accounts], [p.id for p in projects]

    def submit(s, i):
        from participatory.accounts.models import User

        return ballots.cast(s, s.get(User, account_ids[i % 2]), now, call_id, [ids[i]]).code

    outcomes = run_together(app, 20, submit)
    assert all(isinstance(o, str) for o in outcomes), [o for o in outcomes if not isinstance(o, str)]
    session.expire_all()
    [ballot] = session.scalars(select(Ballot).where(Ballot.call_id == call_id)).all()
    [winner] = [i for i, code in enumerate(outcomes) if rules.receipt_hash(code) == ballot.receipt_hash]
    # The last submission to commit, whole: its choice and its account.
    assert ballot.proposal_ids == [ids[winner]] and ballot.voter_id == account_ids[winner % 2]


def test_concurrent_voters_are_all_counted(app, session):
    now = clock.now()
    call = builders.call(session, now, rules.VOTING)
    project = builders.proposal(session, now, call)
    voters = [builders.user(session, now) for _ in range(20)]
    session.commit()
    call_id, pid, voter_ids = call.id, project.id, [v.id for v in voters]

    def submit(s, i):
        from participatory.accounts.models import User

        return ballots.cast(s, s.get(User, voter_ids[i]), now, call_id, [pid]).code

    outcomes = run_together(app, 20, submit)
    assert all(isinstance(o, str) for o in outcomes), outcomes
    session.expire_all()
    assert session.query(Ballot).filter_by(call_id=call_id).count() == 20
    assert session.query(BallotItem).count() == 20


def test_concurrent_closers_compute_once(app, session):
    now = clock.now()
    call = builders.call(session, now, rules.VOTING)
    project = builders.proposal(session, now, call)
    for _ in range(3):
        ballots.cast(session, builders.user(session, now), now, call.id, [project.id])
    builders.move_to(session, call, rules.RESULTS, now)
    session.commit()
    call_id = call.id

    outcomes = run_together(app, 8, lambda s, i: results.close_call(s, call_id, now).id)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len(set(outcomes)) == 1
    session.expire_all()
    assert session.query(CallResult).count() == 1
    from participatory.audit.models import AuditEvent

    assert session.query(AuditEvent).filter_by(action="call.results_computed").count() == 1


def test_a_ballot_racing_the_close_is_either_counted_or_refused(app, session):
    """Voting closes at `close`; ballots stamped just before it race the closer: none may be left uncounted."""
    now = clock.now()
    call = builders.call(session, now, rules.RESULTS)
    project = builders.proposal(session, now, call)
    voters = [builders.user(session, now) for _ in range(16)]
    session.commit()
    before_close = (
        rules.aware(call.voting_close_at).replace(microsecond=0)
        - (rules.aware(call.voting_close_at) - rules.aware(call.voting_open_at)) / 2
    )
    call_id, pid, voter_ids = call.id, project.id, [v.id for v in voters]

    def work(s, i):
        from participatory.accounts.models import User

        if i == 0:
            return results.close_call(s, call_id, now)
        return ballots.cast(s, s.get(User, voter_ids[i]), before_close, call_id, [pid])

    outcomes = run_together(app, 10, work)
    accepted = [o for o in outcomes[1:] if isinstance(o, ballots.Receipt)]
    refused = [o for o in outcomes[1:] if isinstance(o, CallError)]
    assert len(accepted) + len(refused) == 9, outcomes
    session.expire_all()
    result = session.scalars(select(CallResult)).one()
    assert result.ballots == len(accepted) == session.query(Ballot).count()


def test_editors_racing_to_move_a_running_vote_never_shorten_it(app, session):
    """Eight editors load the call, then each moves the close to its own later date at once: without the
    row lock, one judged against stale dates could put back an earlier close than one already committed."""
    from datetime import timedelta

    from participatory.accounts.models import User
    from participatory.audit.models import AuditEvent
    from participatory.calls.models import Call
    from participatory.calls.services.calls import CallSettings, update_call

    now = clock.now()
    call = builders.call(session, now, rules.VOTING)
    mp = builders.mp(session, now)
    session.commit()
    call_id, mp_id, close = call.id, mp.id, rules.aware(call.voting_close_at)
    wanted = [close + timedelta(days=d) for d in (5, 1, 7, 2, 8, 3, 6, 4)]
    loaded = threading.Barrier(len(wanted))
    outcomes: list = [None] * len(wanted)

    def worker(i: int) -> None:
        with app.app_context(), Session(db.engine) as s:
            try:
                target = s.get(Call, call_id)
                settings = CallSettings(**(CallSettings.of(target).__dict__ | {"voting_close_at": wanted[i]}))
                loaded.wait()  # everyone holds the same (soon stale) dates
                outcomes[i] = update_call(s, s.get(User, mp_id), now, target, settings).id
                s.commit()
            except Exception as exc:  # noqa: BLE001 - reported to the test
                s.rollback()
                outcomes[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(wanted))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    refused = [o for o in outcomes if isinstance(o, CallError)]
    assert all(o.code == "voting_shortened" for o in refused), outcomes
    assert all(o == call_id or isinstance(o, CallError) for o in outcomes), outcomes
    session.expire_all()
    assert rules.aware(session.get(Call, call_id).voting_close_at) == max(wanted)
    # The history is a chain: each change starts from the close the previous one set, always later.
    moves = [
        e.details["dates"]["voting_close_at"]
        for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "call.rescheduled").order_by(AuditEvent.seq)
        )
    ]
    assert len(moves) == len(wanted) - len(refused) >= 1
    assert moves[0]["old"] == close.isoformat()
    assert all(a["new"] == b["old"] for a, b in zip(moves, moves[1:], strict=False))
    assert all(m["new"] > m["old"] for m in moves)
