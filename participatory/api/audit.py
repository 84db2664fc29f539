"""/api/v1 endpoints of the audit log's signed checkpoints, and the key that verifies them.

Published so that anyone keeps copies: `flask audit verify FILE…` and the README's standalone recipe
check a log against them. OPENAPI_OPERATIONS and OPENAPI_SCHEMAS describe them in the OpenAPI document.
"""

from __future__ import annotations

import json

from flask import abort
from sqlalchemy import select

from participatory.api.caching import cached_json, cached_response
from participatory.api.openapi_blocks import SHA256, error, get_op, id_param, json_body, ref
from participatory.api.views import bp
from participatory.audit.models import AuditCheckpoint
from participatory.audit.services import checkpoint_document, checkpoint_list
from participatory.audit.signing import ALGORITHM, current_keys
from participatory.extensions import db

LIST_MAX_AGE = 300  # a new checkpoint comes with each publication and each day
ONE_MAX_AGE = 86400  # a checkpoint never changes


@bp.get("/audit/checkpoints")
def audit_checkpoints():
    documents = [checkpoint_document(c) for c in checkpoint_list(db.session)]
    return cached_json({"count": len(documents), "checkpoints": documents}, max_age=LIST_MAX_AGE)


@bp.get("/audit/checkpoints/<int:seq>.json")
def audit_checkpoint(seq: int):
    checkpoint = db.session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.seq == seq))
    if checkpoint is None:
        abort(404, description=f"no checkpoint at sequence {seq}")
    body = json.dumps(checkpoint_document(checkpoint), indent=2) + "\n"
    return cached_response(
        body, mimetype="application/json", max_age=ONE_MAX_AGE, filename=f"audit-checkpoint-{seq}.json"
    )


@bp.get("/audit/public-key")
def audit_public_key():
    keys = current_keys()
    return cached_json(
        {
            "algorithm": ALGORITHM,
            "key_id": keys.public.key_id,
            "public_key": keys.public.b64,
            "pem": keys.public.pem,
            "retired": [{"key_id": k.key_id, "public_key": k.b64} for k in keys.retired],
        },
        max_age=3600,
    )


def _openapi() -> tuple[dict, dict]:
    key_id = {"type": "string", "pattern": "^[0-9a-f]{16}$"}
    schemas = {
        "AuditCheckpoint": {
            "type": "object",
            "description": "The log had `seq` events, the newest hashing to `head`, at `at`. `signature`: base64 "
            "Ed25519 signature, by the key `key_id`, of the canonical JSON of the other fields "
            "(sorted keys, no spaces, UTF-8).",
            "required": ["type", "seq", "head", "at", "key_id", "signature"],
            "properties": {
                "type": {"const": "participatory-audit-checkpoint/1"},
                "seq": {"type": "integer", "minimum": 1},
                "head": SHA256,
                "at": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"},
                "key_id": key_id,
                "signature": {"type": "string"},
            },
        },
        "AuditCheckpointList": {
            "type": "object",
            "required": ["count", "checkpoints"],
            "properties": {
                "count": {"type": "integer", "minimum": 0},
                "checkpoints": {"type": "array", "items": ref("AuditCheckpoint")},
            },
        },
        "AuditPublicKey": {
            "type": "object",
            "required": ["algorithm", "key_id", "public_key", "pem", "retired"],
            "properties": {
                "algorithm": {"const": ALGORITHM},
                "key_id": key_id,
                "public_key": {"type": "string", "description": "base64 of the 32 raw bytes"},
                "pem": {"type": "string"},
                "retired": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["key_id", "public_key"],
                        "properties": {"key_id": key_id, "public_key": {"type": "string"}},
                    },
                },
            },
        },
    }
    operations = {
        "api.audit_checkpoints": (
            "/audit/checkpoints",
            get_op(
                "Every signed checkpoint of the audit log, oldest first",
                {"200": json_body(ref("AuditCheckpointList"), "The checkpoints")},
                tag="audit",
                description="Keep copies: `flask audit verify FILE` and the README's recipe check a log against "
                "them, so deleting or rebuilding its newest events shows.",
            ),
        ),
        "api.audit_checkpoint": (
            "/audit/checkpoints/{seq}.json",
            get_op(
                "One checkpoint, as a file to keep",
                {
                    "200": json_body(ref("AuditCheckpoint"), "The checkpoint at this sequence number"),
                    "404": error("No checkpoint at this sequence number"),
                },
                parameters=[id_param("seq")],
                tag="audit",
            ),
        ),
        "api.audit_public_key": (
            "/audit/public-key",
            get_op(
                "The Ed25519 public key that verifies the checkpoints (and retired ones)",
                {"200": json_body(ref("AuditPublicKey"), "The key")},
                tag="audit",
                description="Pin it: a key fetched from the same server as the log proves less than one kept "
                "from earlier or published elsewhere.",
            ),
        ),
    }
    return operations, schemas


OPENAPI_OPERATIONS, OPENAPI_SCHEMAS = _openapi()  # merged by openapi.py
