"""The donations of a signed-in donor, in their personal-data download (accounts' registry)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from participatory.accounts.models import User
from participatory.accounts.personal_data import register, when
from participatory.crowdfunding.models import Donation


@register("donations")
def donations_part(session: Session, user: User) -> list:
    """Donations made while signed in (anonymous donations are matched by the mandataire, not here)."""
    rows = session.scalars(select(Donation).where(Donation.user_id == user.id).order_by(Donation.id))
    return [
        {
            "candidacy": d.candidacy_id,
            "candidate": d.candidacy.candidate_name,
            "amount_cents": d.amount_cents,
            "currency": d.currency,
            "status": d.status,
            "created_at": when(d.created_at),
            "succeeded_at": when(d.succeeded_at),
            "receipt": d.receipt_number,
            "identity": {
                "first_name": d.first_name,
                "last_name": d.last_name,
                "email": d.email,
                "address": d.address,
                "postal_code": d.postal_code,
                "city": d.city,
                "country": d.country,
                "eligibility": d.eligibility,
            },
        }
        for d in rows
    ]
