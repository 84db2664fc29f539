"""record / verify / export on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from participatory import clock
from participatory.audit.models import AuditEvent, PendingAuditEvent
from participatory.audit.rules import GENESIS, AuditDetailsError, verify_chain
from participatory.audit.services import (
    EventFilter,
    actor_of,
    export_lines,
    filtered_events,
    head,
    head_hash,
    pending_count,
    record,
    seal,
    verify,
)
from participatory.extensions import db


def _write(session, now, n=3, **kw):
    for i in range(n):
        record(
            session,
            now=now + timedelta(seconds=i),
            actor=kw.get("actor", "system"),
            action=kw.get("action", "call.updated"),
            object_type="call",
            object_id="33-04",
            details={"i": i, "budget_cents": 13_000_000},
        )
    session.commit()


def test_events_chain_from_genesis_and_verify(session, now):
    assert verify(session).ok and head_hash(session) == GENESIS and head(session) == (0, GENESIS)
    _write(session, now)
    events = list(session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)))
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    result = verify(session)
    assert result.ok and result.events == 3 and result.head == events[-1].hash == head_hash(session)


def test_hash_survives_the_database_round_trip_for_any_timezone_and_details(session):
    paris = timezone(timedelta(hours=1))
    record(
        session,
        now=datetime(2026, 11, 22, 13, 0, 0, 123456, tzinfo=paris),
        actor="system",
        action="result.computed",
        object_type="call",
        object_id=33,
        details={"selected": ("p1", "p2"), "label": "Été à Bègles"},
    )
    session.commit()
    session.expire_all()
    event = session.scalar(sa.select(AuditEvent))
    assert event.object_id == "33" and event.details == {"selected": ["p1", "p2"], "label": "Été à Bègles"}
    assert verify(session).ok


def test_event_rolls_back_with_the_change(session, now):
    _write(session, now, n=1)
    record(session, now=now, actor="system", action="call.updated", object_type="call", object_id="x", details={})
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 1
    assert verify(session).ok


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"details": {"email": "someone@example.test"}}, "personal data"),
        ({"object_id": "x" * 61}, "object_id"),
        ({"action": ""}, "action"),
    ],
)
def test_record_refuses_bad_events_and_writes_nothing(session, now, kwargs, message):
    base = dict(now=now, actor="system", action="call.updated", object_type="call", object_id="33-04", details={})
    with pytest.raises(AuditDetailsError, match=message):
        record(session, **(base | kwargs))
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_actor_of_uses_the_pseudonym_never_the_person():
    class Person:
        pseudonym = "u_0123456789abcdef"
        email = "ann@example.test"

    assert actor_of(Person()) == "u_0123456789abcdef"
    assert actor_of(None) == "system"


def test_updates_are_refused_by_the_database(session, now):
    _write(session, now, n=1)
    with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_event SET action = 'x' WHERE seq = 1"))


@pytest.mark.parametrize(
    "sql, broken",
    [
        ("UPDATE audit_event SET details = :v WHERE seq = 2", 2),
        ("UPDATE audit_event SET actor = 'u_forged' WHERE seq = 3", 3),
        ("DELETE FROM audit_event WHERE seq = 2", 2),
    ],
)
def test_tampering_with_raw_sql_is_detected_at_that_event(session, now, tamper, sql, broken):
    _write(session, now, n=4)
    with tamper() as conn:
        conn.execute(sa.text(sql), {"v": json.dumps({"i": 1, "budget_cents": 1})})
    session.expire_all()
    result = verify(session)
    assert not result.ok and result.broken_seq == broken


def test_a_rewritten_hash_breaks_the_next_link(session, now, tamper):
    _write(session, now, n=3)
    with tamper() as conn:
        conn.execute(sa.text("UPDATE audit_event SET details = '{}', hash = :h WHERE seq = 2"), {"h": "a" * 64})
    result = verify(session)
    assert not result.ok and result.broken_seq == 2  # own hash wrong; fixing it would break seq 3


def test_export_lines_verify_on_their_own(session, now):
    _write(session, now, n=5)
    events = [json.loads(line) for line in export_lines(session)]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert verify_chain(events).ok and verify_chain(events).head == head_hash(session)
    events[3]["details"]["i"] = 42
    assert verify_chain(events).broken_seq == 4


def test_filtered_events(session, now):
    _write(session, now, n=3, action="call.updated")
    _write(session, now + timedelta(days=2), n=2, action="ballot.cast", actor="u_aaaa")
    events, total = filtered_events(session, EventFilter(action="ballot.cast"), page=1, per_page=10)
    assert total == 2 and [e.seq for e in events] == [5, 4]
    events, total = filtered_events(session, EventFilter(since=now + timedelta(days=1)), page=1, per_page=1)
    assert total == 2 and [e.seq for e in events] == [5]
    events, total = filtered_events(
        session, EventFilter(until=now + timedelta(days=1), object_id="33-04"), page=2, per_page=2
    )
    assert total == 3 and [e.seq for e in events] == [1]
    assert filtered_events(session, EventFilter(actor="u_aaaa"), page=1, per_page=10)[1] == 2


@pytest.mark.postgres_only
def test_concurrent_appends_never_fork_the_chain(app_ctx, now):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency of the advisory lock is a PostgreSQL matter")
    engine, writers, per_writer = db.engine, 8, 5
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            barrier.wait()
            for i in range(per_writer):
                with Session(engine) as s, s.begin():
                    record(
                        s,
                        now=clock.now(),
                        actor="system",
                        action="test.append",
                        object_type="writer",
                        object_id=str(k),
                        details={"i": i},
                    )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with Session(db.engine) as s:
        seqs = list(s.scalars(sa.select(AuditEvent.seq).order_by(AuditEvent.seq)))
        assert seqs == list(range(1, writers * per_writer + 1))
        assert verify(s).ok


# --- deferred events (ballots): written beside the chain, chained by seal -----------------------------------


def _defer(session, now, n, start=0):
    for i in range(start, start + n):
        record(
            session,
            now=now + timedelta(seconds=i),
            actor=f"u_{i:04d}",
            action="ballot.cast",
            object_type="call",
            object_id="7",
            details={"call": 7},
            deferred=True,
        )
    session.commit()


def _chained(session) -> list[tuple[int, str]]:
    return [(e.seq, e.actor) for e in session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq))]


def test_deferred_events_wait_beside_the_chain_until_seal_chains_them_oldest_first(session, now):
    _defer(session, now, 3)
    assert _chained(session) == [] and pending_count(session) == 3 and head(session) == (0, GENESIS)
    assert seal(session) == 3
    session.commit()
    assert _chained(session) == [(1, "u_0000"), (2, "u_0001"), (3, "u_0002")]
    assert pending_count(session) == 0 and verify(session).ok
    assert seal(session) == 0, "nothing left: sealing again changes nothing"
    # Hashed exactly as a direct record would have: the time round-trips through the pending table.
    stored = session.scalar(sa.select(AuditEvent).where(AuditEvent.seq == 2))
    assert stored.at.astimezone(UTC) == now + timedelta(seconds=1) and stored.details == {"call": 7}


def test_seal_takes_at_most_a_batch_per_call(session, now):
    _defer(session, now, 5)
    assert seal(session, batch=2) == 2 and seal(session, batch=2) == 2 and seal(session, batch=2) == 1
    session.commit()
    assert [actor for _, actor in _chained(session)] == [f"u_{i:04d}" for i in range(5)] and verify(session).ok


def test_a_chained_event_first_seals_the_pending_ones_so_ballots_come_before_the_results(session, now):
    _defer(session, now, 2)
    record(
        session,
        now=now + timedelta(minutes=5),
        actor="system",
        action="call.results_computed",
        object_type="call",
        object_id="7",
        details={"ballots": 2},
    )
    session.commit()
    assert _chained(session) == [(1, "u_0000"), (2, "u_0001"), (3, "system")] and pending_count(session) == 0


def test_deferred_events_are_checked_like_the_others_and_a_refused_one_leaves_nothing(session, now):
    with pytest.raises(AuditDetailsError):
        record(
            session,
            now=now,
            actor="u_x",
            action="ballot.cast",
            object_type="call",
            object_id="7",
            details={"email": "ana@example.org"},
            deferred=True,
        )
    session.rollback()
    assert pending_count(session) == 0


@pytest.mark.postgres_only
def test_concurrent_deferred_writers_and_sealers_chain_every_event_exactly_once(app_ctx, now):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency of the advisory lock is a PostgreSQL matter")
    engine, writers, per_writer, sealers = db.engine, 6, 20, 3
    barrier = threading.Barrier(writers + sealers + 1)
    errors: list[BaseException] = []
    done = threading.Event()

    def write(k: int) -> None:
        try:
            barrier.wait()
            for i in range(per_writer):
                with Session(engine) as s, s.begin():
                    record(
                        s,
                        now=clock.now(),
                        actor=f"u_{k}",
                        action="ballot.cast",
                        object_type="call",
                        object_id=str(k),
                        details={"i": i},
                        deferred=True,
                    )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def sealer() -> None:
        try:
            barrier.wait()
            while not done.is_set():
                with Session(engine) as s, s.begin():
                    seal(s, batch=7)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def write_chained() -> None:  # other services' events, chained at once between the ballots
        try:
            barrier.wait()
            for i in range(per_writer):
                with Session(engine) as s, s.begin():
                    record(
                        s,
                        now=clock.now(),
                        actor="system",
                        action="call.updated",
                        object_type="call",
                        object_id="chained",
                        details={"i": i},
                    )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(writers)]
    threads.append(threading.Thread(target=write_chained))
    sealing = [threading.Thread(target=sealer) for _ in range(sealers)]
    for t in threads + sealing:
        t.start()
    for t in threads:
        t.join()
    done.set()
    for t in sealing:
        t.join()
    assert not errors
    with Session(engine) as s, s.begin():
        seal(s, batch=None)
    with Session(engine) as s:
        events = list(
            s.execute(sa.select(AuditEvent.seq, AuditEvent.object_id, AuditEvent.details).order_by(AuditEvent.seq))
        )
        assert [e.seq for e in events] == list(range(1, (writers + 1) * per_writer + 1))
        assert sorted((e.object_id, e.details["i"]) for e in events) == sorted(
            (k, i) for k in [*map(str, range(writers)), "chained"] for i in range(per_writer)
        ), "each once, none lost"
        assert verify(s).ok and pending_count(s) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(PendingAuditEvent)) == 0
