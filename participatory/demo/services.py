"""Seeding (and removing) the national demo.

What goes through the real services, and what is bulk-inserted
    Calls are created by their constituency's demo MP with `create_call`, results are
    computed and published with `close_call` (the tally engine, its `call.results_computed`
    event and digest), one implementation update per closed call with `post_update`, the
    election with `create_election`. Users, proposals (with their review), ballots, ballot
    items, candidacies and donations are bulk-inserted (PostgreSQL COPY): the ORM and one
    audit event per row would take hours for a million ballots.

Audit
    Bulk rows get no event of their own. Instead each seeded constituency gets one
    `demo.call_seeded` event (call, phase, numbers of proposals, ballots, candidacies,
    donations), and the run one `demo.seeded` event (seed and totals); `--reset` appends
    `demo.reset`. The audit log is append-only: events of a removed demo stay in it.

Demo data
    Every demo account has an address at example.org (reserved for documentation) and no
    password: nobody can sign in as a demo voter, except the few sign-ins of sign_ins.py (one per role,
    with a printed password, when DEMO_ACCOUNTS_ALLOWED). Demo calls are those created by a demo
    MP; the demo election is named DEMO_ELECTION_NAME. `has_demo_data` looks for both.

Reset
    `--reset` removes the demo's calls, campaigns and accounts, and with them what testers did with the
    demo sign-ins: the demo MP's meetings and consultations (with their comments and amendments), and
    every row pointing at a removed row, removed or detached as its foreign key says (`_remove`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import ColumnElement, Table, delete, exists, func, select, update
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from participatory.accounts import voter_keys
from participatory.accounts.models import RoleGrant, User
from participatory.accounts.rules import CANDIDATE, FINANCIAL_AGENT, MP
from participatory.audit.services import SYSTEM, record
from participatory.calls import rules as call_rules
from participatory.calls.models import (
    Ballot,
    BallotItem,
    Call,
    Proposal,
)
from participatory.calls.services.calls import CallSettings, create_call
from participatory.calls.services.implementation import post_update
from participatory.calls.services.results import close_call
from participatory.crowdfunding import rules as money_rules
from participatory.crowdfunding.models import Candidacy, ConnectAccount, Donation, DonorCap, Election, StripeEvent
from participatory.crowdfunding.services.campaigns import create_election
from participatory.demo import builders, bulk, rules
from participatory.demo import vocabulary as words
from participatory.demo.places import sample_points
from participatory.extensions import Model
from participatory.mandate.models import Consultation, Meeting

DEMO_ELECTION_NAME = "Élections législatives (démonstration)"
MAX_DEPENDENT_DEPTH = 12  # rows pointing at rows pointing at a demo row…: far more levels than the models have
Progress = Callable[[int], None]


class DemoError(Exception):
    """The demo cannot be seeded as asked; the message says why (nothing was stored)."""


@dataclass(frozen=True)
class SeedOptions:
    calls: int = rules.DEFAULT_CALLS
    voters_per_call: int = rules.DEFAULT_VOTERS_PER_CALL
    seed: int = rules.DEFAULT_SEED


@dataclass
class SeedReport:
    phases: dict[str, int] = field(default_factory=dict)
    calls: int = 0
    proposals: int = 0
    users: int = 0
    ballots: int = 0
    results: int = 0
    candidacies: int = 0
    donations: int = 0


@dataclass(frozen=True)
class CallPlan:
    index: int
    constituency: Constituency
    phase: str
    ballots: int


def _demo_users():
    return select(User.id).where(User.email.like(f"%@{builders.DEMO_EMAIL_DOMAIN}"))


def has_demo_data(session: Session) -> bool:
    return bool(
        session.scalar(select(exists(_demo_users())))
        or session.scalar(select(exists().where(Election.name == DEMO_ELECTION_NAME)))
    )


def free_constituencies(session: Session) -> list[Constituency]:
    """Constituencies without any call yet, by code."""
    taken = select(Call.constituency_code)
    return list(
        session.scalars(select(Constituency).where(Constituency.code.not_in(taken)).order_by(Constituency.code))
    )


def plan(session: Session, options: SeedOptions) -> list[CallPlan]:
    free = free_constituencies(session)
    problem = rules.arguments_problem(options.calls, options.voters_per_call, options.seed, len(free))
    if problem:
        raise DemoError(problem)
    rng = np.random.default_rng([options.seed, 0])
    chosen = [free[i] for i in rng.permutation(len(free))[: options.calls].tolist()]
    phases = rules.phase_plan(options.calls)
    voting = [i for i, phase in enumerate(phases) if phase in rules.BALLOT_PHASES]
    shares = rules.apportion(options.voters_per_call * len(voting), [chosen[i].registered_voters for i in voting])
    ballots = dict(zip(voting, shares, strict=False))
    return [CallPlan(i, chosen[i], phases[i], ballots.get(i, 0)) for i in range(options.calls)]


def seed(session: Session, now: datetime, options: SeedOptions, progress: Progress | None = None) -> SeedReport:
    """Seed the demo in the session's transaction (the caller commits); DemoError changes nothing."""
    if has_demo_data(session):
        raise DemoError("this database already has demo data: run `flask demo seed --reset` to replace it")
    plans = plan(session, options)
    report = SeedReport(phases=rules.phase_counts(options.calls))
    election = create_election(
        session,
        None,
        now,
        name=DEMO_ELECTION_NAME,
        first_round=(now + timedelta(days=120)).date(),
        second_round=(now + timedelta(days=127)).date(),
    )
    donors: set[str] = set()  # donor keys already used: one cap row per invented donor
    growing = bulk.GrowingTables(session, [Ballot.__table__, BallotItem.__table__])
    with bulk.foreign_keys_checked_once(session, [User.__table__, Ballot.__table__, BallotItem.__table__]):
        for call_plan in plans:
            rng = np.random.default_rng([options.seed, 1, call_plan.index])
            call, proposals = _seed_call(session, now, rng, call_plan, report, growing)
            # Campaigns draw from their own stream: the same candidates whatever the number of ballots.
            campaign_rng = np.random.default_rng([options.seed, 2, call_plan.index])
            candidacies, donations = _seed_campaigns(session, now, campaign_rng, call_plan, election, report, donors)
            record(
                session,
                now=now,
                actor=SYSTEM,
                action="demo.call_seeded",
                object_type="call",
                object_id=call.id,
                details={
                    "constituency": call_plan.constituency.code,
                    "phase": call_plan.phase,
                    "proposals": proposals,
                    "ballots": call_plan.ballots,
                    "candidacies": candidacies,
                    "donations": donations,
                },
            )
            if progress:
                progress(call_plan.ballots)
    record(
        session,
        now=now,
        actor=SYSTEM,
        action="demo.seeded",
        object_type="demo",
        object_id=options.seed,
        details={
            "seed": options.seed,
            "calls": report.calls,
            "voters_per_call": options.voters_per_call,
            "proposals": report.proposals,
            "ballots": report.ballots,
            "results": report.results,
            "candidacies": report.candidacies,
            "donations": report.donations,
        },
    )
    return report


def _insert_users(
    session: Session,
    rng,
    count: int,
    tag: str,
    constituency: str | None,
    created_from: datetime,
    created_to: datetime,
    report: SeedReport,
) -> list[int]:
    return [
        row[0] for row in _insert_user_rows(session, rng, count, tag, constituency, created_from, created_to, report)
    ]


def _insert_user_rows(
    session: Session,
    rng,
    count: int,
    tag: str,
    constituency: str | None,
    created_from: datetime,
    created_to: datetime,
    report: SeedReport,
) -> list[tuple]:
    """The inserted rows, in builders.USER_COLUMNS order (id, email, ...)."""
    ids = bulk.reserve_ids(session, User.__table__, count)
    rows = builders.user_rows(rng, ids, tag, constituency, created_from, created_to)
    bulk.insert_rows(session, User.__table__, builders.USER_COLUMNS, rows)
    report.users += count
    return rows


def _grant(session: Session, user_ids: list[int], role: str, scope: str | None, now: datetime) -> None:
    bulk.insert_rows(
        session,
        RoleGrant.__table__,
        ("user_id", "role", "constituency_code", "granted_at"),
        [(uid, role, scope, now) for uid in user_ids],
    )


def _seed_call(
    session: Session, now: datetime, rng, plan_: CallPlan, report: SeedReport, growing: bulk.GrowingTables
) -> tuple[Call, int]:
    """The call of one constituency, its proposals and ballots, closed when in results; (call, proposals)."""
    place = plan_.constituency
    opens, review_at, voting_at, close_at = rules.schedule_for(plan_.phase, now, int(rng.integers(10)))
    mp_id = _insert_users(
        session,
        rng,
        1,
        f"depute-{place.code.lower()}",
        place.code,
        opens - timedelta(days=90),
        opens - timedelta(days=30),
        report,
    )[0]
    _grant(session, [mp_id], MP, place.code, now)
    mp = session.get(User, mp_id)
    settings = CallSettings(
        year=now.year,
        title=builders.pick(rng, words.CALL_TITLES).format(annee=now.year, nom=place.name)[:160],
        description=words.CALL_DESCRIPTION,
        budget_cents=call_rules.DEFAULT_BUDGET_CENTS,
        proposals_open_at=opens,
        review_open_at=review_at,
        voting_open_at=voting_at,
        voting_close_at=close_at,
        min_projects=1,
        max_projects=builders.pick(rng, [None, None, 3, 5]),
        knapsack=True,
        rule=builders.pick(rng, [call_rules.DEFAULT_RULE] * 3 + list(call_rules.TALLY_RULES)),
        verification_level="residence",
    )
    # Created (and logged) two weeks before it opened: a call's dates cannot be set in the past.
    call = create_call(session, mp, opens - timedelta(days=14), place.code, settings)
    report.calls += 1
    if plan_.phase == call_rules.UPCOMING:
        return call, 0
    count = int(rng.integers(8, 19))
    authors = min(count, 6)
    people = _insert_user_rows(
        session,
        rng,
        authors + plan_.ballots,
        f"{place.code.lower()}-{plan_.index}",
        place.code,
        opens - timedelta(days=60),
        opens,
        report,
    )
    on_ballot = _insert_proposals(session, now, rng, call, plan_, count, [row[0] for row in people[:authors]], mp_id)
    report.proposals += count
    _insert_ballots(session, now, rng, call, on_ballot, people[authors:])
    report.ballots += plan_.ballots
    growing.grew(plan_.ballots)
    if plan_.phase == call_rules.RESULTS:
        growing.analyze_if_doubled()  # the tally reads this call's ballots by index, not the whole table
        result = close_call(session, call.id, now)
        report.results += 1
        if result is not None and result.selected:
            winner = session.get(Proposal, result.selected[0])
            post_update(session, mp, now, winner, "planned", builders.pick(rng, words.IMPLEMENTATION_NOTES), now.date())
    return call, count


PROPOSAL_COLUMNS = (
    "id",
    "call_id",
    "author_id",
    "title",
    "summary",
    "description",
    "category",
    "estimated_cost_cents",
    "lat",
    "lon",
    "created_at",
    "updated_at",
    "feasibility",
    "final_cost_cents",
    "review_reason",
    "reviewed_at",
    "reviewed_by_id",
    "hidden_at",
    "hidden_reason",
    "hidden_by_id",
    "withdrawn_at",
)


def _insert_proposals(
    session: Session, now: datetime, rng, call: Call, plan_: CallPlan, count: int, authors: list[int], mp_id: int
) -> list[tuple[int, int]]:
    """The call's proposals, reviewed as its phase implies; returns (id, final cost) of those on the ballot."""
    place = plan_.constituency
    until = min(call_rules.aware(call.review_open_at), now)
    drafts = builders.proposal_drafts(
        rng,
        count,
        call.budget_cents,
        builders.communes_of(place.communes, place.department_name),
        call_rules.aware(call.proposals_open_at),
        until,
    )
    points = sample_points(place.geometry_wkb, len(drafts), rng) or [(None, None)] * len(drafts)
    ids = bulk.reserve_ids(session, Proposal.__table__, len(drafts))
    reviewing = plan_.phase in (call_rules.REVIEW, call_rules.VOTING, call_rules.RESULTS)
    rows, on_ballot = [], []
    for n, (pid, draft, (lat, lon)) in enumerate(zip(ids, drafts, points, strict=False)):
        roll = float(rng.random())
        withdrawn = draft.created_at + timedelta(days=2) if roll < 0.03 and n >= 3 else None
        hidden = roll > 0.97 and n >= 3 and withdrawn is None
        reviewed = (
            reviewing
            and withdrawn is None
            and not hidden
            and (plan_.phase != call_rules.REVIEW or float(rng.random()) < 0.5)
        )
        feasible = reviewed and (n < 3 or float(rng.random()) < 0.85)  # three at least on every ballot
        final = builders.reviewed_cost(rng, draft.estimated_cost_cents, call.budget_cents) if feasible else None
        reviewed_at = (
            min(call_rules.aware(call.review_open_at) + timedelta(days=float(rng.uniform(1, 15))), now)
            if reviewed
            else None
        )
        rows.append(
            (
                pid,
                call.id,
                authors[n % len(authors)],
                draft.title,
                draft.summary,
                draft.description,
                draft.category,
                draft.estimated_cost_cents,
                lat,
                lon,
                draft.created_at,
                draft.created_at,
                (call_rules.FEASIBLE if feasible else call_rules.INFEASIBLE) if reviewed else None,
                final,
                "" if feasible or not reviewed else builders.pick(rng, words.INFEASIBLE_REASONS),
                reviewed_at,
                mp_id if reviewed else None,
                draft.created_at + timedelta(days=3) if hidden else None,
                builders.pick(rng, words.HIDDEN_REASONS) if hidden else "",
                mp_id if hidden else None,
                withdrawn,
            )
        )
        if feasible:
            on_ballot.append((pid, final))
    bulk.insert_rows(session, Proposal.__table__, PROPOSAL_COLUMNS, rows)
    return on_ballot


def _insert_ballots(
    session: Session, now: datetime, rng, call: Call, on_ballot: list[tuple[int, int]], voter_rows: list[tuple]
) -> None:
    """One ballot per voter row (id, email, ...), keyed by the voter's email as a vote through the site is."""
    if not voter_rows:
        return
    voters = [row[0] for row in voter_rows]
    secret = voter_keys.configured_key()
    keys = [voter_keys.voter_key(voter_keys.EMAIL, row[1], secret) for row in voter_rows]
    costs = np.array([cost for _, cost in on_ballot], dtype=np.int64)
    pids = np.array([pid for pid, _ in on_ballot], dtype=np.int64)
    voter_index, project_index = builders.ballots(rng, costs, call.budget_cents, len(voters), call.max_projects)
    ids = bulk.reserve_ids(session, Ballot.__table__, len(voters))
    end = min(call_rules.aware(call.voting_close_at), now)
    cast_at = builders.moments(rng, len(voters), call_rules.aware(call.voting_open_at), end)
    public_ids = builders.hex_tokens(rng, len(voters), 16)
    receipts = builders.receipt_hashes(rng, len(voters))
    bulk.insert_rows(
        session,
        Ballot.__table__,
        ("id", "call_id", "voter_id", "voter_key", "public_id", "receipt_hash", "created_at", "updated_at"),
        zip(ids, [call.id] * len(ids), voters, keys, public_ids, receipts, cast_at, cast_at, strict=False),
    )
    ballot_ids = np.array(ids, dtype=np.int64)
    bulk.insert_rows(
        session,
        BallotItem.__table__,
        ("ballot_id", "proposal_id"),
        zip(ballot_ids[voter_index].tolist(), pids[project_index].tolist(), strict=False),
    )


CANDIDACY_COLUMNS = (
    "id",
    "election_id",
    "constituency_code",
    "user_id",
    "candidate_name",
    "party_label",
    "status",
    "agent_kind",
    "agent_name",
    "agent_designated_on",
    "agent_user_id",
    "stripe_account_id",
    "created_at",
    "decided_at",
)
CONNECT_COLUMNS = (
    "candidacy_id",
    "account_id",
    "origin",
    "state",
    "charges_enabled",
    "payouts_enabled",
    "card_payments",
    "details_submitted",
    "requirements_due",
    "stripe_as_of",
    "created_at",
    "updated_at",
)
DONATION_COLUMNS = (
    "ref",
    "candidacy_id",
    "election_id",
    "donor_key",
    "amount_cents",
    "currency",
    "status",
    "created_at",
    "succeeded_at",
    "first_name",
    "last_name",
    "email",
    "address",
    "postal_code",
    "city",
    "country",
    "eligibility",
    "attested_natural_person",
    "attested_own_funds",
    "payment_intent_id",
    "receipt_number",
    "receipt_sent_at",
    "over_cap",
)


def _seed_campaigns(
    session: Session, now: datetime, rng, plan_: CallPlan, election: Election, report: SeedReport, seen: set[str]
) -> tuple[int, int]:
    """Two to four approved candidates in the constituency, each with a mandataire and received donations.

    Donations are already paid (`succeeded`, numbered receipts marked as sent, so no mail
    goes out); donors are invented, each under the cap, and get their `donor_cap` row.
    """
    place = plan_.constituency
    count = int(rng.integers(2, 5))
    tag = f"{place.code.lower()}-{plan_.index}"
    opens = money_rules.collection_opens(election.first_round)
    start = max(opens, now - timedelta(days=60))
    candidates = _insert_users(
        session, rng, count, f"candidat-{tag}", place.code, start - timedelta(days=30), start, report
    )
    agents = _insert_users(
        session, rng, count, f"mandataire-{tag}", place.code, start - timedelta(days=30), start, report
    )
    _grant(session, candidates, CANDIDATE, None, now)
    _grant(session, agents, FINANCIAL_AGENT, None, now)
    ids = bulk.reserve_ids(session, Candidacy.__table__, count)
    names = builders.people(rng, 2 * count)
    parties = rng.permutation(len(words.PARTIES))[:count].tolist()
    accounts = builders.hex_tokens(rng, count, 8)
    bulk.insert_rows(
        session,
        Candidacy.__table__,
        CANDIDACY_COLUMNS,
        [
            (
                ids[i],
                election.id,
                place.code,
                candidates[i],
                names[i].full_name,
                words.PARTIES[parties[i]],
                money_rules.APPROVED,
                "mandataire",
                names[count + i].full_name,
                (start - timedelta(days=20)).date(),
                agents[i],
                f"acct_demo{accounts[i]}",
                start - timedelta(days=25),
                start - timedelta(days=21),
            )
            for i in range(count)
        ],
    )
    # Invented accounts, stored as Stripe would describe an account taking donations (the demo's campaigns
    # collect); `flask donations sync-accounts` against a real Stripe would find none of them.
    bulk.insert_rows(
        session,
        ConnectAccount.__table__,
        CONNECT_COLUMNS,
        [
            (ids[i], f"acct_demo{accounts[i]}", "demo", money_rules.ACCOUNT_READY, True, True, "active", True, False)
            + (0, start - timedelta(days=21), start - timedelta(days=21))
            for i in range(count)
        ],
    )
    donations, keys = [], []
    for i in range(count):
        given = int(rng.integers(0, 31))
        donors = builders.people(rng, given)
        when = sorted(builders.moments(rng, given, start, now - timedelta(minutes=5)))
        refs, intents = builders.refs(rng, given), builders.hex_tokens(rng, given, 12)
        number = 0
        for donor, moment, ref, intent in zip(donors, when, refs, intents, strict=False):
            postal, country = builders.postal_code(rng, place.department_code)
            key = money_rules.donor_identity_key(donor.first_name, donor.last_name, postal, country)
            if key in seen:
                continue  # an invented namesake at the same postal code: skip rather than merge caps
            seen.add(key)
            keys.append(key)
            number += 1
            donations.append(
                (
                    ref,
                    ids[i],
                    election.id,
                    key,
                    builders.donation_amount(rng),
                    "eur",
                    money_rules.SUCCEEDED,
                    moment,
                    moment,
                    donor.first_name,
                    donor.last_name,
                    donor.email(f"don-{ref[:8].lower()}"),
                    f"{int(rng.integers(1, 120))} {builders.pick(rng, words.STREETS)}",
                    postal,
                    builders.pick(rng, words.CITIES),
                    country,
                    "nationality"
                    if country != "FR"
                    else builders.pick(rng, ["nationality", "nationality", "residence"]),
                    True,
                    True,
                    f"pi_demo{intent}",
                    number,
                    moment,
                    False,
                )
            )
    bulk.insert_rows(session, Donation.__table__, DONATION_COLUMNS, donations)
    bulk.insert_rows(
        session,
        DonorCap.__table__,
        ("election_id", "donor_key", "touched_at"),
        [(election.id, key, now) for key in keys],
    )
    report.candidacies += count
    report.donations += len(donations)
    return count, len(donations)


def reset(session: Session, now: datetime) -> dict[str, int]:
    """Remove every demo row (see the module docstring); the audit log keeps its events, plus `demo.reset`."""
    users = _demo_users()
    calls = select(Call.id).where(Call.created_by_id.in_(users))
    ballots = select(Ballot.id).where(Ballot.call_id.in_(calls))
    candidacies = select(Candidacy.id).where(Candidacy.user_id.in_(users))
    donations = select(Donation.id).where(Donation.candidacy_id.in_(candidacies))
    elections = select(Election.id).where(Election.name == DEMO_ELECTION_NAME)
    counts = {
        "calls": session.scalar(select(func.count()).select_from(calls.subquery())) or 0,
        "ballots": session.scalar(select(func.count()).select_from(ballots.subquery())) or 0,
        "users": session.scalar(select(func.count()).select_from(users.subquery())) or 0,
    }
    # The roots of the demo; `_remove` takes what points at them (proposals, results, donations, grants,
    # sessions…) through the models' foreign keys. Ballots go first, in two plain statements: the bulk of
    # the rows. A demo donation's Stripe events go too (their key may be empty, so they would stay).
    # Meetings and consultations are what a tester published as the demo MP: their author link would only
    # be emptied.
    for model, doomed in (
        (BallotItem, BallotItem.ballot_id.in_(ballots)),
        (Ballot, Ballot.call_id.in_(calls)),
        (StripeEvent, StripeEvent.donation_id.in_(donations)),
        (Call, Call.id.in_(calls)),
        (Candidacy, Candidacy.id.in_(candidacies)),
        (Election, Election.id.in_(elections) & ~exists().where(Candidacy.election_id == Election.id)),
        (Meeting, Meeting.mp_id.in_(users)),
        (Consultation, Consultation.created_by_id.in_(users)),
        (User, User.id.in_(users)),
    ):
        _remove(session, model.__table__, doomed)
    session.expire_all()  # objects of deleted rows must not be used again
    record(session, now=now, actor=SYSTEM, action="demo.reset", object_type="demo", object_id="demo", details=counts)
    return counts


def _remove(session: Session, table: Table, doomed: ColumnElement[bool], depth: int = 0) -> None:
    """Delete `table`'s rows matching `doomed`, and first what points at them through a foreign key, as the
    key says (ON DELETE CASCADE: removed, SET NULL: detached) or, without an action, detached when the column
    may be empty (a legal text the demo admin edited keeps its text) and else removed with its own dependents
    (a campaign account the demo agent filed, its entries and attachments). Done here rather than left to the
    database: SQLite, the embedded default, does not enforce foreign keys, and PostgreSQL would refuse the
    rows without an action. Derived from the models, so a table added later is covered without a line here."""
    if depth > MAX_DEPENDENT_DEPTH:
        raise DemoError(f"the demo's rows are referenced too deeply ({table.name}): reset stopped")
    for child in Model.metadata.sorted_tables:
        for key in child.foreign_keys:
            if key.column.table is not table or child is table:
                continue
            column = key.parent
            pointed = column.in_(select(table.c[key.column.name]).where(doomed))
            if key.ondelete == "SET NULL" or (key.ondelete != "CASCADE" and column.nullable):
                session.execute(update(child).where(pointed).values({column.name: None}))
            else:
                _remove(session, child, pointed, depth + 1)
    session.execute(delete(table).where(doomed).execution_options(synchronize_session=False))
