"""The base of every form of the platform, and its number fields.

`Form` puts the text check of `participatory.text` in front of every field's own
validators when the form is built, so no form and no field can be left out: text
areas take free text (line breaks and tabs allowed), every other field one line.
Passwords are the exception: they are only hashed, never shown, sent or exported,
and refusing a character at sign-in could lock out an existing account.

`FiniteDecimalField` and `FiniteFloatField` refuse `NaN`, `sNaN`, `Infinity` and
absurd magnitudes while parsing, before any validator compares them (comparing a
Decimal NaN raises) or a service turns them into cents.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DecimalField, FloatField, PasswordField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from participatory.text import text_problem

# Amounts are stored in integer cents in 32-bit columns (PostgreSQL `integer`): 21 474 836,47 €.
MAX_CENTS = 2**31 - 1
MAX_EUROS = Decimal(MAX_CENTS // 100)
# Any number typed with more digits than this is refused while parsing (no real amount is near).
_MAX_DIGITS = 15

NOT_A_NUMBER = _l("Saisissez un nombre fini (par exemple 1234,56).")


class TextCheck:
    """Refuses control characters (and, on one line, line breaks) with a clear message."""

    def __init__(self, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        for value in _texts(field):
            problem = text_problem(value, multiline=self.multiline)
            if problem:
                raise StopValidation(str(problem))


def _texts(field) -> list[str]:
    data = field.data
    if isinstance(data, str):
        return [data]
    if isinstance(data, (list, tuple)) and all(isinstance(v, str) for v in data):
        return list(data)
    return [v for v in (field.raw_data or []) if isinstance(v, str)]


def text_check_for(field_class: type) -> TextCheck | None:
    """The check a field of this class gets (None: passwords and files)."""
    if issubclass(field_class, (PasswordField, FileField)):
        return None
    return TextCheck(multiline=issubclass(field_class, TextAreaField))


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            check = text_check_for(type(field))
            if check is not None:
                # A new list: the one given to the field class is shared by every form instance.
                field.validators = [check, *field.validators]
            return field


def _decimal(text: str) -> Decimal:
    value = Decimal(text.strip().replace(",", ".").replace("\u202f", "").replace(" ", ""))
    # adjusted() is the exponent of the first digit: no arithmetic, so 1e999999999 cannot overflow.
    if not value.is_finite() or (not value.is_zero() and value.adjusted() >= _MAX_DIGITS):
        raise ValueError(str(NOT_A_NUMBER))
    return value


class FiniteDecimalField(DecimalField):
    """A DecimalField that takes `1234,56` and refuses NaN, infinities and huge numbers."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] == "":
            self.data = None
            return
        try:
            value = _decimal(valuelist[0])
        except (ArithmeticError, ValueError) as exc:
            self.data = None
            raise ValueError(str(NOT_A_NUMBER)) from exc
        self.data = value


class FiniteFloatField(FloatField):
    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] == "":
            self.data = None
            return
        try:
            value = float(valuelist[0].strip().replace(",", "."))
        except ValueError as exc:
            self.data = None
            raise ValueError(str(NOT_A_NUMBER)) from exc
        if not math.isfinite(value):
            self.data = None
            raise ValueError(str(NOT_A_NUMBER))
        self.data = value


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """A select's or radio group's (value, label) pairs as the SelectChoice WTForms expects (raw tuples are
    deprecated, and go in WTForms 3.4)."""
    return [SelectChoice(value, label) for value, label in pairs]
