"""Forms of the crowdfunding pages (Flask-WTF, CSRF on)."""

from __future__ import annotations

from decimal import Decimal

import pycountry
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from participatory.accounts.abroad import country_name, sorted_by_name
from participatory.crowdfunding import rules
from participatory.forms import FiniteDecimalField, Form


def country_choices() -> list[tuple[str, str]]:
    """Every ISO 3166-1 country, named in the page's language and sorted by that name; France first."""
    others = sorted_by_name((c.alpha_2 for c in pycountry.countries if c.alpha_2 != "FR"), str(get_locale()))
    return [("FR", country_name("FR", str(get_locale())))] + others


class ElectionForm(Form):
    name = StringField(_l("Nom de l'élection"), validators=[DataRequired(), Length(max=120)])
    first_round = DateField(_l("Date du premier tour"), validators=[DataRequired()])
    second_round = DateField(_l("Date du second tour"), validators=[Optional()])
    opens_at = DateTimeLocalField(
        _l("Ouverture de la collecte (élection anticipée, heure de Paris)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    closes_at = DateTimeLocalField(
        _l("Clôture de la collecte (élection anticipée, heure de Paris)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )


class ApplicationForm(Form):
    constituency_code = StringField(
        _l("Circonscription (code, ex. 33-04)"), validators=[DataRequired(), Regexp(r"^[0-9A-Za-z]{2}-[0-9]{2}$")]
    )
    candidate_name = StringField(
        _l("Nom du candidat tel qu'il figure sur le bulletin"), validators=[DataRequired(), Length(max=120)]
    )
    party_label = StringField(_l("Étiquette politique"), validators=[DataRequired(), Length(max=120)])
    agent_kind = RadioField(
        _l("Le candidat recueille les fonds par"),
        choices=[
            ("mandataire", _l("un mandataire financier (personne physique)")),
            ("association", _l("une association de financement électorale")),
        ],
        default="mandataire",
        validators=[InputRequired()],
    )
    agent_name = StringField(_l("Nom du mandataire ou de l'association"), validators=[DataRequired(), Length(max=160)])
    agent_designated_on = DateField(_l("Date de désignation (déclaration en préfecture)"), validators=[DataRequired()])
    agent_email = EmailField(
        _l("Adresse e-mail du compte du mandataire sur la plateforme"),
        validators=[DataRequired(), Email(), Length(max=254)],
    )


class DecisionForm(Form):
    decision = SelectField(
        _l("Décision"), choices=[("approve", _l("Valider")), ("reject", _l("Refuser"))], validators=[InputRequired()]
    )


class AccountForm(Form):
    account_id = StringField(
        _l("Identifiant du compte Stripe du mandataire"), validators=[DataRequired(), Length(max=64)]
    )


class RefundForm(Form):
    reason = SelectField(
        _l("Motif"),
        choices=[
            ("donor_request", _l("Demande du donateur")),
            ("cap_exceeded", _l("Plafond de 4 600 € dépassé")),
        ],
        validators=[InputRequired()],
    )


class LegalTextForm(Form):
    body = TextAreaField(_l("Texte"), validators=[DataRequired(), Length(max=20000)])


PRESETS = [(str(c), f"{c // 100} €") for c in rules.PRESET_AMOUNTS_CENTS] + [("other", _l("Autre montant"))]


class DonationForm(Form):
    amount_choice = RadioField(_l("Montant"), choices=PRESETS, default="2000", validators=[InputRequired()])
    amount_other = FiniteDecimalField(
        _l("Autre montant (en euros)"),
        places=2,
        validators=[
            Optional(),
            NumberRange(min=Decimal("1"), max=Decimal("4600"), message=_l("Entre 1 € et 4 600 €.")),
        ],
    )
    first_name = StringField(_l("Prénom(s)"), validators=[DataRequired(), Length(max=80)])
    last_name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=80)])
    email = EmailField(_l("Adresse e-mail (pour le reçu)"), validators=[DataRequired(), Email(), Length(max=254)])
    address = StringField(_l("Adresse (numéro et voie)"), validators=[DataRequired(), Length(max=200)])
    postal_code = StringField(_l("Code postal"), validators=[DataRequired(), Length(max=12)])
    city = StringField(_l("Commune"), validators=[DataRequired(), Length(max=80)])
    country = SelectField(_l("Pays"), default="FR", validators=[DataRequired()])
    eligibility = RadioField(
        _l("Je peux donner car"),
        choices=[
            ("nationality", _l("je suis de nationalité française")),
            ("residence", _l("je réside en France")),
        ],
        validators=[InputRequired()],
    )
    natural_person = BooleanField(
        _l("J'atteste être une personne physique (et non une entreprise ou une association)."),
        validators=[DataRequired()],
    )
    own_funds = BooleanField(_l("J'atteste que ce don provient de mes propres fonds."), validators=[DataRequired()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()

    def validate_first_name(self, field) -> None:
        if not rules.has_letter(field.data or ""):
            raise ValidationError(_l("Au moins une lettre : un don ne peut pas être anonyme."))

    validate_last_name = validate_first_name

    def validate_postal_code(self, field) -> None:
        country = rules.country_code(self.country.data or "")
        if country is not None and rules.postal_code(field.data or "", country) is None:
            raise ValidationError(_l("Ce code postal n'est pas valide pour ce pays (en France : cinq chiffres)."))

    def amount_cents(self) -> int | None:
        if self.amount_choice.data == "other":
            if self.amount_other.data is None:
                return None
            return int((self.amount_other.data * 100).to_integral_value())
        return (
            int(self.amount_choice.data)
            if (self.amount_choice.data or "").isascii() and self.amount_choice.data.isdigit()
            else None
        )
