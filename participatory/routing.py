"""URL converters of the whole app.

Every id in the database is a 32-bit integer (PostgreSQL `integer`; SQLite refuses
anything beyond 64 bits), so the `int` converter of every route only matches ASCII
digits whose value fits: a larger id cannot name a row, and is a 404 before any
query is tried (it used to reach the driver and end in a 500).
"""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

from participatory.text import forbidden_character

MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    regex = r"[0-9]{1,10}"  # ASCII only: `\d` would also match other scripts' digits

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)

    def to_python(self, value: str) -> int:
        if len(value) > 10:
            raise ValidationError()
        return super().to_python(value)


class TextConverter(UnicodeConverter):
    """A path segment with a control character (a NUL PostgreSQL cannot even compare) names nothing: 404."""

    def to_python(self, value: str) -> str:
        if forbidden_character(value) is not None:
            raise ValidationError()
        return value


def refuse_control_characters_in_query() -> None:
    """Query parameters are one-line text everywhere: a NUL, a line break or a lone surrogate is a 400."""
    for key, value in request.args.items(multi=True):
        if forbidden_character(key) is not None or forbidden_character(value) is not None:
            abort(400, description=_("L'adresse contient un caractère de contrôle interdit."))


def register_converters(app) -> None:
    """Before any blueprint: each rule binds its converter when it is added."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter
    app.before_request(refuse_control_characters_in_query)
