"""The donor's receipt document (PDF, fpdf2) and the email that carries it.

It holds the R39-1 data the mandataire needs for the official receipt; it is not the
official CNCCFP form and says so. Written in the outbox (participatory/outbox.py) in the transaction that
sets receipt_sent_at, and sent after its commit: the outbox retries a failed delivery. A donation whose
receipt was never promised (the promise's transaction failed) is found by `flask donations send-receipts`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from participatory import outbox
from participatory.accounts.rules import utc
from participatory.crowdfunding import legal, rules
from participatory.crowdfunding.models import Donation
from participatory.crowdfunding.services.campaigns import legal_text
from participatory.mail import Attachment, Mail

log = logging.getLogger(__name__)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def _euros(cents: int) -> str:
    return f"{cents // 100:,}".replace(",", "\u202f") + f",{cents % 100:02d} EUR"


def _pdf() -> tuple[FPDF, str]:
    pdf = FPDF(format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    if (FONT_DIR / "DejaVuSans.ttf").is_file():  # any Unicode name prints correctly
        pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        return pdf, "DejaVu"
    return pdf, "Helvetica"


def _text(value: str, family: str) -> str:
    # The built-in Helvetica only knows Latin-1.
    return value if family == "DejaVu" else value.encode("latin-1", "replace").decode("latin-1")


def receipt_pdf(session: Session, donation: Donation) -> bytes:
    candidacy = donation.candidacy
    constituency = session.get(Constituency, candidacy.constituency_code)
    pdf, family = _pdf()

    def line(text: str, size: int = 10, bold: bool = False, gap: float = 1.5) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.multi_cell(0, size * 0.5, _text(text, family), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    number = rules.receipt_label(candidacy.id, donation.receipt_number or 0)
    paid = utc(donation.succeeded_at or donation.created_at).astimezone(rules.PARIS)
    line(f"Document de don n° {number}", 15, bold=True)
    line(
        "Document établi par la plateforme à partir des données transmises au mandataire. Ce n'est pas le reçu "
        "officiel (formulaire CNCCFP) : celui-ci est délivré par le mandataire financier.",
        9,
        gap=4,
    )
    line("Bénéficiaire", 11, bold=True)
    line(f"Candidat(e) : {candidacy.candidate_name} ({candidacy.party_label})")
    where = constituency.name if constituency else candidacy.constituency_code
    line(f"Élection : {candidacy.election.name} — circonscription {where}")
    kind = "Association de financement" if candidacy.agent_kind == "association" else "Mandataire financier"
    line(f"{kind} : {candidacy.agent_name}, désigné(e) le {candidacy.agent_designated_on.strftime('%d/%m/%Y')}", gap=4)
    line("Donateur (article R39-1)", 11, bold=True)
    line(f"{donation.first_name} {donation.last_name}")
    line(f"{donation.address}, {donation.postal_code} {donation.city}, {donation.country}")
    line("Nationalité française" if donation.eligibility == "nationality" else "Résidence en France")
    line("Atteste être une personne physique donnant ses propres fonds.", gap=4)
    line("Don", 11, bold=True)
    line(f"Montant : {_euros(donation.amount_cents)}")
    line(f"Date : {paid.strftime('%d/%m/%Y %H:%M')} (heure de Paris)")
    line("Moyen de paiement : carte bancaire (Stripe)")
    line(f"Référence de paiement : {donation.payment_intent_id}", gap=4)
    line(legal_text(session, legal.RECEIPT_NOTICE), 9)
    return bytes(pdf.output())


def receipt_mail(session: Session, donation: Donation) -> Mail:
    candidacy = donation.candidacy
    number = rules.receipt_label(candidacy.id, donation.receipt_number or 0)
    body = _(
        "Merci pour votre don de %(amount)s à %(candidate)s. Vous trouverez ci-joint le document de don n° "
        "%(number)s. Le reçu officiel, qui ouvre droit à la réduction d'impôt de 66 %% (dans la limite de 20 %% "
        "du revenu imposable), vous sera délivré par le mandataire financier.",
        amount=_euros(donation.amount_cents),
        candidate=candidacy.candidate_name,
        number=number,
    )
    return Mail(
        to=donation.email,
        subject=_("Votre don n° %(number)s", number=number),
        body=body,
        attachments=[Attachment(f"don-{number}.pdf", receipt_pdf(session, donation))],
    )


def deliver_receipt(session: Session, donation_id: int, now: datetime) -> bool:
    """Promise one receipt if still due (the outbox sends it once the caller committed receipt_sent_at with
    it, and `outbox.dispatch()` is called)."""
    donation = session.get(Donation, donation_id)
    if donation is None or donation.receipt_sent_at is not None or donation.status != rules.SUCCEEDED:
        return False
    outbox.add(session, receipt_mail(session, donation), now)
    donation.receipt_sent_at = now
    session.flush()
    return True


def due_receipts(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(Donation.id)
            .where(Donation.status == rules.SUCCEEDED, Donation.receipt_sent_at.is_(None))
            .order_by(Donation.id)
        )
    )
