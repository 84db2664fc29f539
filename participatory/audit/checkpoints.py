"""Checkpoint documents of the audit log: what is signed, and how a document is checked.

A checkpoint is the JSON object ``{type, seq, head, at, key_id, signature}``: the log had ``seq``
events and the newest one's hash was ``head`` at time ``at`` (UTC, as in rules.utc_stamp).
``signature`` is the base64 Ed25519 signature, by the key named ``key_id``, of the canonical JSON
(rules.canonical_json, UTF-8) of the object without ``signature``. The README's standalone recipe
checks the same rules. No database here: services.py feeds the log's hashes in.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from participatory.audit.rules import canonical_json, utc_stamp
from participatory.audit.signing import PublicKey

TYPE = "participatory-audit-checkpoint/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{16}")
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def payload(seq: int, head: str, at: datetime | str, key_id: str) -> dict:
    return {
        "type": TYPE,
        "seq": seq,
        "head": head,
        "at": at if isinstance(at, str) else utc_stamp(at),
        "key_id": key_id,
    }


def message(document: Mapping) -> bytes:
    """The bytes signed: every field but the signature, canonical JSON."""
    return canonical_json({k: v for k, v in document.items() if k != "signature"}).encode("utf-8")


def documents_in(data: object) -> list:
    """The checkpoints of a file: one checkpoint, or the list /api/v1/audit/checkpoints serves."""
    if isinstance(data, Mapping) and "checkpoints" in data and "signature" not in data:
        items = data["checkpoints"]
        return list(items) if isinstance(items, list) else [items]
    return [data]


def malformed(document: object) -> str:
    """Why `document` is not a well-formed checkpoint ("" when it is)."""
    if not isinstance(document, Mapping):
        return "not a JSON object"
    expected = {"type", "seq", "head", "at", "key_id", "signature"}
    if set(document) != expected:
        return f"fields must be exactly {', '.join(sorted(expected))}"
    if document["type"] != TYPE:
        return f"type must be {TYPE}"
    seq = document["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return "seq must be a positive integer"
    for name, pattern in (("head", _HEX64), ("key_id", _KEY_ID), ("at", _STAMP)):
        if not isinstance(document[name], str) or not pattern.fullmatch(document[name]):
            return f"{name} is malformed"
    if not isinstance(document["signature"], str):
        return "signature must be base64 text"
    return ""


def signature_problem(document: Mapping, trusted: Mapping[str, PublicKey]) -> str:
    """ "" when a trusted key signed this well-formed document; otherwise what is wrong."""
    key = trusted.get(document["key_id"])
    if key is None:
        known = ", ".join(sorted(trusted)) or "none"
        return f"signed by an unknown key {document['key_id']} (trusted: {known}): not this platform's checkpoint"
    try:
        signature = base64.b64decode(document["signature"], validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    if len(signature) != 64 or not key.verify(signature, message(document)):
        return "the signature does not match: a forged or altered checkpoint"
    return ""


@dataclass(frozen=True)
class LogState:
    """What the checks need of the log: its last sequence number and the hashes at checkpointed ones."""

    last_seq: int
    hashes: Mapping[int, str]


def log_problem(document: Mapping, log: LogState) -> str:
    """ "" when the log holds the checkpointed event with the signed hash; otherwise what is missing or altered."""
    seq, signed = document["seq"], document["head"]
    if seq > log.last_seq:
        missing = f"event {seq} is" if seq == log.last_seq + 1 else f"events {log.last_seq + 1} to {seq} are"
        return f"the log ends at sequence {log.last_seq}, before this checkpoint: {missing} missing (deleted or cut)"
    found = log.hashes.get(seq)
    if found is None:
        return f"event {seq} is missing from the log (deleted)"
    if found != signed:
        return (
            f"event {seq} has hash {found[:16]}…, the checkpoint signed {signed[:16]}…: "
            "the log was rebuilt or altered up to this event"
        )
    return ""
