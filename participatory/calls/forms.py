"""Forms of the calls domain (Flask-WTF, CSRF on every one). Amounts are typed in euros,
dates in Paris time; `cents` and `utc` turn them into what the services take."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from participatory.accounts import franceconnect
from participatory.accounts.rules import IDENTITY_VERIFIED, VERIFICATION_LEVELS
from participatory.calls import rules
from participatory.forms import MAX_EUROS, FiniteDecimalField, FiniteFloatField, Form, options

PARIS = ZoneInfo("Europe/Paris")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"

RULE_LABELS = {
    "greedy": _l("Vote majoritaire glouton (greedy)"),
    "equal-shares": _l("Méthode des parts égales (equal-shares)"),
    "equal-shares-completed": _l("Parts égales complétée (equal-shares-completed)"),
}
LEVEL_LABELS = {
    "email": _l("Adresse électronique confirmée"),
    "residence": _l("Résidence déclarée dans la circonscription"),
    "letter": _l("Résidence vérifiée par courrier"),
    "franceconnect": _l("Identité vérifiée avec FranceConnect, résidence déclarée dans la circonscription"),
}
CATEGORY_LABELS = {
    "environment": _l("Environnement"),
    "mobility": _l("Mobilité"),
    "culture": _l("Culture"),
    "sport": _l("Sport"),
    "solidarity": _l("Solidarité"),
    "education": _l("Éducation"),
    "heritage": _l("Patrimoine"),
    "digital": _l("Numérique"),
    "other": _l("Autre"),
}
STATUS_LABELS = {
    "planned": _l("Prévu"),
    "in_progress": _l("En cours"),
    "done": _l("Réalisé"),
    "cancelled": _l("Annulé"),
}
PHASE_LABELS = {
    "upcoming": _l("À venir"),
    "proposals": _l("Dépôt des projets"),
    "review": _l("Examen des projets"),
    "voting": _l("Vote"),
    "results": _l("Résultats"),
}
DATE_LABELS = {
    "proposals_open_at": _l("Ouverture du dépôt des projets"),
    "review_open_at": _l("Début de l'examen des projets"),
    "voting_open_at": _l("Ouverture du vote"),
    "voting_close_at": _l("Clôture du vote et résultats"),
}
DECISION_LABELS = {"feasible": _l("Réalisable"), "infeasible": _l("Non réalisable")}

MONEY = dict(places=2, rounding=None)


def cents(euros: Decimal | None) -> int | None:
    return None if euros is None else int((euros * 100).to_integral_value())


def euros(amount_cents: int | None) -> Decimal | None:
    return None if amount_cents is None else Decimal(amount_cents) / 100


def utc(local: datetime | None) -> datetime | None:
    """A datetime typed in Paris time, in UTC."""
    return None if local is None else local.replace(tzinfo=PARIS).astimezone(UTC)


def paris(moment: datetime) -> datetime:
    """A stored (UTC) datetime as a naive Paris time, to prefill a form."""
    return rules.aware(moment).astimezone(PARIS).replace(tzinfo=None)


class CallForm(Form):
    year = IntegerField(_l("Année"), validators=[InputRequired(), NumberRange(2000, 2100)])
    title = StringField(_l("Titre"), validators=[DataRequired(), Length(max=160)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)])
    budget = FiniteDecimalField(
        _l("Budget (€)"),
        default=Decimal(rules.DEFAULT_BUDGET_CENTS) / 100,
        validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=MAX_EUROS)],
        **MONEY,
    )
    proposals_open_at = DateTimeLocalField(
        DATE_LABELS["proposals_open_at"], format=DATETIME_FORMAT, validators=[InputRequired()]
    )
    review_open_at = DateTimeLocalField(
        DATE_LABELS["review_open_at"], format=DATETIME_FORMAT, validators=[InputRequired()]
    )
    voting_open_at = DateTimeLocalField(
        DATE_LABELS["voting_open_at"], format=DATETIME_FORMAT, validators=[InputRequired()]
    )
    voting_close_at = DateTimeLocalField(
        DATE_LABELS["voting_close_at"], format=DATETIME_FORMAT, validators=[InputRequired()]
    )
    min_projects = IntegerField(
        _l("Nombre minimum de projets par bulletin"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=1000)],
    )
    max_projects = IntegerField(
        _l("Nombre maximum de projets par bulletin (vide : pas de maximum)"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
    )
    knapsack = BooleanField(_l("Le total d'un bulletin ne peut pas dépasser le budget"), default=True)
    rule = SelectField(_l("Règle de dépouillement"), choices=options(RULE_LABELS.items()), default=rules.DEFAULT_RULE)
    verification_level = SelectField(
        _l("Vérification exigée pour voter"),
        choices=options((level, LEVEL_LABELS[level]) for level in VERIFICATION_LEVELS),
        default="residence",
    )

    min_supports = IntegerField(
        _l("Soutiens nécessaires pour qu'un projet soit examiné (0 : aucun)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=rules.MAX_MIN_SUPPORTS)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A level nobody could reach is not offered: FranceConnect only while it is configured (a call
        # that already requires it keeps it).
        if not franceconnect.enabled() and getattr(kwargs.get("obj"), "verification_level", None) != IDENTITY_VERIFIED:
            self.verification_level.choices = [
                choice for choice in self.verification_level.choices if choice.value != IDENTITY_VERIFIED
            ]


class ProposalForm(Form):
    title = StringField(_l("Titre"), validators=[DataRequired(), Length(max=120)])
    summary = StringField(_l("Résumé"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=20000)])
    category = SelectField(_l("Catégorie"), choices=options(CATEGORY_LABELS.items()))
    estimated_cost = FiniteDecimalField(
        _l("Coût estimé (€)"), validators=[InputRequired(), NumberRange(min=Decimal("0.01"), max=MAX_EUROS)], **MONEY
    )
    lat = FiniteFloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    lon = FiniteFloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    image = FileField(_l("Image (JPEG ou PNG, 5 Mo au plus ; facultative)"))


class ReviewForm(Form):
    decision = RadioField(_l("Décision"), choices=options(DECISION_LABELS.items()), validators=[InputRequired()])
    final_cost = FiniteDecimalField(
        _l("Coût final (€)"), validators=[Optional(), NumberRange(min=Decimal("0.01"), max=MAX_EUROS)], **MONEY
    )
    reason = TextAreaField(_l("Motif (public ; obligatoire si non réalisable)"), validators=[Length(max=5000)])


class ReasonForm(Form):
    reason = TextAreaField(_l("Motif"), validators=[DataRequired(), Length(max=2000)])


class ImplementationForm(Form):
    status = SelectField(_l("Statut"), choices=options(STATUS_LABELS.items()))
    happened_on = DateField(_l("Date"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=5000)])


class ReceiptForm(Form):
    code = StringField(_l("Code de reçu"), validators=[DataRequired(), Length(max=40)])


class ActionForm(Form):
    """A button-only form (vote, cancel, withdraw): CSRF protection and nothing else."""
