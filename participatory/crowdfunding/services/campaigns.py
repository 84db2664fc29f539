"""Elections, candidacies, mandataires, payment accounts and the editable legal texts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from participatory.accounts.models import RoleGrant, User
from participatory.accounts.rules import CANDIDATE, FINANCIAL_AGENT, utc
from participatory.accounts.services.identity import find_by_email
from participatory.audit.services import actor_of, record
from participatory.crowdfunding import legal, rules
from participatory.crowdfunding.errors import raise_if
from participatory.crowdfunding.models import Candidacy, Election, LegalText

ACCOUNT_ID = re.compile(r"^acct_[A-Za-z0-9]{6,60}$")


def window_of(election: Election) -> rules.Window:
    return rules.collection_window(
        election.first_round, utc(election.collection_opens_at), utc(election.collection_closes_at)
    )


def _check_dates(first_round: date, second_round: date | None, opens: datetime | None, closes: datetime | None) -> None:
    raise_if("bad_dates" if second_round is not None and second_round <= first_round else None)
    window = rules.collection_window(first_round, opens, closes)
    raise_if("bad_window" if window.opens_at >= window.closes_at else None)


def create_election(
    session: Session,
    actor: User,
    now: datetime,
    *,
    name: str,
    first_round: date,
    second_round: date | None = None,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Election:
    _check_dates(first_round, second_round, opens_at, closes_at)
    election = Election(
        name=name.strip(),
        first_round=first_round,
        second_round=second_round,
        collection_opens_at=opens_at,
        collection_closes_at=closes_at,
        created_at=now,
    )
    session.add(election)
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(actor),
        action="election.create",
        object_type="election",
        object_id=election.id,
        details={"first_round": first_round.isoformat()},
    )
    return election


def update_election(
    session: Session,
    actor: User,
    now: datetime,
    election: Election,
    *,
    name: str,
    first_round: date,
    second_round: date | None,
    opens_at: datetime | None,
    closes_at: datetime | None,
) -> None:
    _check_dates(first_round, second_round, opens_at, closes_at)
    election.name, election.first_round, election.second_round = name.strip(), first_round, second_round
    election.collection_opens_at, election.collection_closes_at = opens_at, closes_at
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(actor),
        action="election.update",
        object_type="election",
        object_id=election.id,
        details={
            "first_round": first_round.isoformat(),
            "manual_window": opens_at is not None or closes_at is not None,
        },
    )


def apply(
    session: Session,
    user: User,
    now: datetime,
    *,
    election: Election,
    constituency_code: str,
    candidate_name: str,
    party_label: str,
    agent_kind: str,
    agent_name: str,
    agent_designated_on: date,
    agent_email: str,
) -> Candidacy:
    """A user applies as candidate and declares their mandataire (L52-4); an admin approves."""
    raise_if("election_over" if now >= window_of(election).closes_at else None)
    raise_if("unknown_constituency" if session.get(Constituency, constituency_code) is None else None)
    raise_if("bad_agent_kind" if agent_kind not in rules.AGENT_KINDS else None)
    raise_if("designation_in_future" if agent_designated_on > now.astimezone(rules.PARIS).date() else None)
    existing = session.scalar(
        select(Candidacy.id).where(Candidacy.election_id == election.id, Candidacy.user_id == user.id)
    )
    raise_if("already_applied" if existing is not None else None)
    # Recorded whether or not an account has this address, so that the form never tells who has one;
    # the admin sees an application without a mandataire account, and refuses it.
    agent = find_by_email(session, agent_email)
    raise_if("agent_is_candidate" if agent is not None and agent.id == user.id else None)  # L52-5, L52-6
    candidacy = Candidacy(
        election_id=election.id,
        constituency_code=constituency_code,
        user_id=user.id,
        candidate_name=candidate_name.strip(),
        party_label=party_label.strip(),
        status=rules.APPLIED,
        agent_kind=agent_kind,
        agent_name=agent_name.strip(),
        agent_designated_on=agent_designated_on,
        agent_user_id=agent.id if agent is not None else None,
        created_at=now,
    )
    session.add(candidacy)
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="candidacy.apply",
        object_type="candidacy",
        object_id=candidacy.id,
        details={"election": election.id, "constituency": constituency_code},
    )
    return candidacy


def _grant_if_missing(session: Session, user: User, role: str, actor: User, now: datetime) -> None:
    if not user.has_role(role):
        session.add(
            RoleGrant(user_id=user.id, role=role, constituency_code=None, granted_at=now, granted_by_id=actor.id)
        )


def decide(session: Session, admin: User, now: datetime, candidacy: Candidacy, *, approve: bool) -> None:
    """Approve (granting the candidate and financial_agent roles) or reject an application."""
    raise_if("already_decided" if candidacy.status != rules.APPLIED else None)
    raise_if("agent_is_candidate" if approve and candidacy.agent_user_id == candidacy.user_id else None)
    candidacy.status = rules.APPROVED if approve else rules.REJECTED
    candidacy.decided_at, candidacy.decided_by_id = now, admin.id
    if approve:
        _grant_if_missing(session, session.get(User, candidacy.user_id), CANDIDATE, admin, now)
        if candidacy.agent_user_id is not None:
            _grant_if_missing(session, session.get(User, candidacy.agent_user_id), FINANCIAL_AGENT, admin, now)
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(admin),
        action=f"candidacy.{candidacy.status}",
        object_type="candidacy",
        object_id=candidacy.id,
        details={"election": candidacy.election_id},
    )


def agent_ids(candidacy: Candidacy) -> tuple[int, ...]:
    """Who handles the campaign's money: its mandataire only, never the candidate (L52-5, L52-6),
    and never a financial agent of another campaign."""
    return (candidacy.agent_user_id,) if candidacy.agent_user_id is not None else ()


def owner_ids(candidacy: Candidacy) -> tuple[int, ...]:
    return tuple(i for i in (candidacy.user_id, candidacy.agent_user_id) if i is not None)


@dataclass(frozen=True)
class Ceiling:
    cents: int
    inhabitants: int
    estimated: bool  # True when inhabitants come from registered voters x ratio


def population_table(path: str) -> dict[str, int]:
    """`code,inhabitants` lines (header optional) from CAMPAIGN_POPULATION_CSV."""
    import csv

    table: dict[str, int] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if len(row) >= 2 and row[1].strip().isascii() and row[1].strip().isdigit():
                table[row[0].strip().upper()] = int(row[1])
    return table


def spending_ceiling(constituency: Constituency, config, population: dict[str, int]) -> Ceiling:
    if constituency.code in population:
        inhabitants, estimated = population[constituency.code], False
    else:
        inhabitants = rules.estimated_inhabitants(
            constituency.registered_voters, config["CAMPAIGN_INHABITANTS_PER_VOTER"]
        )
        estimated = True
    cents = rules.spending_ceiling_cents(
        inhabitants,
        base_cents=config["CAMPAIGN_CEILING_BASE_CENTS"],
        per_inhabitant_cents=config["CAMPAIGN_CEILING_PER_INHABITANT_CENTS"],
        coefficient=Decimal(config["CAMPAIGN_CEILING_COEFFICIENT"]),
    )
    return Ceiling(cents, inhabitants, estimated)


def legal_text(session: Session, key: str) -> str:
    row = session.get(LegalText, key)
    return row.body if row is not None else legal.DEFAULTS[key]


def set_legal_text(session: Session, admin: User, now: datetime, key: str, body: str) -> None:
    raise_if("unknown_text" if key not in legal.DEFAULTS else None)
    body = body.strip()
    raise_if("empty_text" if not body else None)
    row = session.get(LegalText, key)
    if row is None:
        session.add(LegalText(key=key, body=body, updated_at=now, updated_by_id=admin.id))
    else:
        row.body, row.updated_at, row.updated_by_id = body, now, admin.id
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(admin),
        action="legal_text.update",
        object_type="legal_text",
        object_id=key,
        details={"length": len(body)},
    )


def notices(session: Session, candidacy: Candidacy, constituency: Constituency) -> dict[str, str]:
    """The L52-9 notices of a campaign page, filled with public campaign data only."""
    values = {
        "candidate": candidacy.candidate_name,
        "party": candidacy.party_label,
        "constituency": constituency.name,
        "election": candidacy.election.name,
        "agent_kind": "association de financement" if candidacy.agent_kind == "association" else "mandataire financier",
        "agent_name": candidacy.agent_name,
        "designation_date": candidacy.agent_designated_on.strftime("%d/%m/%Y"),
    }
    return {
        key: legal.render(legal_text(session, key), **values) for key in (legal.L52_9_NOTICE, legal.L52_8, legal.L113_1)
    }
