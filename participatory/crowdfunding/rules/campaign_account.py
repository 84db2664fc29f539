"""Pure decisions of the campaign account (compte de campagne), table-tested: no Flask, no database.

The structure follows the CNCCFP's form for legislative elections: receipts by origin (donations of
natural persons, the candidate's contribution and loans, political parties, in-kind contributions),
expenses by nature, and the balance. Categories are a code table with French and English labels.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

# Account states. Filed freezes the entries: a correction is a new entry (a reversal), never an edit.
DRAFT, FILED, APPROVED, REFORMED, REJECTED = "draft", "filed", "approved", "reformed", "rejected"
STATES = (DRAFT, FILED, APPROVED, REFORMED, REJECTED)
DECISIONS = (APPROVED, REFORMED, REJECTED)
PUBLISHED = (FILED, APPROVED, REFORMED, REJECTED)  # a draft is never public
STATE_LABELS: dict[str, tuple[str, str]] = {
    DRAFT: ("Brouillon", "Draft"),
    FILED: ("Déposé à la CNCCFP", "Filed with the CNCCFP"),
    APPROVED: ("Approuvé par la CNCCFP", "Approved by the CNCCFP"),
    REFORMED: ("Approuvé après réformation", "Approved after reformation"),
    REJECTED: ("Rejeté par la CNCCFP", "Rejected by the CNCCFP"),
}

RECEIPT, EXPENSE = "receipt", "expense"

# Who a receipt comes from. Legal persons other than parties may neither give nor lend (L52-8);
# credit institutions may lend.
PERSON, CANDIDATE, PARTY, BANK = "natural_person", "candidate", "party", "bank"
COMPANY, ASSOCIATION, OTHER_LEGAL = "company", "association", "other_legal_person"
ORIGINS = (PERSON, CANDIDATE, PARTY, BANK, COMPANY, ASSOCIATION, OTHER_LEGAL)
LEGAL_PERSONS = (COMPANY, ASSOCIATION, OTHER_LEGAL)
ORIGIN_LABELS: dict[str, tuple[str, str]] = {
    PERSON: ("Personne physique", "Natural person"),
    CANDIDATE: ("Le candidat", "The candidate"),
    PARTY: ("Parti ou groupement politique", "Political party"),
    BANK: ("Établissement de crédit", "Bank"),
    COMPANY: ("Entreprise", "Company"),
    ASSOCIATION: ("Association (autre qu'un parti)", "Association (not a party)"),
    OTHER_LEGAL: ("Autre personne morale", "Other legal person"),
}

# Means of payment of a donation entered by hand (the platform's donations are card payments).
CHEQUE, TRANSFER, CARD, CASH = "cheque", "transfer", "card", "cash"
MEANS = (CHEQUE, TRANSFER, CARD, CASH)
MEANS_LABELS: dict[str, tuple[str, str]] = {
    CHEQUE: ("Chèque", "Cheque"),
    TRANSFER: ("Virement", "Transfer"),
    CARD: ("Carte bancaire", "Card"),
    CASH: ("Espèces", "Cash"),
}

CASH_DONATION_MAX_CENTS = 15_000  # L52-8: a cash donation is at most 150 EUR
# L52-8: cash donations together at most 20 % of the spending ceiling, when the ceiling is 15,000 EUR or more.
CASH_TOTAL_SHARE = (20, 100)
CASH_TOTAL_FROM_CEILING_CENTS = 1_500_000
MAX_ENTRY_CENTS = 100_000_000  # 1 million EUR: far above any legislative spending ceiling
REFUND_SHARE = (475, 1000)  # L52-11-1: the State refunds at most 47.5 % of the spending ceiling

# Attachments: PDF, JPEG or PNG, recognised by their first bytes, never by their name.
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


@dataclass(frozen=True)
class Category:
    code: str
    kind: str  # RECEIPT or EXPENSE
    section: str  # the form's heading
    fr: str
    en: str
    origins: tuple[str, ...] = ()  # who may be at the origin of a receipt; the first is the default
    proof_required: bool = True  # a supporting document must be attached before filing
    lender: str | None = None  # loans: the lender's type (open data shows loans by lender type)
    in_kind: bool = False  # counted both as a receipt and as the expense it paid for
    individual: bool = False  # a person's donation: identity kept for the receipt, the donor cap applies
    hand_entered: bool = True  # False: read from the platform's donations


PLATFORM_DONATIONS = "don_plateforme"
IN_KIND_EXPENSES = "dep_concours_nature"

CATEGORIES: tuple[Category, ...] = (
    # Receipts, by origin.
    Category(
        PLATFORM_DONATIONS,
        RECEIPT,
        "dons",
        "Dons de personnes physiques reçus par la plateforme",
        "Donations from individuals received through the platform",
        (PERSON,),
        proof_required=False,
        individual=True,
        hand_entered=False,
    ),
    Category(
        "don_personne",
        RECEIPT,
        "dons",
        "Dons de personnes physiques (chèque, virement, espèces)",
        "Donations from individuals (cheque, transfer, cash)",
        (PERSON,),
        proof_required=False,  # the numbered receipt (reçu-don) is the proof
        individual=True,
    ),
    Category(
        "apport_personnel",
        RECEIPT,
        "candidat",
        "Apport personnel du candidat (fonds propres)",
        "Candidate's personal contribution (own funds)",
        (CANDIDATE,),
    ),
    Category(
        "emprunt_bancaire",
        RECEIPT,
        "candidat",
        "Emprunt bancaire du candidat",
        "Bank loan to the candidate",
        (BANK,),
        lender=BANK,
    ),
    Category(
        "pret_parti",
        RECEIPT,
        "candidat",
        "Prêt d'un parti ou groupement politique",
        "Loan from a political party",
        (PARTY,),
        lender=PARTY,
    ),
    Category(
        "pret_personne",
        RECEIPT,
        "candidat",
        "Prêt d'une personne physique",
        "Loan from an individual",
        (PERSON,),
        lender=PERSON,
    ),
    Category(
        "pret_candidat",
        RECEIPT,
        "candidat",
        "Prêt du candidat à son compte",
        "Loan from the candidate",
        (CANDIDATE,),
        lender=CANDIDATE,
    ),
    Category(
        "versement_parti",
        RECEIPT,
        "partis",
        "Versements définitifs des partis ou groupements politiques",
        "Payments from political parties",
        (PARTY,),
    ),
    Category(
        "nature_candidat",
        RECEIPT,
        "nature",
        "Concours en nature du candidat",
        "In-kind contribution of the candidate",
        (CANDIDATE,),
        in_kind=True,
    ),
    Category(
        "nature_parti",
        RECEIPT,
        "nature",
        "Concours en nature des partis",
        "In-kind contribution of parties",
        (PARTY,),
        in_kind=True,
    ),
    Category(
        "nature_personne",
        RECEIPT,
        "nature",
        "Concours en nature de personnes physiques",
        "In-kind contribution of individuals",
        (PERSON,),
        in_kind=True,
    ),
    Category(
        "produits_divers",
        RECEIPT,
        "autres",
        "Autres recettes (vente de produits, manifestations)",
        "Other receipts (sales, events)",
        (PERSON,),
    ),
    # Expenses, by nature.
    Category("dep_frais_financiers", EXPENSE, "depenses", "Frais financiers (intérêts d'emprunt)", "Interest"),
    Category("dep_expert_comptable", EXPENSE, "depenses", "Honoraires de l'expert-comptable", "Chartered accountant"),
    Category("dep_conseil", EXPENSE, "depenses", "Honoraires et conseil en communication", "Fees and consulting"),
    Category("dep_personnel", EXPENSE, "depenses", "Salaires et charges sociales", "Staff"),
    Category("dep_locaux", EXPENSE, "depenses", "Locaux (loyer, charges)", "Premises (rent, charges)"),
    Category("dep_reunions", EXPENSE, "depenses", "Réunions publiques", "Public meetings"),
    Category(
        "dep_impression",
        EXPENSE,
        "depenses",
        "Impression de documents (hors propagande officielle)",
        "Printing (outside the official material)",
    ),
    Category("dep_envois", EXPENSE, "depenses", "Frais postaux et de distribution", "Postage and distribution"),
    Category("dep_internet", EXPENSE, "depenses", "Site internet et communication numérique", "Website and online"),
    Category("dep_deplacements", EXPENSE, "depenses", "Transports et déplacements", "Travel"),
    Category("dep_telecom", EXPENSE, "depenses", "Téléphone et télécommunications", "Telecommunications"),
    Category("dep_fournitures", EXPENSE, "depenses", "Fournitures et petit matériel", "Supplies and equipment"),
    Category("dep_divers", EXPENSE, "depenses", "Frais divers", "Other expenses"),
    Category(
        IN_KIND_EXPENSES,
        EXPENSE,
        "depenses",
        "Dépenses payées par des concours en nature",
        "Expenses paid by in-kind contributions",
        proof_required=False,
        hand_entered=False,
    ),
)
BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}
SECTIONS: dict[str, tuple[str, str]] = {
    "dons": ("Dons de personnes physiques", "Donations from individuals"),
    "candidat": ("Apport personnel et emprunts", "Personal contribution and loans"),
    "partis": ("Versements des partis", "Payments from parties"),
    "nature": ("Concours en nature", "In-kind contributions"),
    "autres": ("Autres recettes", "Other receipts"),
    "depenses": ("Dépenses par nature", "Expenses by nature"),
}
LENDERS = (BANK, PARTY, PERSON, CANDIDATE)


def category(code: str) -> Category | None:
    return BY_CODE.get(code)


def hand_categories(kind: str) -> tuple[Category, ...]:
    return tuple(c for c in CATEGORIES if c.kind == kind and c.hand_entered)


# --- One entry ----------------------------------------------------------------------------------


def amount_problem(amount_cents: int) -> str | None:
    if amount_cents <= 0:
        return "amount_not_positive"
    if amount_cents > MAX_ENTRY_CENTS:
        return "amount_too_large"
    return None


def date_problem(on: date, period_start: date, period_end: date, today: date) -> str | None:
    """An entry is dated within the financing period (L52-4: from the opening of the collection
    until the filing deadline), and never in the future."""
    if on > today:
        return "date_in_future"
    if not period_start <= on <= period_end:
        return "date_outside_period"
    return None


def origin_problem(code: str, origin: str) -> str | None:
    """Legal persons other than parties may not finance a campaign (L52-8), banks only lend."""
    item = category(code)
    if item is None or not item.hand_entered:
        return "bad_category"
    if origin not in ORIGINS:
        return "bad_origin"
    if origin in item.origins:
        return None
    return "legal_person_gift" if origin in LEGAL_PERSONS else "bad_origin"


def means_problem(code: str, means: str | None, amount_cents: int) -> str | None:
    item = category(code)
    if item is None or not item.individual:
        return None
    if means not in MEANS:
        return "bad_means"
    if means == CASH and amount_cents > CASH_DONATION_MAX_CENTS:
        return "cash_over_150"
    return None


def cash_total_problem(cash_total_cents: int, ceiling_cents: int | None) -> str | None:
    """`cash_total_cents`: every cash donation of the account, the new one included."""
    if ceiling_cents is None or ceiling_cents < CASH_TOTAL_FROM_CEILING_CENTS:
        return None
    share, whole = CASH_TOTAL_SHARE
    return "cash_over_share" if cash_total_cents * whole > ceiling_cents * share else None


def ceiling_excess_cents(totals: Totals, ceiling_cents: int | None) -> int:
    """Expenses over the spending ceiling (L52-11), in-kind ones included; 0 within it.

    A warning, not a refusal: the account is filed whatever it holds, and it is the CNCCFP that rejects
    an account over the ceiling and has the candidate pay the excess to the Treasury (L52-15)."""
    return max(0, totals.expenses_cents - ceiling_cents) if ceiling_cents is not None else 0


def attachment_kind(head: bytes) -> tuple[str, str] | None:
    """(mimetype, extension) of a PDF, JPEG or PNG recognised by its first bytes, or None."""
    for signature, mimetype, extension in SIGNATURES:
        if head.startswith(signature):
            return mimetype, extension
    return None


def attachment_problem(head: bytes, size: int) -> str | None:
    if size <= 0:
        return "attachment_empty"
    if size > MAX_ATTACHMENT_BYTES:
        return "attachment_too_large"
    if attachment_kind(head) is None:
        return "attachment_type"
    return None


# --- The whole account ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One amount of the account: an entry, a reversal of one (counted negatively), or the platform's donations."""

    code: str
    amount_cents: int
    reversal: bool = False
    count: int = 1


@dataclass(frozen=True)
class Totals:
    receipts: dict[str, int] = field(default_factory=dict)  # category -> cents (in-kind included)
    expenses: dict[str, int] = field(default_factory=dict)  # category -> cents (in-kind mirror included)
    counts: dict[str, int] = field(default_factory=dict)  # category -> lines (reversals subtract)
    loans: dict[str, int] = field(default_factory=dict)  # lender type -> cents

    @property
    def receipts_cents(self) -> int:
        return sum(self.receipts.values())

    @property
    def expenses_cents(self) -> int:
        return sum(self.expenses.values())

    @property
    def balance_cents(self) -> int:
        return self.receipts_cents - self.expenses_cents

    def section_cents(self, section: str) -> int:
        return sum(v for k, v in self.receipts.items() if BY_CODE[k].section == section)


def tally(lines: Iterable[Line]) -> Totals:
    """Totals by category; an in-kind receipt also counts as the expense it paid for (CNCCFP)."""
    receipts: dict[str, int] = {}
    expenses: dict[str, int] = {}
    counts: dict[str, int] = {}
    loans: dict[str, int] = dict.fromkeys(LENDERS, 0)
    for line in lines:
        item = BY_CODE[line.code]
        sign = -1 if line.reversal else 1
        side = receipts if item.kind == RECEIPT else expenses
        side[item.code] = side.get(item.code, 0) + sign * line.amount_cents
        counts[item.code] = counts.get(item.code, 0) + sign * line.count
        if item.in_kind:
            expenses[IN_KIND_EXPENSES] = expenses.get(IN_KIND_EXPENSES, 0) + sign * line.amount_cents
            counts[IN_KIND_EXPENSES] = counts.get(IN_KIND_EXPENSES, 0) + sign * line.count
        if item.lender is not None:
            loans[item.lender] += sign * line.amount_cents
    return Totals(receipts, expenses, counts, loans)


def filing_problems(totals: Totals, missing_proofs: int, state: str) -> list[str]:
    """Why the account cannot be marked filed (codes, in the order the page lists them).

    L52-12: the account is presented in balance or in surplus, never in deficit. We read it as
    receipts >= expenses, in-kind contributions on both sides; a surplus is allowed (it goes to a
    party or a foundation, L52-6). Every entry whose category requires a supporting document has one.
    """
    problems = []
    if state != DRAFT:
        problems.append("already_filed")
    if totals.balance_cents < 0:
        problems.append("deficit")
    if missing_proofs > 0:
        problems.append("missing_proofs")
    return problems


def decision_problem(state: str, decision: str) -> str | None:
    if decision not in DECISIONS:
        return "bad_decision"
    if state == DRAFT:
        return "not_filed"
    return None


def refund_problem(decision: str, refund_cents: int, contribution_cents: int, ceiling_cents: int | None) -> str | None:
    """The State's flat-rate refund (L52-11-1): none for a rejected account, at most the candidate's
    personal contribution and at most 47.5 % of the spending ceiling."""
    if refund_cents < 0 or refund_cents > MAX_ENTRY_CENTS:
        return "amount_too_large" if refund_cents > 0 else "amount_not_positive"
    if decision == REJECTED and refund_cents > 0:
        return "refund_when_rejected"
    if refund_cents > max(contribution_cents, 0):
        return "refund_over_contribution"
    if ceiling_cents is not None and refund_cents * REFUND_SHARE[1] > ceiling_cents * REFUND_SHARE[0]:
        return "refund_over_ceiling"
    return None


def personal_contribution_cents(totals: Totals) -> int:
    """What the candidate put in (own funds and loans taken by the candidate): the refund's upper bound."""
    own = ("apport_personnel", "emprunt_bancaire", "pret_parti", "pret_personne", "pret_candidat")
    return sum(totals.receipts.get(code, 0) for code in own)
