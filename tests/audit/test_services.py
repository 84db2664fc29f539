"""record / verify / export on a real database (SQLite, and PostgreSQL when configured)."""
from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from participatory.audit.models import AuditEvent
from participatory.audit.rules import GENESIS, AuditDetailsError, verify_chain
from participatory.audit.services import (
    EventFilter,
    actor_of,
    export_lines,
    filtered_events,
    head,
    head_hash,
    record,
    verify,
)
from participatory.extensions import db


def _write(session, now, n=3, **kw):
    for i in range(n):
        record(session, now=now + timedelta(seconds=i), actor=kw.get("actor", "system"),
               action=kw.get("action", "call.updated"), object_type="call", object_id="33-04",
               details={"i": i, "budget_cents": 13_000_000})
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
    record(session, now=datetime(2026, 11, 22, 13, 0, 0, 123456, tzinfo=paris), actor="system",
           action="result.computed", object_type="call", object_id=33,
           details={"selected": ("p1", "p2"), "label": "Été à Bègles"})
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


@pytest.mark.parametrize("kwargs, message", [
    ({"details": {"email": "someone@example.test"}}, "personal data"),
    ({"object_id": "x" * 61}, "object_id"),
    ({"action": ""}, "action"),
])
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
    with pytest.raises(sa.exc.DBAPIError):
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_event SET action = 'x' WHERE seq = 1"))


@pytest.mark.parametrize("sql, broken", [
    ("UPDATE audit_event SET details = :v WHERE seq = 2", 2),
    ("UPDATE audit_event SET actor = 'u_forged' WHERE seq = 3", 3),
    ("DELETE FROM audit_event WHERE seq = 2", 2),
])
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
    events, total = filtered_events(session, EventFilter(until=now + timedelta(days=1), object_id="33-04"),
                                    page=2, per_page=2)
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
                    record(s, now=datetime.now(UTC), actor="system", action="test.append", object_type="writer",
                           object_id=str(k), details={"i": i})
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
