"""The building blocks of the OpenAPI description (participatory/api/openapi.py), shared by the
modules that describe their own routes (openapi_calls.py, donations.py, audit.py): imports nothing
of the API, so that every describing module imports it at the top and openapi.py merges their
constants."""

from __future__ import annotations

CODE_PATTERN = r"^[0-9A-Za-z]{2}-[0-9]{2}$"
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema: dict, description: str) -> dict:
    return {"description": description, "headers": CACHE_HEADERS, "content": {"application/json": {"schema": schema}}}


def file_body(mimetype: str, description: str) -> dict:
    return {"description": description, "headers": CACHE_HEADERS, "content": {mimetype: {"schema": {"type": "string"}}}}


def error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


CACHE_HEADERS = {
    "ETag": {
        "description": "Strong validator of the body; send it back in If-None-Match.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"description": "public, max-age in seconds", "schema": {"type": "string"}},
}
NOT_MODIFIED = {"description": "The copy named by If-None-Match is current (no body)."}
CODE_PARAM = {
    "name": "code",
    "in": "path",
    "required": True,
    "description": "Constituency code `<department>-<NN>`, e.g. `33-04`, `2A-01`, `ZZ-11`.",
    "schema": {"type": "string", "pattern": CODE_PATTERN},
}


ID = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}  # the database's ids are 32-bit


def id_param(name: str) -> dict:
    """A path parameter holding an object's integer id."""
    return {"name": name, "in": "path", "required": True, "schema": ID}


IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}}


def get_op(summary: str, responses: dict, *, parameters: list | None = None, tag: str, description: str = "") -> dict:
    operation = {
        "summary": summary,
        "tags": [tag],
        "parameters": [*(parameters or []), IF_NONE_MATCH],
        "responses": {**responses, "304": NOT_MODIFIED},
    }
    if description:
        operation["description"] = description
    return {"get": operation}
