"""Forms of the mandate domain (Flask-WTF, CSRF on every one). Dates are typed in Paris time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from participatory.forms import Form, options
from participatory.mandate import rules
from participatory.mandate.errors import MESSAGES

PARIS = ZoneInfo("Europe/Paris")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"

STATUS_LABELS = {
    rules.UNDER_REVIEW: _l("En examen"),
    rules.TABLED: _l("Déposé"),
    rules.MERGED: _l("Fusionné avec un autre amendement"),
    rules.NOT_RETAINED: _l("Non retenu"),
}


def utc(local: datetime | None) -> datetime:
    """A datetime typed in Paris time (a required field, so present once the form validated), in UTC."""
    if local is None:
        raise ValueError("a required date was not validated")
    return local.replace(tzinfo=PARIS).astimezone(UTC)


def paris(moment: datetime) -> datetime:
    return rules.aware(moment).astimezone(PARIS).replace(tzinfo=None)


def _organisations_valid(form, field) -> None:
    for given in rules.parse_organisations(field.data or ""):
        problem = rules.identifier_problem(given.identifier)
        if problem:
            raise ValidationError(f"{given.name} : {MESSAGES[problem]}")
        if len(given.name) > 200:
            raise ValidationError(str(MESSAGES["bad_organisation_name"]))
    if len(rules.parse_organisations(field.data or "")) > rules.MAX_ORGANISATIONS:
        raise ValidationError(str(MESSAGES["too_many_organisations"]))


def _identifier_valid(form, field) -> None:
    problem = rules.identifier_problem(rules.clean_identifier(field.data or ""))
    if problem:
        raise ValidationError(str(MESSAGES[problem]))


class MeetingForm(Form):
    starts_at = DateTimeLocalField(
        _l("Date et heure (heure de Paris)"), format=DATETIME_FORMAT, validators=[InputRequired()]
    )
    duration_minutes = IntegerField(
        _l("Durée (minutes)"), default=60, validators=[InputRequired(), NumberRange(1, rules.MAX_DURATION_MINUTES)]
    )
    subject = StringField(_l("Objet"), validators=[DataRequired(), Length(max=200)])
    organisations = TextAreaField(
        _l("Organisations rencontrées"),
        validators=[DataRequired(), Length(max=5000), _organisations_valid],
    )
    roles = TextAreaField(_l("Fonctions des personnes rencontrées"), validators=[Length(max=4000)])
    bill = StringField(_l("Texte ou sujet concerné"), validators=[Length(max=200)])
    note = TextAreaField(_l("Note (facultative)"), validators=[Length(max=5000)])


class CorrectionForm(MeetingForm):
    reason = TextAreaField(_l("Motif de la correction (public)"), validators=[DataRequired(), Length(max=2000)])


class ReasonForm(Form):
    reason = TextAreaField(_l("Motif (public)"), validators=[DataRequired(), Length(max=2000)])


class ConsultationForm(Form):
    title = StringField(_l("Titre du texte"), validators=[DataRequired(), Length(max=200)])
    assemblee_ref = StringField(_l("Identifiant à l'Assemblée nationale (facultatif)"), validators=[Length(max=40)])
    text = TextAreaField(
        _l("Texte, article par article (texte brut ou Markdown)"), validators=[DataRequired(), Length(max=400000)]
    )
    opens_at = DateTimeLocalField(
        _l("Ouverture (heure de Paris)"), format=DATETIME_FORMAT, validators=[InputRequired()]
    )
    closes_at = DateTimeLocalField(_l("Clôture (heure de Paris)"), format=DATETIME_FORMAT, validators=[InputRequired()])


class ContributionForm(Form):
    organisation = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=200)])
    identifier = StringField(
        _l("Identifiant national HATVP (facultatif)"), validators=[Length(max=20), _identifier_valid]
    )
    summary = TextAreaField(_l("Résumé"), validators=[DataRequired(), Length(max=5000)])
    document = FileField(_l("Contribution (PDF, 5 Mo au plus ; facultative)"))


class CommentForm(Form):
    author_name = StringField(_l("Nom public"), validators=[DataRequired(), Length(max=80)])
    body = TextAreaField(_l("Commentaire"), validators=[DataRequired(), Length(max=5000)])


class AmendmentForm(Form):
    author_name = StringField(_l("Nom public"), validators=[DataRequired(), Length(max=80)])
    dispositif = TextAreaField(
        _l("Dispositif (nouvelle rédaction de l'alinéa)"), validators=[DataRequired(), Length(max=10000)]
    )
    expose = TextAreaField(_l("Exposé sommaire"), validators=[DataRequired(), Length(max=10000)])


class AnswerForm(Form):
    status = SelectField(_l("Statut"), choices=options(STATUS_LABELS.items()))
    merged_into = IntegerField(_l("Fusionné avec l'amendement n°"), validators=[Optional(), NumberRange(1, 2**31 - 1)])
    reason = TextAreaField(_l("Motif (public)"), validators=[Length(max=5000)])


class RewordForm(Form):
    dispositif = TextAreaField(_l("Nouveau dispositif"), validators=[DataRequired(), Length(max=10000)])
    expose = TextAreaField(_l("Exposé sommaire"), validators=[Length(max=10000)])
    note = TextAreaField(_l("Note sur la nouvelle rédaction (publique)"), validators=[Length(max=2000)])


class ActionForm(Form):
    """A button-only form (support, report): CSRF protection and nothing else."""
