"""The hashing rules of the audit chain, table-tested: they are a public contract."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from participatory.audit.rules import (
    GENESIS,
    AuditDetailsError,
    canonical_json,
    chain_hash,
    clean_details,
    event_body,
    utc_stamp,
    verify_chain,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        ({"b": 1, "a": 2}, '{"a":2,"b":1}'),  # keys sorted
        ({"a": [1, 2, {"d": 0, "c": None}]}, '{"a":[1,2,{"c":null,"d":0}]}'),  # nested, no spaces
        ({"name": "Châtelet – été"}, '{"name":"Châtelet – été"}'),  # UTF-8 as is, not \\u escapes
        ({"ok": True, "n": -5}, '{"n":-5,"ok":true}'),
        ({}, "{}"),
        ('x"y', '"x\\"y"'),
    ],
)
def test_canonical_json(value, expected):
    assert canonical_json(value) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {"x": float("-inf")}])
def test_canonical_json_refuses_non_finite_numbers(value):
    with pytest.raises(ValueError):
        canonical_json(value)


@pytest.mark.parametrize(
    "at, expected",
    [
        (datetime(2026, 11, 22, 12, 0, tzinfo=UTC), "2026-11-22T12:00:00.000000Z"),
        (datetime(2026, 11, 22, 13, 0, 0, 5, tzinfo=timezone(timedelta(hours=1))), "2026-11-22T12:00:00.000005Z"),
        (datetime(2026, 11, 22, 12, 0), "2026-11-22T12:00:00.000000Z"),  # naive = UTC (SQLite reads back so)
    ],
)
def test_times_are_hashed_in_utc_with_microseconds(at, expected):
    assert utc_stamp(at) == expected


@pytest.mark.parametrize(
    "details, expected",
    [
        (None, {}),
        ({"ids": (1, 2)}, {"ids": [1, 2]}),  # what the JSON column gives back
        ({"amount_cents": 5000, "state": "paid"}, {"amount_cents": 5000, "state": "paid"}),
        ({"nested": {"rule": "greedy", "selected": ["p1"]}}, {"nested": {"rule": "greedy", "selected": ["p1"]}}),
    ],
)
def test_clean_details_normalises_to_what_reads_back(details, expected):
    assert clean_details(details) == expected


@pytest.mark.parametrize(
    "details, message",
    [
        ({"email": "a@b.fr"}, "personal data"),
        ({"voter": {"Display_Name": "Ann"}}, "personal data"),
        ({"points": [{"lat": 44.8}]}, "personal data"),
        ({1: "x"}, "keys must be strings"),
        ({"at": datetime(2026, 1, 1, tzinfo=UTC)}, "not JSON"),
        ({"x": float("nan")}, "finite"),
        (["not", "an", "object"], "JSON object"),
    ],
)
def test_clean_details_refuses(details, message):
    with pytest.raises(AuditDetailsError, match=message):
        clean_details(details)


def test_chain_hash_is_sha256_of_previous_hash_and_canonical_body():
    body = event_body(1, datetime(2026, 11, 22, 12, tzinfo=UTC), "system", "call.created", "call", "33-04", {"b": 1})
    expected_text = GENESIS + (
        '{"action":"call.created","actor":"system","at":"2026-11-22T12:00:00.000000Z",'
        '"details":{"b":1},"object_id":"33-04","object_type":"call","seq":1}'
    )
    assert chain_hash(GENESIS, body) == hashlib.sha256(expected_text.encode()).hexdigest()


def _chain(n: int) -> list[dict]:
    events, prev = [], GENESIS
    for seq in range(1, n + 1):
        body = event_body(seq, f"2026-11-22T12:00:0{seq}.000000Z", "system", "x.done", "x", str(seq), {"i": seq})
        digest = chain_hash(prev, body)
        events.append({**body, "prev_hash": prev, "hash": digest})
        prev = digest
    return events


def _edit(events, index, **changes):
    return [dict(e, **changes) if i == index else e for i, e in enumerate(events)]


@pytest.mark.parametrize(
    "tamper, broken_seq, problem",
    [
        (lambda ev: ev, None, ""),
        (lambda ev: _edit(ev, 2, details={"i": 99}), 3, "hash does not match"),
        (lambda ev: _edit(ev, 0, actor="u_someone"), 1, "hash does not match"),
        (lambda ev: ev[:1] + ev[2:], 2, "missing"),  # removed from the middle
        (lambda ev: ev[1:], 1, "missing"),  # removed from the start
        (lambda ev: [ev[0], ev[2], ev[1], ev[3]], 2, "missing"),  # reordered
        (lambda ev: _edit(ev, 1, hash="f" * 64), 2, "hash does not match"),
        (lambda ev: _edit(ev, 1, prev_hash="f" * 64), 2, "previous hash"),
    ],
)
def test_verify_chain_names_the_first_broken_event(tamper, broken_seq, problem):
    result = verify_chain(tamper(_chain(4)))
    assert result.ok == (broken_seq is None)
    assert result.broken_seq == broken_seq
    assert problem in result.problem


def test_verify_chain_reports_the_head():
    events = _chain(3)
    assert verify_chain(events).head == events[-1]["hash"]
    assert verify_chain([]).head == GENESIS and verify_chain([]).ok
