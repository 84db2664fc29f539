"""Forms of the campaign account (CSRF on, base Form: control characters refused)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from participatory.crowdfunding.campaign_account import rules
from participatory.crowdfunding.forms import country_choices
from participatory.forms import FiniteDecimalField, Form


def label(pair: tuple[str, str]) -> str:
    """The French or English label of a code table entry, in the page's language."""
    return pair[1] if str(get_locale()) == "en" else pair[0]


def category_label(code: str) -> str:
    item = rules.BY_CODE[code]
    return label((item.fr, item.en))


def _choices(kind: str) -> list[tuple[str, str]]:
    return [(c.code, category_label(c.code)) for c in rules.hand_categories(kind)]


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
        self.category.choices = _choices(rules.EXPENSE)

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
        self.category.choices = _choices(rules.RECEIPT)
        self.origin.choices = [(o, label(rules.ORIGIN_LABELS[o])) for o in rules.ORIGINS]
        self.means.choices = [("", "—")] + [(m, label(rules.MEANS_LABELS[m])) for m in rules.MEANS]
        self.donor_country.choices = country_choices()


class AttachmentForm(Form):
    document = FileField(_l("Pièce justificative (PDF, JPEG ou PNG, 5 Mo au plus)"), validators=[FileRequired()])


class ConfirmForm(Form):
    """Filing, deleting or reversing: CSRF only."""


class DecisionForm(Form):
    decision = SelectField(_l("Décision de la CNCCFP"), validators=[InputRequired()])
    decision_on = DateField(_l("Date de la décision"), validators=[InputRequired()])
    refund = FiniteDecimalField(
        _l("Remboursement de l'État (€)"),
        places=2,
        validators=[Optional(), NumberRange(min=Decimal("0"), max=Decimal("1000000"))],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.decision.choices = [(d, label(rules.STATE_LABELS[d])) for d in rules.DECISIONS]

    def refund_cents(self) -> int | None:
        return None if self.refund.data is None else int((self.refund.data * 100).to_integral_value())
