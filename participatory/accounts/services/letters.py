"""Residence verified by a code sent by post.

1. A resident who declared their residence asks for a letter, giving the postal address.
2. The MP's team of that constituency (or an admin) checks the addresses and prints a
   batch: each letter gets a fresh code, the file (PDF or CSV) is built on the fly from
   the returned `PrintableLetter`s, and the addresses are erased in the same transaction.
   Only an HMAC of each code is kept, with its expiry.
3. The resident types the code: single use, expiring, bound to their account, a few tries.

Why erase at printing: the address is needed for nothing else, so it lives only between
the request and the print. A lost file is recovered by the resident asking again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from participatory.accounts.errors import AccountError
from participatory.accounts.models import LetterBatch, ResidenceLetter, User
from participatory.accounts.rules import (
    LETTER_BATCH_MAX,
    LETTER_FORMATS,
    LETTER_LOCKED,
    LETTER_MAX_ATTEMPTS,
    LETTER_METHOD,
    LETTER_OPEN,
    LETTER_REJECTED,
    LETTER_REQUESTED,
    LETTER_SENT,
    LETTER_USED,
    LETTER_VALIDITY_DAYS,
    LETTER_VOID,
    format_letter_code,
    letter_code_digest,
    letter_expiry,
    letter_redeem_problem,
    new_letter_code,
    normalise_letter_code,
    utc,
)
from participatory.accounts.services.residence import mark_residence_verified
from participatory.audit.services import actor_of, record


@dataclass(frozen=True)
class Address:
    recipient: str
    street: str
    complement: str
    postcode: str
    city: str


@dataclass(frozen=True)
class PrintableLetter:
    """One letter as printed; lives only in memory while the file is built."""

    letter_id: int
    constituency_code: str
    recipient: str
    street: str
    complement: str
    postcode: str
    city: str
    country: str | None
    code: str  # formatted XXXXX-XXXXX
    expires_at: datetime


def current_letter(session: Session, user: User) -> ResidenceLetter | None:
    """The user's latest letter (whatever its status)."""
    return session.scalar(
        select(ResidenceLetter).where(ResidenceLetter.user_id == user.id).order_by(ResidenceLetter.id.desc()).limit(1)
    )


def request_letter(session: Session, user: User, *, address: Address, now: datetime) -> ResidenceLetter:
    """Ask for a code by post; replaces the user's pending or unused letter (its code stops working)."""
    if user.constituency_code is None or user.residence_declared_at is None:
        raise AccountError("residence_first")
    if user.residence_verified_at is not None:
        raise AccountError("residence_already_verified")
    for old in session.scalars(
        select(ResidenceLetter).where(ResidenceLetter.user_id == user.id, ResidenceLetter.status.in_(LETTER_OPEN))
    ):
        old.status = LETTER_VOID
        old.erase_address()
    letter = ResidenceLetter(
        user_id=user.id,
        constituency_code=user.constituency_code,
        status=LETTER_REQUESTED,
        requested_at=now,
        recipient=address.recipient,
        street=address.street,
        complement=address.complement or None,
        postcode=address.postcode,
        city=address.city,
        country=user.residence_country,
        attempts=0,
    )
    session.add(letter)
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="letter.requested",
        object_type="residence_letter",
        object_id=letter.id,
    )
    return letter


def pending_letters(session: Session, constituency_code: str) -> list[ResidenceLetter]:
    return list(
        session.scalars(
            select(ResidenceLetter)
            .where(ResidenceLetter.constituency_code == constituency_code, ResidenceLetter.status == LETTER_REQUESTED)
            .order_by(ResidenceLetter.requested_at, ResidenceLetter.id)
        )
    )


def pending_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(ResidenceLetter.constituency_code, func.count())
        .where(ResidenceLetter.status == LETTER_REQUESTED)
        .group_by(ResidenceLetter.constituency_code)
    )
    return {code: count for code, count in rows}


def batches(session: Session, constituency_code: str) -> list[LetterBatch]:
    return list(
        session.scalars(
            select(LetterBatch)
            .where(LetterBatch.constituency_code == constituency_code)
            .order_by(LetterBatch.id.desc())
        )
    )


def batch_usage(session: Session, batch_ids: list[int]) -> dict[int, int]:
    """How many codes of each batch have been used."""
    if not batch_ids:
        return {}
    rows = session.execute(
        select(ResidenceLetter.batch_id, func.count())
        .where(ResidenceLetter.batch_id.in_(batch_ids), ResidenceLetter.status == LETTER_USED)
        .group_by(ResidenceLetter.batch_id)
    )
    return {batch_id: count for batch_id, count in rows}


def _selected(session: Session, constituency_code: str, letter_ids: list[int]) -> list[ResidenceLetter]:
    if not letter_ids:
        raise AccountError("letters_none_selected", field="letters")
    if len(letter_ids) > LETTER_BATCH_MAX:
        raise AccountError("letters_too_many", field="letters")
    letters = list(
        session.scalars(
            select(ResidenceLetter)
            .where(ResidenceLetter.id.in_(letter_ids))
            .order_by(ResidenceLetter.id)
            .with_for_update()
        )
    )
    if len(letters) != len(set(letter_ids)) or any(
        item.constituency_code != constituency_code or item.status != LETTER_REQUESTED for item in letters
    ):
        raise AccountError("letters_not_pending", field="letters")
    return letters


def issue_batch(
    session: Session,
    actor: User | None,
    *,
    constituency_code: str,
    letter_ids: list[int],
    validity_days: int,
    file_format: str,
    secret: str,
    now: datetime,
) -> tuple[LetterBatch, list[PrintableLetter]]:
    """Give each selected request a code, erase its address, and return what to print."""
    low, high = LETTER_VALIDITY_DAYS
    if not low <= validity_days <= high:
        raise AccountError("validity_out_of_range", field="validity_days")
    if file_format not in LETTER_FORMATS:
        raise AccountError("unknown_file_format", field="file_format")
    letters = _selected(session, constituency_code, letter_ids)
    expires_at = letter_expiry(now, validity_days)
    batch = LetterBatch(
        constituency_code=constituency_code,
        created_at=now,
        created_by_id=actor.id if actor else None,
        letters=len(letters),
        expires_at=expires_at,
        file_format=file_format,
    )
    session.add(batch)
    session.flush()
    printable = []
    for letter in letters:
        code = new_letter_code()
        printable.append(
            PrintableLetter(
                letter_id=letter.id,
                constituency_code=constituency_code,
                recipient=letter.recipient or "",
                street=letter.street or "",
                complement=letter.complement or "",
                postcode=letter.postcode or "",
                city=letter.city or "",
                country=letter.country,
                code=format_letter_code(code),
                expires_at=expires_at,
            )
        )
        letter.code_hash = letter_code_digest(code, secret)
        letter.status, letter.batch_id, letter.sent_at, letter.expires_at = LETTER_SENT, batch.id, now, expires_at
        letter.erase_address()
    record(
        session,
        now=now,
        actor=actor_of(actor),
        action="letter.batch_issued",
        object_type="letter_batch",
        object_id=batch.id,
        details={
            "constituency": constituency_code,
            "letters": len(letters),
            "expires_at": expires_at.date().isoformat(),
        },
    )
    session.flush()
    return batch, printable


def reject_requests(
    session: Session, actor: User | None, *, constituency_code: str, letter_ids: list[int], now: datetime
) -> int:
    """The team could not verify these addresses: erase them; the residents may ask again."""
    letters = _selected(session, constituency_code, letter_ids)
    for letter in letters:
        letter.status = LETTER_REJECTED
        letter.erase_address()
    record(
        session,
        now=now,
        actor=actor_of(actor),
        action="letter.requests_rejected",
        object_type="constituency",
        object_id=constituency_code,
        details={"letters": len(letters)},
    )
    session.flush()
    return len(letters)


WRONG_CODE = "letter_code_wrong"


def redeem_code(session: Session, user: User, *, code: str, secret: str, now: datetime) -> None:
    """Verify the residence with the code of a letter sent to this user (single use, expiring)."""
    if user.residence_verified_at is not None:
        raise AccountError("residence_already_verified", field="code")
    normalised = normalise_letter_code(code)
    if normalised is None:
        raise AccountError("letter_code_malformed", field="code")
    digest = letter_code_digest(normalised, secret)
    letters = list(
        session.scalars(
            select(ResidenceLetter)
            .where(ResidenceLetter.user_id == user.id)
            .order_by(ResidenceLetter.id.desc())
            .with_for_update()
        )
    )
    match = next((item for item in letters if item.code_hash == digest), None)
    if match is None:
        live = next((item for item in letters if item.status == LETTER_SENT and utc(item.expires_at) >= utc(now)), None)
        if live is None:
            raise AccountError(WRONG_CODE, field="code")
        live.attempts += 1
        if live.attempts >= LETTER_MAX_ATTEMPTS:
            live.status = LETTER_LOCKED
            record(
                session,
                now=now,
                actor=actor_of(user),
                action="letter.locked",
                object_type="residence_letter",
                object_id=live.id,
            )
        session.flush()
        left = LETTER_MAX_ATTEMPTS - live.attempts
        raise AccountError(
            "letter_code_wrong_tries_left" if left else "letter_code_wrong_locked",
            field="code",
            commit=True,  # the attempt must count even though the operation failed
            n=left,
        )
    problem = letter_redeem_problem(status=match.status, expires_at=match.expires_at, now=now)
    if problem:
        raise AccountError(problem, field="code")
    if match.constituency_code != user.constituency_code:
        raise AccountError("letter_code_void", field="code")
    match.status, match.used_at = LETTER_USED, now
    mark_residence_verified(session, user, method=LETTER_METHOD, now=now)
    record(
        session, now=now, actor=actor_of(user), action="letter.used", object_type="residence_letter", object_id=match.id
    )
    session.flush()
