"""URL converters of the whole app.

Every id in the database is a 32-bit integer (PostgreSQL `integer`; SQLite refuses
anything beyond 64 bits), so the `int` converter of every route only matches ASCII
digits whose value fits: a larger id cannot name a row, and is a 404 before any
query is tried (it used to reach the driver and end in a 500).
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    regex = r"[0-9]{1,10}"  # ASCII only: `\d` would also match other scripts' digits

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)

    def to_python(self, value: str) -> int:
        if len(value) > 10:
            raise ValidationError()
        return super().to_python(value)


def register_converters(app) -> None:
    """Before any blueprint: each rule binds its converter when it is added."""
    app.url_map.converters["int"] = BoundedIntConverter
