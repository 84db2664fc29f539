"""OpenAPI operations and schemas of calls, exports, donations and the national open data."""

from __future__ import annotations

from participatory.api.openapi_blocks import CODE_PARAM, SHA256, error, file_body, get_op, json_body, ref
from participatory.calls.exports import FILES

YEAR_PARAM = {
    "name": "year",
    "in": "query",
    "required": False,
    "description": "Edition of the call (default: the latest with published results).",
    "schema": {"type": "integer", "minimum": 2000, "maximum": 2100},
}
NOT_PUBLISHED = error("No such call, or its results are not published yet")
BAD_YEAR = error("Invalid year")

NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_NUM = {"type": ["number", "null"]}
PHASE = {"type": "string", "enum": ["upcoming", "proposals", "review", "voting", "results"]}
RULE = {"type": "string", "enum": ["greedy", "equal-shares", "equal-shares-completed"]}
UTC_TIME = {"type": "string", "format": "date-time"}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "required": required if required is not None else list(properties),
        "properties": properties,
    }


OUTCOME = {  # one project's line in the results (what the tally engine explains)
    "cost_cents": {"type": "integer"},
    "votes": {"type": "integer"},
    "selected": {"type": "boolean"},
    "reason": {"type": ["string", "null"], "enum": ["did_not_fit", "not_affordable", None]},
    "stage": NULLABLE_STR,
    "round": NULLABLE_INT,
    "max_payment_cents": NULLABLE_NUM,
    "position": NULLABLE_INT,
}
SCHEMAS: dict[str, dict] = {
    "CallSummary": _object(
        {
            "code": {"type": "string"},
            "id": {"type": "integer"},
            "year": {"type": "integer"},
            "title": {"type": "string"},
            "phase": PHASE,
            "budget_cents": {"type": "integer"},
            "proposals": {"type": "integer"},
            "ballots": {"type": "integer"},
            "registered_voters": {"type": "integer"},
            "participation": {"type": "number"},
            "url": {"type": "string"},
        }
    ),
    "CallList": _object({"count": {"type": "integer"}, "calls": {"type": "array", "items": ref("CallSummary")}}),
    "Proposal": _object(
        {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "category": {"type": "string"},
            "estimated_cost_cents": {"type": "integer"},
            "final_cost_cents": NULLABLE_INT,
            "feasibility": {"type": ["string", "null"]},
            "review_reason": NULLABLE_STR,
            "lat": {**NULLABLE_NUM, "description": "Site of the project (not a person's address)"},
            "lon": NULLABLE_NUM,
        }
    ),
    "Call": _object(
        {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "year": {"type": "integer"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "phase": PHASE,
            "budget_cents": {"type": "integer"},
            "dates": _object(
                {k: UTC_TIME for k in ("proposals_open_at", "review_open_at", "voting_open_at", "voting_close_at")}
            ),
            "ballot_rules": _object(
                {"min_projects": {"type": "integer"}, "max_projects": NULLABLE_INT, "knapsack": {"type": "boolean"}}
            ),
            "rule": RULE,
            "verification_level": {"type": "string"},
            "ballots": {"type": "integer"},
            "registered_voters": {"type": "integer"},
            "participation": {"type": "number"},
            "proposals": {"type": "array", "items": ref("Proposal")},
            "results_url": NULLABLE_STR,
        }
    ),
    "ProjectResult": _object(
        {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "category": NULLABLE_STR,
            **OUTCOME,
            "lat": NULLABLE_NUM,
            "lon": NULLABLE_NUM,
        }
    ),
    "Results": _object(
        {
            "call_id": {"type": "integer"},
            "code": {"type": "string"},
            "year": {"type": "integer"},
            "rule": RULE,
            "engine_version": {"type": "string"},
            "ballots_digest": SHA256,
            "computed_at": UTC_TIME,
            "winners": {"type": "array", "items": ref("ProjectResult")},
            "projects": {"type": "array", "items": ref("ProjectResult")},
            "budget_cents": {"type": "integer"},
            "spent_cents": {"type": "integer"},
            "left_cents": {"type": "integer"},
            "ballots": {"type": "integer"},
            "registered_voters": {"type": "integer"},
            "participation": {"type": "number"},
            "other_rules": {
                "type": "object",
                "additionalProperties": _object(
                    {"selected": {"type": "array", "items": {"type": "integer"}}, "spent_cents": {"type": "number"}}
                ),
            },
            "tie_break": {"type": "string"},
        }
    ),
}


def _operations() -> dict[str, tuple[str, dict]]:
    return {
        "api.calls_index": (
            "/calls",
            get_op(
                "Every constituency's latest call",
                {
                    "200": json_body(ref("CallList"), "Calls by constituency code"),
                    "400": error("Unknown phase"),
                },
                parameters=[{"name": "phase", "in": "query", "required": False, "schema": PHASE}],
                tag="calls",
            ),
        ),
        "api.call": (
            "/calls/{code}",
            get_op(
                "A constituency's latest call with its public proposals",
                {
                    "200": json_body(ref("Call"), "The call"),
                    "404": error("No call in this constituency"),
                },
                parameters=[CODE_PARAM],
                tag="calls",
            ),
        ),
        "api.call_results": (
            "/calls/{code}/results",
            get_op(
                "The published results of a constituency's latest call",
                {
                    "200": json_body(ref("Results"), "Winners, every project's outcome, totals, other rules"),
                    "404": error("No call, or voting has not closed"),
                },
                parameters=[CODE_PARAM],
                tag="calls",
                description="Recompute them from /calls/{code}/results.pb; see /calls/{code}/exports/manifest.json.",
            ),
        ),
        "api.call_export": (
            "/calls/{code}/exports/{name}",
            get_op(
                "One file of a call's verifiable export",
                {
                    "200": {
                        "description": "The file (see manifest.json for the SHA-256 of each)",
                        "headers": json_body({}, "")["headers"],
                        "content": {
                            "application/json": {"schema": {}},
                            "text/csv": {"schema": {"type": "string"}},
                            "text/plain": {"schema": {"type": "string"}},
                            "text/html": {"schema": {"type": "string"}},
                            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                    "400": BAD_YEAR,
                    "404": NOT_PUBLISHED,
                },
                parameters=[
                    CODE_PARAM,
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": list(FILES)}},
                    YEAR_PARAM,
                ],
                tag="exports",
                description=(
                    "results.json / results.csv: the outcome project by project; proposals.csv: every proposal "
                    "(authors never named); ballots.pb: the counted ballots in pabulib format under random per-call "
                    "voter ids (no receipt hash: a receipt proves inclusion, never content); receipts.txt: the sorted "
                    "SHA-256 of the counted ballots' receipt codes; explanations.json: how the rule spent the "
                    "budget (equal shares' rounds in exact fractions, the completion, why each other project stayed "
                    "out) and every rule's fairness figures; report.html / report.pdf: a report to keep, in French, "
                    "with the SHA-256 of the data files; manifest.json: SHA-256 of every file, rule, "
                    "engine version, ballots digest and the results' audit event. Stored at publication and served "
                    "byte for byte ever after; their hashes are in the audit log (call.files_published). "
                    "Amounts in euro cents."
                ),
            ),
        ),
        "api.call_results_pb": (
            "/calls/{code}/results.pb",
            get_op(
                "The counted ballots of a call (pabulib)",
                {
                    "200": file_body(
                        "text/plain",
                        "pabulib approval file; VOTES carry voter_id (random per call) and vote, never a receipt "
                        "hash (see receipts.txt)",
                    ),
                    "400": BAD_YEAR,
                    "404": NOT_PUBLISHED,
                },
                parameters=[CODE_PARAM, YEAR_PARAM],
                tag="exports",
            ),
        ),
        "api.call_receipts": (
            "/calls/{code}/receipts.txt",
            get_op(
                "The receipt hashes of a call's counted ballots",
                {
                    "200": file_body(
                        "text/plain",
                        "one SHA-256 hex per line (of the receipt code, upper-cased, without dashes), sorted; "
                        "as many lines as results.pb has ballots",
                    ),
                    "400": BAD_YEAR,
                    "404": NOT_PUBLISHED,
                },
                parameters=[CODE_PARAM, YEAR_PARAM],
                tag="exports",
                description="A voter checks that their ballot is counted; it says nothing of what any ballot holds.",
            ),
        ),
        "api.national_calls_csv": (
            "/national/calls.csv",
            get_op(
                "Every call (CSV, described in datapackage.json)",
                {"200": file_body("text/csv", "calls.csv")},
                tag="open data",
            ),
        ),
        "api.national_results_csv": (
            "/national/results.csv",
            get_op(
                "Every project of every published result (CSV, described in datapackage.json)",
                {"200": file_body("text/csv", "results.csv")},
                tag="open data",
            ),
        ),
        "api.datapackage_json": (
            "/datapackage.json",
            get_op(
                "Frictionless Data Package describing the national CSV files",
                {"200": json_body(ref("DataPackage"), "datapackage.json")},
                tag="open data",
            ),
        ),
    }


__all__ = ["OPERATIONS", "SCHEMAS"]


OPERATIONS = _operations()  # merged by openapi.py
