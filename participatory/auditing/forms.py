"""The auditors' filters on the audit log (a GET form: no CSRF, nothing changes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp

from participatory.forms import Form


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], validate_choice=True, validators=[Optional()])
    object_type = SelectField(_l("Type d'objet"), choices=[], validate_choice=True, validators=[Optional()])
    object_id = StringField(_l("Identifiant de l'objet"), validators=[Optional(), Length(max=60)])
    actor = StringField(
        _l("Acteur (pseudonyme)"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9_]+$", message=_l("Un pseudonyme : lettres, chiffres, _.")),
        ],
    )
    since = DateField(_l("Depuis le"), validators=[Optional()])
    until = DateField(_l("Jusqu'au (inclus)"), validators=[Optional()])
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(min=1, max=1_000_000)])

    def set_choices(self, actions: list[str], object_types: list[str]) -> None:
        everything = ("", _l("Toutes"))
        self.action.choices = [everything, *((a, a) for a in actions)]
        self.object_type.choices = [everything, *((t, t) for t in object_types)]
