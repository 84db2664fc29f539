"""Ballots: cast, change and cancel during the vote; one ballot per person per call.

The database guarantees the "one": the unique constraint (call_id, voter_key) and an
INSERT … ON CONFLICT DO UPDATE, so any number of concurrent submissions by the same
person end with exactly one ballot (the last one to commit). The voter key is a keyed
hash of the person's verified identity (accounts/voter_keys.py), not of the account: a
person who deletes their account and registers again with the same identity finds the
ballot already counted, may change it (it is rebound to the new account), and never
adds a second one. The key is erased when the call's results are published
(`forget_voter_keys`). The call row is read FOR SHARE so that closing (which locks it
FOR UPDATE) waits for ballots in flight, and no ballot lands after the count.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Row, TextClause, bindparam, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from participatory.accounts import voter_keys
from participatory.accounts.models import User
from participatory.accounts.signals import account_deleted
from participatory.audit.services import SYSTEM, actor_of, record
from participatory.calls import rules
from participatory.calls.errors import Conflict, Forbidden, NotFound, raise_if
from participatory.calls.models import Ballot, BallotItem, Call, CallResult, Proposal
from participatory.calls.services.calls import phase_of
from participatory.calls.services.proposals import on_ballot_of


@dataclass(frozen=True)
class Choice:
    id: int
    title: str
    final_cost_cents: int


@dataclass(frozen=True)
class Receipt:
    code: str  # shown and emailed once, never stored
    ballot_id: int
    changed: bool  # an earlier ballot was replaced
    call: Row  # the call's _CALL_COLUMNS (id, title, dates, ballot rules)
    choices: list[Choice]  # what the ballot now holds, for the receipt page


# Every vote of a national call runs these: built once, run on the session's connection (its
# transaction) and read as plain rows, which costs a fraction of building ORM queries and objects.
_CALL_COLUMNS = (
    Call.id,
    Call.title,
    Call.constituency_code,
    Call.verification_level,
    Call.budget_cents,
    Call.min_projects,
    Call.max_projects,
    Call.knapsack,
    Call.proposals_open_at,
    Call.review_open_at,
    Call.voting_open_at,
    Call.voting_close_at,
)
_LOCK_CALL = select(*_CALL_COLUMNS).where(Call.id == bindparam("call_id")).with_for_update(read=True)
_RESULTS = select(CallResult.id).where(CallResult.call_id == bindparam("call_id"))
_ON_BALLOT = select(Proposal.id, Proposal.title, Proposal.final_cost_cents).where(on_ballot_of(bindparam("call_id")))
_EXISTING = select(Ballot.id).where(Ballot.call_id == bindparam("call_id"), Ballot.voter_key == bindparam("voter_key"))
# PostgreSQL checks the other unique constraint (call_id, voter_id) outside ON CONFLICT: two racing
# first submissions of one person would end in a unique violation rather than an update. A lock per
# (call, person) for the transaction queues them; different people never wait on each other.
_PERSON_LOCK = select(func.pg_advisory_xact_lock(bindparam("call_id"), func.hashtext(bindparam("voter_key"))))
_CLEAR_ITEMS = delete(BallotItem).where(BallotItem.ballot_id == bindparam("ballot_id"))
_ADD_ITEMS = insert(BallotItem)


_UPSERT_COLUMNS = ("call_id", "voter_id", "voter_key", "public_id", "receipt_hash", "created_at", "updated_at")


@cache
def _upsert(dialect: str) -> TextClause:
    """Insert the ballot, or replace the receipt of the one (call, voter key) has and bind it to the
    account voting now (the same person's new account, after a deletion). PostgreSQL also says in the
    same statement whether the row is new (xmax = 0); SQLite, which serialises writers, is asked first.

    Written as text: SQLAlchemy compiles its dialects' INSERT … ON CONFLICT anew at every execution (they
    have no cache key), a cost every ballot would pay. The column types still convert the values."""
    columns = Ballot.__table__.c
    names, values = ", ".join(_UPSERT_COLUMNS), ", ".join(f":{name}" for name in _UPSERT_COLUMNS)
    returning = "id, xmax = 0" if dialect == "postgresql" else "id"
    return text(
        f"INSERT INTO {Ballot.__tablename__} ({names}) VALUES ({values}) "
        "ON CONFLICT (call_id, voter_key) DO UPDATE SET voter_id = excluded.voter_id, "
        f"receipt_hash = excluded.receipt_hash, updated_at = excluded.updated_at RETURNING {returning}"
    ).bindparams(*(bindparam(name, type_=columns[name].type) for name in _UPSERT_COLUMNS))


def new_receipt_code() -> str:
    return rules.format_receipt("".join(secrets.choice(rules.RECEIPT_ALPHABET) for _ in range(rules.RECEIPT_LENGTH)))


def _locked_call(session: Session, call_id: int) -> tuple[Row, bool]:
    """The call, re-read under a shared lock (PostgreSQL) that a closer's FOR UPDATE waits for, and
    whether its results exist. Two statements: read in the lock's statement, the results would be
    those of its snapshot, taken before a closer that held the lock committed them."""
    connection = session.connection()
    call = connection.execute(_LOCK_CALL, {"call_id": call_id}).first()
    raise_if("not_found" if call is None else None, NotFound)
    return call, connection.execute(_RESULTS, {"call_id": call_id}).first() is not None


def _may_vote(user, now: datetime, call: Row, closed: bool) -> None:
    phase = rules.RESULTS if closed else phase_of(call, now)
    raise_if(
        rules.vote_refusal(
            phase, call.constituency_code, user.constituency_code, user.meets_verification(call.verification_level)
        ),
        Forbidden,
    )


def _store(
    session: Session, call_id: int, voter_id: int, voter_key: str, receipt_hash: str, now: datetime
) -> tuple[int, bool]:
    """Insert the person's ballot or replace its receipt: (ballot id, created).

    One upsert on the unique (call_id, voter_key): concurrent submissions by one person, from one
    account or several, queue on that row (on PostgreSQL, on the person's lock first) and end with
    exactly one ballot.
    """
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(_PERSON_LOCK, {"call_id": call_id, "voter_key": voter_key})
    existing = (
        None
        if dialect == "postgresql"
        else connection.execute(_EXISTING, {"call_id": call_id, "voter_key": voter_key}).first()
    )
    try:
        row = connection.execute(
            _upsert(dialect),
            {
                "call_id": call_id,
                "voter_id": voter_id,
                "voter_key": voter_key,
                "public_id": secrets.token_hex(16),
                "receipt_hash": receipt_hash,
                "created_at": now,
                "updated_at": now,
            },
        ).one()
    except IntegrityError as error:
        # The account has a ballot here under another key: the secret (or the account's identity)
        # changed during the vote. Refused rather than a second ballot; `rekey_open_ballots` mends it.
        raise Conflict("voter_key_changed") from error
    return row[0], bool(row[1]) if dialect == "postgresql" else existing is None


def _key_or_none(user, verification_level: str) -> str | None:
    try:
        return voter_keys.key_of(user, voter_keys.configured_key(), voter_keys.kinds_for(verification_level))
    except voter_keys.NoVerifiedIdentity:
        return None


def _mine(call, user):
    """The person's ballot in `call`: the account's, or the one their identity cast from an account since
    deleted (or, in a FranceConnect call, from the account their identity was linked to before)."""
    key = _key_or_none(user, call.verification_level)
    return (Ballot.call_id == call.id) & (
        Ballot.voter_id == user.id if key is None else or_(Ballot.voter_id == user.id, Ballot.voter_key == key)
    )


def ballot_of(session: Session, call: Call, user) -> Ballot | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return session.scalars(select(Ballot).where(_mine(call, user)).order_by(Ballot.id)).first()


def cast(
    session: Session, user, now: datetime, call_id: int, proposal_ids: list[int], *, voter_key: str | None = None
) -> Receipt:
    """Record the person's ballot (or replace it) in a handful of prepared statements: every vote of a
    national call goes through here. `voter_key` defaults to the key of the user's verified identity
    under the app's secret (voter_keys.configured_key)."""
    call, closed = _locked_call(session, call_id)
    _may_vote(user, now, call, closed)
    connection = session.connection()
    on_ballot = {row.id: row for row in connection.execute(_ON_BALLOT, {"call_id": call.id})}
    raise_if(
        rules.ballot_problem(
            rules.BallotRules.of(call), proposal_ids, {pid: row.final_cost_cents for pid, row in on_ballot.items()}
        )
    )
    if voter_key is None:
        # Every voting level confirms an identity; the call's level says which one keys its ballots.
        voter_key = voter_keys.key_of(user, voter_keys.configured_key(), voter_keys.kinds_for(call.verification_level))
    code = new_receipt_code()
    ballot_id, created = _store(session, call.id, user.id, voter_key, rules.receipt_hash(code), now)
    if not created:
        connection.execute(_CLEAR_ITEMS, {"ballot_id": ballot_id})
    chosen = sorted(proposal_ids)
    if chosen:
        connection.execute(_ADD_ITEMS, [{"ballot_id": ballot_id, "proposal_id": pid} for pid in chosen])
    # Pseudonymous and content-free: who voted is public in the log, never for what. Deferred: chained
    # by a sealer (audit/jobs.py, request_seal after the commit), so voters never queue on the log's lock.
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="ballot.cast" if created else "ballot.changed",
        object_type="call",
        object_id=call.id,
        details={"call": call.id},
        deferred=True,
    )
    choices = [Choice(pid, on_ballot[pid].title, on_ballot[pid].final_cost_cents) for pid in chosen]
    return Receipt(code=code, ballot_id=ballot_id, changed=not created, call=call, choices=choices)


def cancel(session: Session, user, now: datetime, call_id: int) -> None:
    call, closed = _locked_call(session, call_id)
    raise_if("wrong_phase" if closed or phase_of(call, now) != rules.VOTING else None, Forbidden)
    ballot = session.scalars(select(Ballot).where(_mine(call, user)).order_by(Ballot.id).with_for_update()).first()
    raise_if("no_ballot" if ballot is None else None, Conflict)
    session.delete(ballot)
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="ballot.cancelled",
        object_type="call",
        object_id=call.id,
        details={"call": call.id},
    )


def renew_receipt(session: Session, user, now: datetime, call_id: int) -> Receipt:
    """A new receipt code for the voter's ballot, replacing the old one (lost, or its mail never came);
    the ballot itself is unchanged. Only while the vote is open: after it, the codes are what voters check
    the published results with."""
    call, closed = _locked_call(session, call_id)
    raise_if("wrong_phase" if closed or phase_of(call, now) != rules.VOTING else None, Forbidden)
    ballot = session.scalars(select(Ballot).where(_mine(call, user)).order_by(Ballot.id).with_for_update()).first()
    raise_if("no_ballot_receipt" if ballot is None else None, Conflict)
    code = new_receipt_code()
    ballot.receipt_hash = rules.receipt_hash(code)
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="ballot.receipt_renewed",
        object_type="call",
        object_id=call.id,
        details={"call": call.id},
        deferred=True,
    )
    on_ballot = {row.id: row for row in session.connection().execute(_ON_BALLOT, {"call_id": call.id})}
    choices = [
        Choice(pid, on_ballot[pid].title, on_ballot[pid].final_cost_cents)
        for pid in ballot.proposal_ids
        if pid in on_ballot
    ]
    return Receipt(code=code, ballot_id=ballot.id, changed=False, call=call, choices=choices)


def receipt_counted(session: Session, call: Call, code: str) -> bool:
    """Whether a ballot of the call holds this receipt code: yes or no, never what the ballot holds.

    A receipt that showed the ballot's content would let a voter prove to a buyer how they voted.
    """
    if len(rules.normalise_receipt(code)) != rules.RECEIPT_LENGTH:
        return False
    found = session.scalar(
        select(Ballot.id).where(Ballot.call_id == call.id, Ballot.receipt_hash == rules.receipt_hash(code)).limit(1)
    )
    return found is not None


def forget_voter_keys(session: Session, call_id: int) -> int:
    """Erase the voter keys of the call's ballots: once its results are published, no ballot can be
    added or changed, so the keys protect nothing and are not kept. Run by close_call in the
    transaction that stores the result; returns the number of ballots."""
    return session.execute(
        update(Ballot).where(Ballot.call_id == call_id, Ballot.voter_key.is_not(None)).values(voter_key=None)
    ).rowcount  # type: ignore[attr-defined]  # DML executes to a CursorResult


def rekey_open_ballots(session: Session, key: bytes, now: datetime) -> tuple[int, int]:
    """Recompute the voter keys of the ballots still open to change (calls without results) from their
    accounts' identities under `key`: after VOTER_KEY_SECRET (or SECRET_KEY) changed. Returns
    (rekeyed, left without a key): two accounts of one person that both voted in a call keep one key,
    on the older ballot; a ballot of a deleted account cannot be rekeyed. Run it with voting paused."""
    open_ballots = (
        select(Ballot.id)
        .outerjoin(CallResult, CallResult.call_id == Ballot.call_id)
        .where(CallResult.id.is_(None))
        .scalar_subquery()
    )
    rows = session.execute(
        select(Ballot.id, Ballot.call_id, User, Call.verification_level)
        .join(User, User.id == Ballot.voter_id)
        .join(Call, Call.id == Ballot.call_id)
        .where(Ballot.id.in_(open_ballots))
        .order_by(Ballot.id)
    ).all()
    # Cleared first, so that no new key meets an old one in the unique index half-way.
    session.execute(update(Ballot).where(Ballot.id.in_(open_ballots)).values(voter_key=None))
    keyed: set[tuple[int, str]] = set()
    updates = []
    for ballot_id, call_id, user, level in rows:
        try:
            new_key = voter_keys.key_of(user, key, voter_keys.kinds_for(level))
        except voter_keys.NoVerifiedIdentity:
            continue
        if (call_id, new_key) not in keyed:
            keyed.add((call_id, new_key))
            updates.append({"ballot_id": ballot_id, "voter_key": new_key})
    if updates:
        session.connection().execute(
            update(Ballot.__table__).where(Ballot.__table__.c.id == bindparam("ballot_id")),
            updates,
        )
    total = session.scalar(select(func.count()).select_from(Ballot).where(Ballot.id.in_(open_ballots)))
    record(
        session,
        now=now,
        actor=SYSTEM,
        action="ballots.rekeyed",
        object_type="ballots",
        object_id="open",
        details={"rekeyed": len(updates), "unkeyed": total - len(updates)},
    )
    return len(updates), total - len(updates)


@account_deleted.connect
def unlink_deleted_voter(session: Session, user, now: datetime | None = None, **_: object) -> None:
    """A deleted account's ballots stay counted, unlinked from the account; their voter key stays, so
    the same person coming back cannot add a ballot to a call still open."""
    session.execute(update(Ballot).where(Ballot.voter_id == user.id).values(voter_id=None))
