"""Open-data aggregates of received donations: counts, totals, median, distribution; never an identity."""

from __future__ import annotations

import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from participatory import csvfiles
from participatory.crowdfunding import rules
from participatory.crowdfunding.models import Candidacy, Donation, Election


def candidacy_summary(session: Session, candidacy_id: int) -> rules.Summary:
    rows = session.execute(
        select(Donation.amount_cents, Donation.donor_key).where(
            Donation.candidacy_id == candidacy_id, Donation.status.in_(rules.RECEIVED)
        )
    ).all()
    return rules.summarize([(amount, key) for amount, key in rows])


def summary_dict(candidacy: Candidacy, summary: rules.Summary) -> dict:
    return {
        "candidacy_id": candidacy.id,
        "election_id": candidacy.election_id,
        "election": candidacy.election.name,
        "constituency": candidacy.constituency_code,
        "candidate_name": candidacy.candidate_name,
        "party": candidacy.party_label,
        "currency": "EUR",
        "donations": summary.donations,
        "donors": summary.donors,
        "total_cents": summary.total_cents,
        "median_cents": summary.median_cents,
        "distribution": {
            "le_50_eur": summary.distribution["le_50"],
            "le_150_eur": summary.distribution["le_150"],
            "le_1000_eur": summary.distribution["le_1000"],
            "over_1000_eur": summary.distribution["more"],
        },
    }


def published_candidacies(session: Session) -> list[Candidacy]:
    return list(
        session.scalars(
            select(Candidacy)
            .join(Election)
            .where(Candidacy.status == rules.APPROVED)
            .order_by(Election.first_round, Candidacy.constituency_code, Candidacy.id)
        )
    )


# The first six match the open-data package's description (participatory/api/opendata.py).
CSV_COLUMNS = (
    "election_id",
    "candidacy_id",
    "constituency",
    "candidate_name",
    "donations",
    "total_cents",
    "party",
    "donors",
    "median_cents",
    "count_le_50_eur",
    "count_le_150_eur",
    "count_le_1000_eur",
    "count_over_1000_eur",
)


def national_csv(session: Session) -> str:
    out = io.StringIO()
    writer = csvfiles.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for candidacy in published_candidacies(session):
        s = summary_dict(candidacy, candidacy_summary(session, candidacy.id))
        writer.writerow(
            [
                s["election_id"],
                s["candidacy_id"],
                s["constituency"],
                s["candidate_name"],
                s["donations"],
                s["total_cents"],
                s["party"],
                s["donors"],
                "" if s["median_cents"] is None else s["median_cents"],
                *s["distribution"].values(),
            ]
        )
    return out.getvalue()
