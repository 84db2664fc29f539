"""Forms of the accounts pages (Flask-WTF: every one carries a CSRF token).

`SafeText` is the shared check for free text (control, invisible and direction
characters, markup, length); other domains may import it for their own forms.
"""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Optional, StopValidation

from participatory.accounts.errors import ROLE_LABELS, message
from participatory.accounts.rules import (
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    FRENCH_POSTCODE,
    GRANTABLE_ROLES,
    LETTER_DEFAULT_VALIDITY_DAYS,
    LETTER_FORMATS,
    LETTER_VALIDITY_DAYS,
    PASSWORD_MAX,
    clean_text,
    email_problem,
    password_problem,
    text_problem,
)
from participatory.forms import Form, options
from participatory.routing import MAX_ID

REQUIRED = _l("Ce champ est obligatoire.")
DISPLAY_NAME_LABEL = _l("Nom affiché publiquement (un pseudonyme convient)")


def _clean(value):
    return clean_text(value) if isinstance(value, str) else value


def _email(value):
    return clean_text(value).lower() if isinstance(value, str) else value


class SafeText:
    """Refuse what should never be stored in a text field (see rules.text_problem)."""

    def __init__(self, max_length: int, multiline: bool = False, allow_markup: bool = False) -> None:
        self.max_length, self.multiline, self.allow_markup = max_length, multiline, allow_markup
        self.field_flags = {"maxlength": max_length}

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str):
            problem = text_problem(
                field.data, max_length=self.max_length, multiline=self.multiline, allow_markup=self.allow_markup
            )
            if problem:
                raise StopValidation(message(problem, n=self.max_length))


class ValidEmail:
    def __call__(self, form, field) -> None:
        problem = email_problem(field.data or "")
        if problem:
            raise StopValidation(message(problem))


class StrongPassword:
    """The new-password rules; compares with the form's email field when there is one."""

    def __call__(self, form, field) -> None:
        email = form.email.data if hasattr(form, "email") else ""
        problem = password_problem(field.data or "", email or "")
        if problem:
            raise StopValidation(message(problem))


class PasswordLength:
    """An entered (existing) password: only bounded, never judged."""

    def __call__(self, form, field) -> None:
        if len(field.data or "") > PASSWORD_MAX or "\x00" in (field.data or ""):
            raise StopValidation(str(_l("Adresse électronique ou mot de passe incorrect.")))


def email_field(label=None):
    return StringField(
        label or _l("Adresse électronique"),
        filters=[_email],
        validators=[DataRequired(REQUIRED), SafeText(EMAIL_MAX), ValidEmail()],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


def name_field(label, max_length: int, required: bool = True, autocomplete: str = "off"):
    first = DataRequired(REQUIRED) if required else Optional()
    return StringField(
        label, filters=[_clean], validators=[first, SafeText(max_length)], render_kw={"autocomplete": autocomplete}
    )


def new_password_fields():
    password = PasswordField(
        _l("Mot de passe (12 caractères au moins)"),
        validators=[DataRequired(REQUIRED), StrongPassword()],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class RegisterForm(Form):
    email = email_field()
    display_name = name_field(DISPLAY_NAME_LABEL, DISPLAY_NAME_MAX, autocomplete="nickname")
    password, password_confirm = new_password_fields()


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(REQUIRED), PasswordLength()],
        render_kw={"autocomplete": "current-password"},
    )


class EmailForm(Form):
    email = email_field()


class NewPasswordForm(Form):
    password, password_confirm = new_password_fields()


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(REQUIRED), PasswordLength()],
        render_kw={"autocomplete": "current-password"},
    )
    password, password_confirm = new_password_fields()


class ProfileForm(Form):
    display_name = name_field(DISPLAY_NAME_LABEL, DISPLAY_NAME_MAX, autocomplete="nickname")


class Coordinate:
    """A latitude or longitude typed or written by the map: a finite number within bounds."""

    def __init__(self, limit: float) -> None:
        self.limit = limit

    def __call__(self, form, field) -> None:
        raw = (field.data or "").strip().replace(",", ".")
        if not raw:
            raise StopValidation(str(_l("Choisissez un point sur la carte ou utilisez votre position.")))
        try:
            value = float(raw)
        except ValueError:
            raise StopValidation(str(_l("Une coordonnée est un nombre, par exemple 44.8378."))) from None
        if len(raw) > 32 or not math.isfinite(value) or not -self.limit <= value <= self.limit:
            raise StopValidation(
                str(
                    _l(
                        "Cette coordonnée doit être comprise entre %(low)s et %(high)s.",
                        low=-self.limit,
                        high=self.limit,
                    )
                )
            )
        field.number = value


MAP, ABROAD = "map", "abroad"


class ResidenceForm(Form):
    """Two ways in one form: a map point (lat/lon) or, abroad, the country of residence."""

    mode = HiddenField(default=MAP)
    lat = StringField(_l("Latitude"), filters=[_clean], render_kw={"inputmode": "decimal", "autocomplete": "off"})
    lon = StringField(_l("Longitude"), filters=[_clean], render_kw={"inputmode": "decimal", "autocomplete": "off"})
    country = SelectField(_l("Pays de résidence"), choices=[], validate_choice=False)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.mode.data == ABROAD:
            if not self.country.data or self.country.data not in {choice.value for choice in self.country.choices}:
                self.country.errors = [str(_l("Choisissez votre pays de résidence dans la liste."))]
                return False
            return True
        if self.mode.data != MAP:
            self.mode.errors = [str(_l("Choisissez un point sur la carte ou un pays de résidence."))]
            return False
        ok = True
        for field, limit in ((self.lat, 90), (self.lon, 180)):
            try:
                Coordinate(limit)(self, field)
            except StopValidation as problem:
                field.errors = [str(problem)]
                ok = False
        return ok


class Postcode:
    """Five digits in France; free (and optional: some countries have none) abroad."""

    def __call__(self, form, field) -> None:
        if getattr(form, "abroad", False):
            if not field.data:
                raise StopValidation()
        elif not FRENCH_POSTCODE.match(field.data or ""):
            raise StopValidation(str(_l("Un code postal français a 5 chiffres.")))


class LetterRequestForm(Form):
    recipient = name_field(_l("Nom et prénom du destinataire"), 120, autocomplete="name")
    street = name_field(_l("Numéro et voie"), 200, autocomplete="address-line1")
    complement = name_field(_l("Complément d'adresse (facultatif)"), 200, required=False, autocomplete="address-line2")
    postcode = StringField(
        _l("Code postal"),
        filters=[_clean],
        validators=[Postcode(), SafeText(12)],
        render_kw={"autocomplete": "postal-code"},
    )
    city = name_field(_l("Commune"), 100, autocomplete="address-level2")

    def __init__(self, *args, abroad: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.abroad = abroad


class LetterCodeForm(Form):
    code = StringField(
        _l("Code reçu par courrier"),
        filters=[_clean],
        validators=[DataRequired(REQUIRED), SafeText(40)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters"},
    )


class DeleteAccountForm(Form):
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(REQUIRED), PasswordLength()],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("Je comprends que la suppression est définitive."),
        validators=[DataRequired(_l("Cochez la case pour confirmer."))],
    )


class DeleteFranceConnectAccountForm(Form):
    """Deleting an account made with FranceConnect, which has no password: a recent FranceConnect sign-in
    stands for it (services.deletion.delete_account)."""

    confirm = BooleanField(
        _l("Je comprends que la suppression est définitive."),
        validators=[DataRequired(_l("Cochez la case pour confirmer."))],
    )


class EmptyForm(Form):
    """Only the CSRF token: sign-out, resend confirmation, revoke."""


class GrantForm(Form):
    role = SelectField(
        _l("Rôle"),
        choices=options((r, ROLE_LABELS[r]) for r in GRANTABLE_ROLES),
        validators=[DataRequired(REQUIRED)],
    )
    constituency = StringField(
        _l("Circonscription (pour un député, par ex. 33-04)"), filters=[_clean], validators=[Optional(), SafeText(5)]
    )


class AssignMPForm(Form):
    email = email_field(_l("Adresse électronique du député"))


class IdListField(SelectMultipleField):
    """Checked rows, as integers; anything else gets a clear error rather than a 500."""

    def process_formdata(self, valuelist) -> None:
        try:
            self.data = [int(v) for v in valuelist if v.isascii() and len(v) <= 10]
            if len(self.data) != len(valuelist) or not all(0 < v <= MAX_ID for v in self.data):
                raise ValueError
        except ValueError:
            self.data = []
            raise ValueError(str(_l("Sélection non valide : rechargez la page."))) from None

    def pre_validate(self, form) -> None:  # the service checks the rows themselves
        pass


GENERATE, REJECT = "generate", "reject"


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist) -> None:
        if valuelist and valuelist[0].strip():
            try:
                self.data = int(valuelist[0])
            except ValueError:
                self.data = None
                raise ValueError(str(_l("Indiquez un nombre entier."))) from None


class InRange:
    """Bounds of a number; silent when the number itself was unreadable (that error is already shown)."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def __call__(self, form, field) -> None:
        if field.data is None:
            raise StopValidation()
        if not self.low <= field.data <= self.high:
            raise StopValidation(
                str(
                    _l(
                        "La durée de validité doit être comprise entre %(low)d et %(high)d jours.",
                        low=self.low,
                        high=self.high,
                    )
                )
            )


class LetterBatchForm(Form):
    letters = IdListField(_l("Demandes"), choices=[], coerce=int)
    validity_days = WholeNumberField(
        _l("Validité du code (jours)"),
        default=LETTER_DEFAULT_VALIDITY_DAYS,
        validators=[InputRequired(REQUIRED), InRange(*LETTER_VALIDITY_DAYS)],
    )
    file_format = SelectField(
        _l("Fichier"),
        choices=options([("pdf", _l("PDF à imprimer")), ("csv", _l("CSV pour publipostage"))]),
        default=LETTER_FORMATS[0],
    )
    action = HiddenField()  # set by the button pressed (generate or reject), never rendered as a field
