"""/api/v1 endpoints for donations: aggregates only, never a donor's identity.

OPENAPI_OPERATIONS and OPENAPI_SCHEMAS describe them in the OpenAPI document (merged by participatory/api/openapi.py).
"""

from __future__ import annotations

from flask import abort

from participatory.api.caching import cached_json, cached_response
from participatory.api.openapi_blocks import error, file_body, get_op, id_param, json_body, ref
from participatory.api.views import bp
from participatory.crowdfunding import rules
from participatory.crowdfunding.models import Candidacy
from participatory.crowdfunding.services import opendata
from participatory.extensions import db


@bp.get("/candidates/<int:candidacy_id>/donations/summary")
def candidate_donations_summary(candidacy_id: int):
    candidacy = db.session.get(Candidacy, candidacy_id)
    if candidacy is None or candidacy.status != rules.APPROVED:
        abort(404, description="no such candidate")
    return cached_json(opendata.summary_dict(candidacy, opendata.candidacy_summary(db.session, candidacy.id)))


@bp.get("/national/donations.csv")
def national_donations_csv():
    return cached_response(opendata.national_csv(db.session), mimetype="text/csv", filename="donations.csv")


def _openapi() -> tuple[dict, dict]:
    count = {"type": "integer", "minimum": 0}
    schemas = {
        "DonationSummary": {
            "type": "object",
            "required": [
                "candidacy_id",
                "election_id",
                "election",
                "constituency",
                "candidate_name",
                "party",
                "currency",
                "donations",
                "donors",
                "total_cents",
                "median_cents",
                "distribution",
            ],
            "properties": {
                "candidacy_id": {"type": "integer"},
                "election_id": {"type": "integer"},
                "election": {"type": "string"},
                "constituency": {"type": "string"},
                "candidate_name": {"type": "string"},
                "party": {"type": "string"},
                "currency": {"type": "string", "enum": ["EUR"]},
                "donations": count,
                "donors": count,
                "total_cents": count,
                "median_cents": {"type": ["integer", "null"]},
                "distribution": {
                    "type": "object",
                    "required": ["le_50_eur", "le_150_eur", "le_1000_eur", "over_1000_eur"],
                    "properties": {k: count for k in ("le_50_eur", "le_150_eur", "le_1000_eur", "over_1000_eur")},
                },
            },
        }
    }
    operations = {
        "api.candidate_donations_summary": (
            "/candidates/{candidacy_id}/donations/summary",
            get_op(
                "Donations received by one candidate: aggregates only",
                {
                    "200": json_body(ref("DonationSummary"), "Count, donors, total, median and distribution"),
                    "404": error("No such candidate (or not approved)"),
                },
                parameters=[id_param("candidacy_id")],
                tag="donations",
                description="Received donations (succeeded, or refund requested but not yet refunded); "
                "no donor identity, ever.",
            ),
        ),
        "api.national_donations_csv": (
            "/national/donations.csv",
            get_op(
                "Donation aggregates of every approved candidate (CSV)",
                {"200": file_body("text/csv", "One line per candidacy; aggregates only")},
                tag="open data",
            ),
        ),
    }
    return operations, schemas


OPENAPI_OPERATIONS, OPENAPI_SCHEMAS = _openapi()  # merged by openapi.py
