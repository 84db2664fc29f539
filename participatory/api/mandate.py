"""/api/v1 endpoints of the MP's mandate: every agenda (paginated), organisations met across MPs,
consultations, and their tabled citizen amendments (JSON and CSV); the national CSV files
`agendas.csv` and `organisations.csv` (described in datapackage.json by opendata.py).

OPENAPI_OPERATIONS and OPENAPI_SCHEMAS describe them (merged by participatory/api/openapi.py).
No private person: MPs by their public name, citizens by the public name they chose.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, request, url_for

from participatory import clock
from participatory.api.caching import cached_json, cached_response
from participatory.api.openapi_blocks import CODE_PATTERN, error, file_body, get_op, id_param, json_body, ref
from participatory.api.views import bp
from participatory.extensions import db
from participatory.mandate import queries
from participatory.mandate.models import Consultation, Organisation

MAX_AGE = 120
PER_PAGE_MAX = 200


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 7 and low <= int(raw) <= high):
        abort(400, description=f"{name} must be an integer from {low} to {high}")
    return int(raw)


def _paging() -> tuple[int, int]:
    return _int_arg("page", 1, 1, 1_000_000), _int_arg("per_page", queries.PAGE_SIZE, 1, PER_PAGE_MAX)


def _envelope(key: str, page: queries.Page, per_page: int, items: list, **args: object) -> dict:
    def link(number: int) -> str | None:
        if not 1 <= number <= page.pages or number == page.page:
            return None
        values: dict[str, Any] = {"page": number, "per_page": per_page, **args}
        return url_for(request.endpoint or "", **values)

    return {
        "count": page.total,
        "page": page.page,
        "pages": page.pages,
        "per_page": per_page,
        "next": link(page.page + 1),
        "previous": link(page.page - 1) if page.page <= page.pages else None,
        key: items,
    }


@bp.get("/agendas")
def agendas():
    page_number, per_page = _paging()
    code = request.args.get("constituency", "").upper()
    args = {}
    if code:
        if not re.match(CODE_PATTERN, code):
            abort(400, description="constituency must be a code like 33-04")
        args["constituency"] = code
    page = queries.paginate(db.session, queries.meetings_query(constituency_code=code or None), page_number, per_page)
    items = [queries.meeting_as_dict(m) for m in page.items]
    return cached_json(_envelope("meetings", page, per_page, items, **args), max_age=MAX_AGE)


@bp.get("/organisations")
def organisations():
    page_number, per_page = _paging()
    page = queries.organisations_page(db.session, page_number, size=per_page)
    items = [queries.organisation_as_dict(o, n) for o, n in page.items]
    return cached_json(_envelope("organisations", page, per_page, items), max_age=MAX_AGE)


@bp.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int):
    item = db.session.get(Organisation, organisation_id)
    if item is None:
        abort(404, description="no such organisation")
    meetings = list(db.session.scalars(queries.meetings_query(organisation_id=item.id)))
    return cached_json(
        queries.organisation_as_dict(item, len(meetings)) | {"agenda": [queries.meeting_as_dict(m) for m in meetings]},
        max_age=MAX_AGE,
    )


@bp.get("/consultations")
def consultations():
    now = clock.now()
    items = [queries.consultation_as_dict(c, now) for c in queries.consultations_of(db.session)]
    return cached_json({"count": len(items), "consultations": items}, max_age=MAX_AGE)


def _tabled(consultation_id: int) -> list[dict]:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        abort(404, description="no such consultation")
    return queries.tabled_export(db.session, consultation)


@bp.get("/consultations/<int:consultation_id>/amendments.json")
def tabled_amendments_json(consultation_id: int):
    items = _tabled(consultation_id)
    return cached_json({"count": len(items), "amendements": items}, max_age=MAX_AGE)


@bp.get("/consultations/<int:consultation_id>/amendments.csv")
def tabled_amendments_csv(consultation_id: int):
    rows = [queries.export_row(item) for item in _tabled(consultation_id)]
    return cached_response(
        queries.csv_text(queries.AMENDMENT_FIELDS, rows),
        mimetype="text/csv",
        filename=f"amendements-{consultation_id}.csv",
        max_age=MAX_AGE,
    )


@bp.get("/national/agendas.csv")
def national_agendas_csv():
    return cached_response(
        queries.csv_text(queries.AGENDA_FIELDS, queries.agenda_rows(db.session)),
        mimetype="text/csv",
        filename="agendas.csv",
    )


@bp.get("/national/organisations.csv")
def national_organisations_csv():
    return cached_response(
        queries.csv_text(queries.ORGANISATION_FIELDS, queries.organisation_rows(db.session)),
        mimetype="text/csv",
        filename="organisations.csv",
    )


# --- OpenAPI ---------------------------------------------------------------------------------------------

_STAMP = {"type": ["string", "null"], "format": "date-time"}
_PAGING = [
    {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 1000000}},
    {
        "name": "per_page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX},
    },
]


def _paged(key: str, item: dict) -> dict:
    return {
        "type": "object",
        "required": ["count", "page", "pages", "per_page", "next", "previous", key],
        "properties": {
            "count": {"type": "integer"},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "per_page": {"type": "integer"},
            "next": {"type": ["string", "null"]},
            "previous": {"type": ["string", "null"]},
            key: {"type": "array", "items": item},
        },
    }


OPENAPI_SCHEMAS: dict[str, dict] = {
    "Organisation": {
        "type": "object",
        "required": ["id", "name", "hatvp_id"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "hatvp_id": {"type": ["string", "null"], "description": "identifiantNational in the HATVP register"},
            "meetings": {"type": "integer"},
        },
    },
    "Meeting": {
        "type": "object",
        "required": ["id", "constituency", "mp", "starts_at", "duration_minutes", "subject", "organisations", "roles"],
        "properties": {
            "id": {"type": "integer"},
            "constituency": {"type": "string"},
            "mp": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {"id": {"type": ["integer", "null"]}, "name": {"type": "string"}},
            },
            "starts_at": {"type": "string", "format": "date-time"},
            "duration_minutes": {"type": "integer"},
            "subject": {"type": "string"},
            "organisations": {"type": "array", "items": ref("Organisation")},
            "roles": {"type": "array", "items": {"type": "string"}},
            "bill": {"type": "string"},
            "note": {"type": "string"},
            "revision": {"type": "integer"},
            "published_at": _STAMP,
            "updated_at": _STAMP,
            "withdrawn_at": _STAMP,
            "withdrawal_reason": {"type": ["string", "null"]},
        },
    },
    "Consultation": {
        "type": "object",
        "required": ["id", "constituency", "title", "opens_at", "closes_at", "open"],
        "properties": {
            "id": {"type": "integer"},
            "constituency": {"type": "string"},
            "title": {"type": "string"},
            "assemblee_ref": {"type": ["string", "null"]},
            "opens_at": {"type": "string", "format": "date-time"},
            "closes_at": {"type": "string", "format": "date-time"},
            "open": {"type": "boolean"},
        },
    },
    "CitizenAmendment": {
        "type": "object",
        "description": "Close to the Assemblée nationale's open data for amendments.",
        "required": ["uid", "numero", "articleDesignation", "alinea", "dispositif", "exposeSommaire", "auteur", "sort"],
        "properties": {
            "uid": {"type": "string"},
            "numero": {"type": "integer"},
            "texteLegislatifRef": {"type": ["string", "null"]},
            "articleDesignation": {"type": "string"},
            "alinea": {"type": "integer"},
            "dispositif": {"type": "string"},
            "exposeSommaire": {"type": "string"},
            "auteur": {
                "type": "object",
                "required": ["type", "nom"],
                "properties": {"type": {"const": "citoyen"}, "nom": {"type": "string"}},
            },
            "soutiens": {"type": "integer"},
            "sort": {"type": "string"},
            "motif": {"type": "string"},
            "dateDepot": _STAMP,
            "version": {"type": "integer"},
        },
    },
}

_CONSULTATION_ID = id_param("consultation_id")
OPENAPI_OPERATIONS: dict[str, tuple[str, dict]] = {
    "api.agendas": (
        "/agendas",
        get_op(
            "Every MP's published meetings (open agendas), newest first, paginated",
            {
                "200": json_body(_paged("meetings", ref("Meeting")), "One page of meetings"),
                "400": error("Bad page, per_page or constituency"),
            },
            parameters=[
                *_PAGING,
                {
                    "name": "constituency",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "pattern": CODE_PATTERN},
                },
            ],
            tag="mandate",
            description="Withdrawn meetings stay listed with their public reason; corrections raise `revision`.",
        ),
    ),
    "api.organisations": (
        "/organisations",
        get_op(
            "Organisations met by MPs, most met first, paginated",
            {
                "200": json_body(_paged("organisations", ref("Organisation")), "One page of organisations"),
                "400": error("Bad page or per_page"),
            },
            parameters=_PAGING,
            tag="mandate",
        ),
    ),
    "api.organisation": (
        "/organisations/{organisation_id}",
        get_op(
            "One organisation and every meeting with it, across MPs",
            {
                "200": json_body(
                    {
                        "allOf": [
                            ref("Organisation"),
                            {
                                "type": "object",
                                "required": ["agenda"],
                                "properties": {"agenda": {"type": "array", "items": ref("Meeting")}},
                            },
                        ]
                    },
                    "The organisation and its meetings",
                ),
                "404": error("No such organisation"),
            },
            parameters=[id_param("organisation_id")],
            tag="mandate",
        ),
    ),
    "api.consultations": (
        "/consultations",
        get_op(
            "Every consultation on a bill",
            {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["count", "consultations"],
                        "properties": {
                            "count": {"type": "integer"},
                            "consultations": {"type": "array", "items": ref("Consultation")},
                        },
                    },
                    "Consultations, newest first",
                )
            },
            tag="mandate",
        ),
    ),
    "api.tabled_amendments_json": (
        "/consultations/{consultation_id}/amendments.json",
        get_op(
            "The citizen amendments the MP tabled, close to the Assemblée's open data",
            {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["count", "amendements"],
                        "properties": {
                            "count": {"type": "integer"},
                            "amendements": {"type": "array", "items": ref("CitizenAmendment")},
                        },
                    },
                    "Tabled amendments by number",
                ),
                "404": error("No such consultation"),
            },
            parameters=[_CONSULTATION_ID],
            tag="mandate",
        ),
    ),
    "api.tabled_amendments_csv": (
        "/consultations/{consultation_id}/amendments.csv",
        get_op(
            "The citizen amendments the MP tabled (CSV, same fields; auteur is the public name)",
            {"200": file_body("text/csv", "Tabled amendments"), "404": error("No such consultation")},
            parameters=[_CONSULTATION_ID],
            tag="mandate",
        ),
    ),
    "api.national_agendas_csv": (
        "/national/agendas.csv",
        get_op("Every meeting of every MP's agenda (CSV)", {"200": file_body("text/csv", "Meetings")}, tag="open data"),
    ),
    "api.national_organisations_csv": (
        "/national/organisations.csv",
        get_op("Every organisation met (CSV)", {"200": file_body("text/csv", "Organisations")}, tag="open data"),
    ),
}
