"""Pure hashing rules of the audit chain, so anyone can re-verify an export of it."""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

GENESIS = "0" * 64


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_body(seq: int, at: datetime, actor: str, action: str, object_type: str, object_id: str, details: dict) -> dict:
    stamp = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    return {
        "seq": seq,
        "at": stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "details": details,
    }


def chain_hash(prev_hash: str, body: dict) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the event."""
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()
