"""Builders for tests across domains: users, and calls taken through their real services.

Shared: other domains may add builders here (keep each one small and documented).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from constituencies.models import Constituency
from participatory.accounts.models import RoleGrant, User
from participatory.accounts.rules import MP, RESIDENCE_VERIFIED, VERIFICATION_LEVELS


def make_user(
    session,
    now: datetime,
    key: str,
    constituency: str | None = "33-04",
    *roles: tuple[str, str | None],
    home: tuple[float, float] | None = None,
    level: str | None = RESIDENCE_VERIFIED,
    email: str | None = None,
    display_name: str | None = None,
    password_hash: str | None = None,
) -> User:
    """The one user builder: a user at a verification `level` (accounts.rules.VERIFICATION_LEVELS, each
    including the weaker ones; None: not even the email confirmed), resident of `constituency` (None:
    no residence), with `roles` ((role, constituency or None) pairs). Default: a verified resident.

    `key` makes the email and name unique and distinctive; the personal-data scans search for them.
    """
    held = VERIFICATION_LEVELS.index(level) if level else -1
    user = User(
        email=email or f"{key}.verite-dupont@example.test",
        display_name=f"{key.title()} Verité-Dupont" if display_name is None else display_name,
        password_hash=password_hash,
        created_at=now,
        email_confirmed_at=now if held >= 0 else None,
        constituency_code=constituency,
        residence_declared_at=now if constituency and held >= 1 else None,
        residence_verified_at=now if constituency and held >= 2 else None,
        home_lat=home[0] if home else None,
        home_lon=home[1] if home else None,
    )
    session.add(user)
    session.flush()
    for role, scope in roles:
        session.add(RoleGrant(user_id=user.id, role=role, constituency_code=scope, granted_at=now))
    session.flush()
    session.refresh(user)
    return user


@dataclass
class CallWorld:
    call: object
    mp: User
    authors: list[User]
    voters: list[User]
    proposals: list = field(default_factory=list)
    receipts: dict[int, str] = field(default_factory=dict)  # voter user id -> receipt code
    ballots: dict[int, list[int]] = field(default_factory=dict)  # voter user id -> proposal ids
    result: object = None
    closed_at: datetime | None = None


def make_closed_call(
    session,
    now: datetime,
    code: str = "33-04",
    *,
    proposals: int = 6,
    voters: int = 15,
    rule: str = "equal-shares-completed",
    seed: int = 7,
    budget_cents: int = 13_000_000,
    close: bool = True,
) -> CallWorld:
    """A call taken through every phase with the calls services, closed (results computed) before `now`.

    Proposals are reviewed (the last one infeasible), voters cast random ballots within the budget,
    and one voter changes their ballot. Committed.
    """
    from participatory.calls.services import ballots as ballot_services
    from participatory.calls.services import calls as call_services
    from participatory.calls.services import proposals as proposal_services
    from participatory.calls.services import results as result_services

    rng = random.Random(seed)
    start = now - timedelta(days=60)
    schedule = dict(
        proposals_open_at=start,
        review_open_at=start + timedelta(days=10),
        voting_open_at=start + timedelta(days=20),
        voting_close_at=start + timedelta(days=30),
    )
    mp = make_user(session, start, f"mp{code.replace('-', '')}", code, (MP, code))
    call = call_services.create_call(
        session,
        mp,
        start - timedelta(days=1),
        code,
        call_services.CallSettings(
            year=start.year,
            title=f"Budget participatif {code}",
            description="",
            budget_cents=budget_cents,
            rule=rule,
            verification_level="residence",
            **schedule,
        ),
    )
    place = session.get(Constituency, code)
    point = (place.label_lat, place.label_lon) if place.label_lat is not None else (None, None)
    authors = [
        make_user(session, start, f"author{i}-{code}", code, home=(44.812345 + i / 1000, -0.581234)) for i in range(3)
    ]
    world = CallWorld(call=call, mp=mp, authors=authors, voters=[])
    for i in range(proposals):
        cost = rng.randrange(1_000_000, 6_000_000, 10_000)
        world.proposals.append(
            proposal_services.submit(
                session,
                authors[i % len(authors)],
                start + timedelta(days=1, minutes=i),
                call,
                proposal_services.ProposalInput(
                    title=f"Projet {i} du quartier",
                    summary="Résumé",
                    description="Texte",
                    category="environment",
                    estimated_cost_cents=cost,
                    lat=point[0],
                    lon=point[1],
                ),
            )
        )
    for i, proposal in enumerate(world.proposals):
        feasible = i < proposals - 1
        proposal_services.review(
            session,
            mp,
            start + timedelta(days=11),
            proposal,
            "feasible" if feasible else "infeasible",
            proposal.estimated_cost_cents if feasible else None,
            "" if feasible else "Hors compétence",
        )
    on_ballot = [p for p in world.proposals if p.feasibility == "feasible"]
    for v in range(voters):
        voter = make_user(session, start, f"voter{v}-{code}", code, home=(44.823456 + v / 10000, -0.591234))
        world.voters.append(voter)
        world.ballots[voter.id], world.receipts[voter.id] = _cast(
            session, rng, ballot_services, call, voter, on_ballot, start + timedelta(days=21, minutes=v)
        )
    changer = world.voters[0]  # changing a ballot replaces its receipt
    world.ballots[changer.id], world.receipts[changer.id] = _cast(
        session, rng, ballot_services, call, changer, on_ballot, start + timedelta(days=22)
    )
    if close:
        world.closed_at = schedule["voting_close_at"] + timedelta(minutes=1)
        world.result = result_services.close_call(session, call.id, world.closed_at)
    session.commit()
    return world


def _cast(session, rng, ballot_services, call, voter, on_ballot, when):
    choice, total = [], 0
    for proposal in rng.sample(on_ballot, k=len(on_ballot)):
        if total + proposal.final_cost_cents <= call.budget_cents and len(choice) < rng.randint(1, 4):
            choice.append(proposal.id)
            total += proposal.final_cost_cents
    receipt = ballot_services.cast(session, voter, when, call.id, choice)
    return sorted(choice), receipt.code
