"""Pure decisions about constituency codes and boundary files (no database, no Flask)."""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE_RE = re.compile(r"^(?:\d{2}|2A|2B|Z[A-Z])-\d{2}$")

# The official data.gouv.fr file uses INSEE codes overseas; the platform (like the
# Ministry of the Interior's results) uses Z-codes.
INSEE_TO_MINISTRY = {
    "971": "ZA",
    "972": "ZB",
    "973": "ZC",
    "974": "ZD",
    "976": "ZM",
    "988": "ZN",
    "987": "ZP",
    "975": "ZS",
    "986": "ZW",
    "977": "ZX",
    "978": "ZX",
    "99": "ZZ",
}
POLYGON_TYPES = ("Polygon", "MultiPolygon")


class BoundaryFileError(ValueError):
    """A boundary file that cannot be imported; the message names the problem."""


@dataclass(frozen=True)
class FeatureCode:
    code: str
    schema: str  # "2012" or "official"


def make_code(department: str, number: int) -> str:
    return f"{department}-{number:02d}"


def is_valid_code(code: str) -> bool:
    return bool(CODE_RE.match(code))


def feature_code(properties: object, position: int) -> FeatureCode:
    """The constituency code of one GeoJSON feature, in either accepted schema.

    2012 schema: `code_dpt` ("33", "2A", "ZA") and `num_circ` ("4").
    Official schema: `codeCirconscription` ("3304", "2A01", "97101"), with an
    optional `codeDepartement` ("33", "971").
    """
    where = f"feature {position}"
    if not isinstance(properties, dict):
        raise BoundaryFileError(f"{where}: no properties")
    if "code_dpt" in properties or "num_circ" in properties:
        department, number = properties.get("code_dpt"), properties.get("num_circ")
        if department in (None, "") or number in (None, ""):
            raise BoundaryFileError(
                f"{where}: missing property {'code_dpt' if department in (None, '') else 'num_circ'}"
            )
        department = str(department).strip().upper()
        schema = "2012"
    elif "codeCirconscription" in properties:
        raw = str(properties.get("codeCirconscription") or "").strip().upper()
        if len(raw) < 3 or not raw[-2:].isdigit():
            raise BoundaryFileError(f"{where}: codeCirconscription {raw!r} is not a constituency code")
        department = str(properties.get("codeDepartement") or raw[:-2]).strip().upper()
        department = INSEE_TO_MINISTRY.get(department, department)
        number = raw[-2:]
        schema = "official"
    else:
        raise BoundaryFileError(
            f"{where}: missing properties: expected code_dpt and num_circ (2012 schema) "
            "or codeCirconscription (official schema)"
        )
    try:
        num = int(str(number).strip())
    except ValueError:
        raise BoundaryFileError(f"{where}: constituency number {number!r} is not a number") from None
    if len(department) == 1 and department.isdigit():
        department = "0" + department
    code = make_code(department, num)
    if not is_valid_code(code):
        raise BoundaryFileError(f"{where}: {code!r} is not a constituency code")
    return FeatureCode(code=code, schema=schema)
