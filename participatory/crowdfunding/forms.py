"""Forms of the crowdfunding pages (Flask-WTF, CSRF on)."""

from __future__ import annotations

from decimal import Decimal

import pycountry
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
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
from wtforms.fields.choices import SelectChoice
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
from participatory.crowdfunding.rules import campaign_account as account_rules
from participatory.forms import FiniteDecimalField, Form, options


def country_choices() -> list[SelectChoice]:
    """Every ISO 3166-1 country, named in the page's language and sorted by that name; France first."""
    others = sorted_by_name((c.alpha_2 for c in pycountry.countries if c.alpha_2 != "FR"), str(get_locale()))
    return options([("FR", country_name("FR", str(get_locale()))), *others])


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
        choices=options(
            [
                ("mandataire", _l("un mandataire financier (personne physique)")),
                ("association", _l("une association de financement électorale")),
            ]
        ),
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
        _l("Décision"),
        choices=options([("approve", _l("Valider")), ("reject", _l("Refuser"))]),
        validators=[InputRequired()],
    )


class AccountForm(Form):
    account_id = StringField(
        _l("Identifiant du compte Stripe du mandataire"), validators=[DataRequired(), Length(max=64)]
    )


class RefundForm(Form):
    reason = SelectField(
        _l("Motif"),
        choices=options(
            [("donor_request", _l("Demande du donateur")), ("cap_exceeded", _l("Plafond de 4 600 € dépassé"))]
        ),
        validators=[InputRequired()],
    )


class LegalTextForm(Form):
    body = TextAreaField(_l("Texte"), validators=[DataRequired(), Length(max=20000)])


PRESETS = options([(str(c), f"{c // 100} €") for c in rules.PRESET_AMOUNTS_CENTS] + [("other", _l("Autre montant"))])


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
        choices=options(
            [("nationality", _l("je suis de nationalité française")), ("residence", _l("je réside en France"))]
        ),
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


# --- The campaign account (compte de campagne) ---
# Forms of the campaign account (CSRF on, base Form: control characters refused).#


def label(pair: tuple[str, str]) -> str:
    """The French or English label of a code table entry, in the page's language."""
    return pair[1] if str(get_locale()) == "en" else pair[0]


def category_label(code: str) -> str:
    item = account_rules.BY_CODE[code]
    return label((item.fr, item.en))


def _choices(kind: str) -> list[SelectChoice]:
    return options((c.code, category_label(c.code)) for c in account_rules.hand_categories(kind))


AMOUNT = [
    InputRequired(),
    NumberRange(min=Decimal("0.01"), max=Decimal("1000000"), message=_l("Entre 0,01 € et 1 000 000 €.")),
]


class ExpenseForm(Form):
    category = SelectField(_l("Rubrique"), validators=[InputRequired()])
    entry_date = DateField(_l("Date"), validators=[InputRequired()])
    amount = FiniteDecimalField(_l("Montant (€)"), places=2, validators=AMOUNT)
    label = StringField(_l("Objet"), validators=[DataRequired(), Length(max=200)])
    counterparty = StringField(_l("Fournisseur"), validators=[Optional(), Length(max=160)])
    reference = StringField(_l("N° de facture"), validators=[Optional(), Length(max=60)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = _choices(account_rules.EXPENSE)

    def amount_cents(self) -> int:
        return int((self.amount.data * 100).to_integral_value())


class ReceiptForm(ExpenseForm):
    origin = SelectField(_l("Origine des fonds"), validators=[InputRequired()])
    counterparty = StringField(_l("Prêteur, parti ou organisme"), validators=[Optional(), Length(max=160)])
    reference = StringField(_l("N° de reçu-don ou de contrat"), validators=[Optional(), Length(max=60)])
    means = SelectField(_l("Moyen de paiement (dons)"), validators=[Optional()])
    donor_first_name = StringField(_l("Prénom du donateur"), validators=[Optional(), Length(max=80)])
    donor_last_name = StringField(_l("Nom du donateur"), validators=[Optional(), Length(max=80)])
    donor_address = StringField(_l("Adresse du donateur"), validators=[Optional(), Length(max=200)])
    donor_postal_code = StringField(_l("Code postal"), validators=[Optional(), Length(max=12)])
    donor_city = StringField(_l("Commune"), validators=[Optional(), Length(max=80)])
    donor_country = SelectField(_l("Pays"), default="FR", validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = _choices(account_rules.RECEIPT)
        self.origin.choices = options((o, label(account_rules.ORIGIN_LABELS[o])) for o in account_rules.ORIGINS)
        means = ((m, label(account_rules.MEANS_LABELS[m])) for m in account_rules.MEANS)
        self.means.choices = options([("", "—"), *means])
        self.donor_country.choices = country_choices()


class AttachmentForm(Form):
    document = FileField(_l("Pièce justificative (PDF, JPEG ou PNG, 5 Mo au plus)"), validators=[FileRequired()])


class ConfirmForm(Form):
    """Filing, deleting or reversing: CSRF only."""


class CnccfpDecisionForm(Form):
    decision = SelectField(_l("Décision de la CNCCFP"), validators=[InputRequired()])
    decision_on = DateField(_l("Date de la décision"), validators=[InputRequired()])
    refund = FiniteDecimalField(
        _l("Remboursement de l'État (€)"),
        places=2,
        validators=[Optional(), NumberRange(min=Decimal("0"), max=Decimal("1000000"))],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.decision.choices = options((d, label(account_rules.STATE_LABELS[d])) for d in account_rules.DECISIONS)

    def refund_cents(self) -> int | None:
        return None if self.refund.data is None else int((self.refund.data * 100).to_integral_value())
