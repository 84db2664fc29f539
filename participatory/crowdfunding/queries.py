"""Reading the campaign account: the filing export (private, with identities, for the mandataire) and
the published data (per candidate and national: categories, amounts and counts only; never a name)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from participatory import csvfiles
from participatory.crowdfunding.models import CampaignAccount, Candidacy, Election
from participatory.crowdfunding.rules import campaign_account as rules
from participatory.crowdfunding.services import campaign_account as services


@dataclass(frozen=True)
class View:
    candidacy: Candidacy
    account: CampaignAccount | None
    totals: rules.Totals

    @property
    def state(self) -> str:
        return self.account.state if self.account else rules.DRAFT

    @property
    def published(self) -> bool:
        return self.state in rules.PUBLISHED


def view_of(session: Session, candidacy: Candidacy) -> View:
    account = services.account_of(session, candidacy)
    return View(candidacy, account, services.totals(session, candidacy, account))


def published(session: Session, candidacy: Candidacy) -> bool:
    account = services.account_of(session, candidacy)
    return account is not None and account.state in rules.PUBLISHED


def _iso(moment) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def public_dict(view: View) -> dict:
    """The published account of one candidate: what the CNCCFP form totals, no identity."""
    t, account, c = view.totals, view.account, view.candidacy
    lines = [
        {
            "kind": item.kind,
            "section": item.section,
            "category": item.code,
            "label_fr": item.fr,
            "label_en": item.en,
            "count": t.counts.get(item.code, 0),
            "amount_cents": (t.receipts if item.kind == rules.RECEIPT else t.expenses).get(item.code, 0),
        }
        for item in rules.CATEGORIES
        if item.code in t.counts
    ]
    return {
        "candidacy_id": c.id,
        "election_id": c.election_id,
        "election": c.election.name,
        "constituency": c.constituency_code,
        "candidate_name": c.candidate_name,
        "party": c.party_label,
        "currency": "EUR",
        "state": view.state,
        "filed_at": _iso(account.filed_at) if account else None,
        "decision_on": account.decision_on.isoformat() if account and account.decision_on else None,
        "refund_cents": account.refund_cents if account else None,
        "receipts_cents": t.receipts_cents,
        "expenses_cents": t.expenses_cents,
        "balance_cents": t.balance_cents,
        "loans": {lender: t.loans.get(lender, 0) for lender in rules.LENDERS},
        "lines": lines,
    }


def published_views(session: Session) -> list[View]:
    accounts = session.scalars(
        select(CampaignAccount)
        .join(Candidacy, Candidacy.id == CampaignAccount.candidacy_id)
        .join(Election, Election.id == Candidacy.election_id)
        .where(CampaignAccount.state.in_(rules.PUBLISHED))
        .order_by(Election.first_round, Candidacy.constituency_code, Candidacy.id)
    ).all()
    return [View(a.candidacy, a, services.totals(session, a.candidacy, a)) for a in accounts]


# Columns of the national files; participatory/api/opendata.py describes them in datapackage.json.
SUMMARY_FIELDS = (
    ("candidacy_id", "integer", "Candidacy"),
    ("election_id", "integer", "Election"),
    ("constituency", "string", "Constituency code"),
    ("candidate_name", "string", "Candidate as on the ballot (public)"),
    ("party", "string", "Party label"),
    ("state", "string", "filed, approved, reformed (approved after reformation) or rejected"),
    ("filed_at", "datetime", "When the mandataire marked the account filed (UTC)"),
    ("decision_on", "date", "Date of the CNCCFP's decision (empty before it)"),
    ("refund_cents", "integer", "State refund, euro cents (empty until entered)"),
    ("receipts_cents", "integer", "Total receipts, euro cents (in-kind included)"),
    ("expenses_cents", "integer", "Total expenses, euro cents (in-kind included)"),
    ("balance_cents", "integer", "Receipts minus expenses, euro cents"),
    ("loans_bank_cents", "integer", "Loans from banks, euro cents"),
    ("loans_party_cents", "integer", "Loans from political parties, euro cents"),
    ("loans_person_cents", "integer", "Loans from individuals (aggregate), euro cents"),
    ("loans_candidate_cents", "integer", "Loans from the candidate, euro cents"),
)
LINE_FIELDS = (
    ("candidacy_id", "integer", "Candidacy"),
    ("kind", "string", "receipt or expense"),
    ("section", "string", "Heading of the CNCCFP form"),
    ("category", "string", "Category code (README, Campaign account)"),
    ("label", "string", "Category, in French"),
    ("count", "integer", "Entries in the category (corrections deducted)"),
    ("amount_cents", "integer", "Total of the category, euro cents"),
)


def _csv(fields: tuple, rows: list[list]) -> str:
    out = io.StringIO(newline="")
    writer = csvfiles.writer(out, lineterminator="\n")
    writer.writerow([name for name, _, _ in fields])
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue()


def national_summary_csv(session: Session) -> str:
    rows = []
    for view in published_views(session):
        d = public_dict(view)
        rows.append(
            [
                d["candidacy_id"],
                d["election_id"],
                d["constituency"],
                d["candidate_name"],
                d["party"],
                d["state"],
                d["filed_at"],
                d["decision_on"],
                d["refund_cents"],
                d["receipts_cents"],
                d["expenses_cents"],
                d["balance_cents"],
                *(d["loans"][lender] for lender in rules.LENDERS),
            ]
        )
    return _csv(SUMMARY_FIELDS, rows)


def national_lines_csv(session: Session) -> str:
    rows = []
    for view in published_views(session):
        for line in public_dict(view)["lines"]:
            rows.append(
                [
                    view.candidacy.id,
                    line["kind"],
                    line["section"],
                    line["category"],
                    line["label_fr"],
                    line["count"],
                    line["amount_cents"],
                ]
            )
    return _csv(LINE_FIELDS, rows)


# --- Filing (private) -------------------------------------------------------------------------------

FILING_COLUMNS = (
    "ligne",
    "type",
    "rubrique",
    "libelle_rubrique",
    "date",
    "montant_cents",
    "objet",
    "origine",
    "tiers",
    "reference",
    "moyen_paiement",
    "donateur_prenom",
    "donateur_nom",
    "donateur_adresse",
    "donateur_code_postal",
    "donateur_commune",
    "donateur_pays",
    "annule_ligne",
    "correction_apres_depot",
    "pieces_jointes",
)


def filing_csv(session: Session, view: View) -> str:
    """Every line for the filing: summary by category first, then the detailed entries with identities
    (the mandataire's copy; never published)."""
    t = view.totals
    out = io.StringIO(newline="")
    writer = csvfiles.writer(out, lineterminator="\n")
    writer.writerow(("type", "rubrique", "libelle_rubrique", "nombre", "montant_cents"))
    for item in rules.CATEGORIES:
        if item.code in t.counts:
            side = t.receipts if item.kind == rules.RECEIPT else t.expenses
            writer.writerow((item.kind, item.code, item.fr, t.counts[item.code], side[item.code]))
    writer.writerow(("total", "recettes", "", "", t.receipts_cents))
    writer.writerow(("total", "depenses", "", "", t.expenses_cents))
    writer.writerow(("total", "solde", "", "", t.balance_cents))
    writer.writerow(())
    writer.writerow(FILING_COLUMNS)
    count, total = services.platform_donations(session, view.candidacy)
    if count:
        writer.writerow(
            ["plateforme", "receipt", rules.PLATFORM_DONATIONS, rules.BY_CODE[rules.PLATFORM_DONATIONS].fr, "", total]
            + [f"{count} dons (registre des dons)"]
            + [""] * 13
        )
    for e in view.account.entries if view.account else []:
        writer.writerow(
            [
                e.id,
                e.kind,
                e.category,
                rules.BY_CODE[e.category].fr,
                e.entry_date.isoformat(),
                -e.amount_cents if e.reverses_id else e.amount_cents,
                e.label,
                e.origin or "",
                e.counterparty or "",
                e.reference or "",
                e.means or "",
                e.donor_first_name or "",
                e.donor_last_name or "",
                e.donor_address or "",
                e.donor_postal_code or "",
                e.donor_city or "",
                e.donor_country or "",
                e.reverses_id or "",
                "oui" if e.after_filing else "non",
                len(e.attachments),
            ]
        )
    return out.getvalue()
