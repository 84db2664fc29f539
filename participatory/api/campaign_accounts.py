"""/api/v1 endpoints for published campaign accounts: categories, amounts and counts, never an identity.

OPERATIONS and SCHEMAS describe them in the OpenAPI document (merged by participatory/api/openapi.py); the
national CSV files are described in datapackage.json (participatory/api/opendata.py).
"""

from __future__ import annotations

from flask import abort

from participatory.api.caching import cached_json, cached_response
from participatory.api.openapi_blocks import error, file_body, get_op, id_param, json_body, ref
from participatory.api.views import bp
from participatory.crowdfunding import queries
from participatory.crowdfunding import rules as cf_rules
from participatory.crowdfunding.models import Candidacy
from participatory.crowdfunding.rules import campaign_account as rules
from participatory.extensions import db


@bp.get("/candidates/<int:candidacy_id>/campaign-account")
def candidate_campaign_account(candidacy_id: int):
    candidacy = db.session.get(Candidacy, candidacy_id)
    if candidacy is None or candidacy.status != cf_rules.APPROVED:
        abort(404, description="no such candidate")
    view = queries.view_of(db.session, candidacy)
    if not view.published:
        abort(404, description="campaign account not filed yet")
    return cached_json(queries.public_dict(view))


@bp.get("/national/campaign-accounts.csv")
def national_campaign_accounts_csv():
    return cached_response(
        queries.national_summary_csv(db.session), mimetype="text/csv", filename="campaign-accounts.csv"
    )


@bp.get("/national/campaign-account-lines.csv")
def national_campaign_account_lines_csv():
    return cached_response(
        queries.national_lines_csv(db.session), mimetype="text/csv", filename="campaign-account-lines.csv"
    )


def _openapi() -> tuple[dict, dict]:
    cents = {"type": "integer"}
    nullable_cents = {"type": ["integer", "null"]}
    schemas = {
        "CampaignAccountLine": {
            "type": "object",
            "required": ["kind", "section", "category", "label_fr", "label_en", "count", "amount_cents"],
            "properties": {
                "kind": {"type": "string", "enum": [rules.RECEIPT, rules.EXPENSE]},
                "section": {"type": "string", "enum": list(rules.SECTIONS)},
                "category": {"type": "string", "enum": [c.code for c in rules.CATEGORIES]},
                "label_fr": {"type": "string"},
                "label_en": {"type": "string"},
                "count": {"type": "integer"},
                "amount_cents": cents,
            },
        },
        "CampaignAccount": {
            "type": "object",
            "required": [
                "candidacy_id",
                "election_id",
                "election",
                "constituency",
                "candidate_name",
                "party",
                "currency",
                "state",
                "filed_at",
                "decision_on",
                "refund_cents",
                "receipts_cents",
                "expenses_cents",
                "balance_cents",
                "loans",
                "lines",
            ],
            "properties": {
                "candidacy_id": {"type": "integer"},
                "election_id": {"type": "integer"},
                "election": {"type": "string"},
                "constituency": {"type": "string"},
                "candidate_name": {"type": "string"},
                "party": {"type": "string"},
                "currency": {"type": "string", "enum": ["EUR"]},
                "state": {"type": "string", "enum": list(rules.PUBLISHED)},
                "filed_at": {"type": ["string", "null"], "format": "date-time"},
                "decision_on": {"type": ["string", "null"], "format": "date"},
                "refund_cents": nullable_cents,
                "receipts_cents": cents,
                "expenses_cents": cents,
                "balance_cents": cents,
                "loans": {
                    "type": "object",
                    "required": list(rules.LENDERS),
                    "properties": {lender: cents for lender in rules.LENDERS},
                },
                "lines": {"type": "array", "items": ref("CampaignAccountLine")},
            },
        },
    }
    operations = {
        "api.candidate_campaign_account": (
            "/candidates/{candidacy_id}/campaign-account",
            get_op(
                "The filed campaign account of one candidate: totals by category, loans by lender type",
                {
                    "200": json_body(ref("CampaignAccount"), "Summary, lines by category, loans by lender type"),
                    "404": error("No such candidate, or the account is not filed yet"),
                },
                parameters=[id_param("candidacy_id")],
                tag="donations",
                description="Published once the mandataire marks the account filed. Individual donors and "
                "lenders appear only in aggregates; never an identity.",
            ),
        ),
        "api.national_campaign_accounts_csv": (
            "/national/campaign-accounts.csv",
            get_op(
                "Every filed campaign account: one line per candidacy (CSV)",
                {"200": file_body("text/csv", "Summary per candidacy; aggregates only")},
                tag="open data",
            ),
        ),
        "api.national_campaign_account_lines_csv": (
            "/national/campaign-account-lines.csv",
            get_op(
                "Every filed campaign account by category (CSV)",
                {"200": file_body("text/csv", "One line per candidacy and category; aggregates only")},
                tag="open data",
            ),
        ),
    }
    return operations, schemas


OPENAPI_OPERATIONS, OPENAPI_SCHEMAS = _openapi()  # merged by openapi.py
