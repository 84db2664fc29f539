"""Pure hashing rules of the audit chain, so anyone can re-verify an export of it.

An event's hash is ``sha256(prev_hash + canonical_json(body))`` (hex), where the
body holds ``seq, at, actor, action, object_type, object_id, details`` and
canonical JSON is Python's ``json.dumps(body, sort_keys=True,
separators=(",", ":"), ensure_ascii=False)`` encoded in UTF-8. ``at`` is UTC
with microseconds (``2026-11-22T12:00:00.000000Z``). The first event's previous
hash is GENESIS (64 zeros). README "Verifying results and the audit log" gives
the same rules as a standalone script.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
BODY_FIELDS = ("seq", "at", "actor", "action", "object_type", "object_id", "details")
# Column widths of AuditEvent: checked before writing so PostgreSQL never truncates or fails late.
FIELD_LIMITS = {"actor": 40, "action": 60, "object_type": 40, "object_id": 60}
# Keys that announce personal data; details must describe the change, never the person.
PERSONAL_KEYS = frozenset(
    {
        "email",
        "e_mail",
        "mail",
        "display_name",
        "first_name",
        "last_name",
        "full_name",
        "given_name",
        "family_name",
        "surname",
        "address",
        "postal_address",
        "tax_address",
        "street",
        "postcode",
        "zip",
        "phone",
        "telephone",
        "iban",
        "bic",
        "birth_date",
        "date_of_birth",
        "nationality",
        "ip",
        "ip_address",
        "lat",
        "lon",
        "lng",
        "latitude",
        "longitude",
        "home_lat",
        "home_lon",
        "password",
        "receipt_code",
    }
)


class AuditDetailsError(ValueError):
    """Details that cannot go into the audit log (not plain JSON, or personal data)."""


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def clean_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Details as they will read back from the database: plain JSON, string keys, no personal keys.

    Normalising before hashing matters: a tuple comes back as a list and an int key as a
    string, and the stored event must hash exactly as it did when written.
    """
    if details is None:
        return {}
    if not isinstance(details, Mapping):
        raise AuditDetailsError("details must be a JSON object")
    _check(details, "details")
    cleaned: dict[str, Any] = json.loads(canonical_json(details))
    return cleaned


def _check(value: object, path: str) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise AuditDetailsError(f"{path}: keys must be strings, not {key!r}")
            if key.lower() in PERSONAL_KEYS:
                raise AuditDetailsError(f"{path}.{key}: personal data has no place in the audit log")
            _check(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise AuditDetailsError(f"{path}: numbers must be finite")
    elif value is not None and not isinstance(value, (str, int, bool)):
        raise AuditDetailsError(f"{path}: {type(value).__name__} is not JSON (give a string or an int)")


def utc_stamp(at: datetime) -> str:
    """The event time as hashed: UTC, microseconds. Naive datetimes are taken as UTC (SQLite reads them back so)."""
    stamp = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_body(
    seq: int, at: datetime | str, actor: str, action: str, object_type: str, object_id: str, details: dict[str, Any]
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": at if isinstance(at, str) else utc_stamp(at),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "details": details,
    }


def chain_hash(prev_hash: str, body: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the event."""
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def export_line(body: dict[str, Any], prev_hash: str, hash_: str) -> str:
    """One line of the JSON Lines export: the body plus both hashes."""
    return canonical_json({**body, "prev_hash": prev_hash, "hash": hash_})


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    broken_seq: int | None = None
    problem: str = ""
    head: str = GENESIS


def verify_chain(events: Iterable[Mapping[str, Any]]) -> Verification:
    """Walk events in seq order (mappings with the body fields, prev_hash and hash).

    Catches an edited event (its hash no longer matches), a removed or reordered one
    (seq gap or broken link) and a rewritten hash (the next link breaks). Deleting the
    newest events, or rebuilding the whole chain, is only visible against a head
    published earlier: the signed checkpoints (checkpoints.py), which
    services.verify_with_checkpoints checks.
    """
    prev, expected_seq, count = GENESIS, 1, 0
    for event in events:
        seq = event["seq"]
        if seq != expected_seq:
            return Verification(False, count, expected_seq, f"sequence {expected_seq} is missing", prev)
        if event["prev_hash"] != prev:
            return Verification(False, count, seq, "previous hash does not match", prev)
        body = event_body(*(event[f] for f in BODY_FIELDS))
        if chain_hash(prev, body) != event["hash"]:
            return Verification(False, count, seq, "hash does not match the event", prev)
        prev, expected_seq, count = event["hash"], expected_seq + 1, count + 1
    return Verification(True, count, head=prev)
