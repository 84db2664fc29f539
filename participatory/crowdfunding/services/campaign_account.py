"""What changes the campaign account: entries, reversals, attachments, filing, the CNCCFP's decision.

Services take the session, the acting user and `now`, raise CrowdfundingError, and only flush.
Every change is in the audit log, content-free where personal: categories, amounts and ids, never a
donor's or lender's name.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from participatory.accounts.models import User
from participatory.audit.services import actor_of, record
from participatory.crowdfunding import rules as cf_rules
from participatory.crowdfunding.errors import CrowdfundingError, raise_if
from participatory.crowdfunding.models import (
    SIGNED_AMOUNT,
    AccountAttachment,
    AccountEntry,
    CampaignAccount,
    Candidacy,
    Donation,
)
from participatory.crowdfunding.rules import campaign_account as rules
from participatory.crowdfunding.services.campaigns import window_of
from participatory.crowdfunding.services.donations import counted_cents, lock_donor

ATTACHMENT_FOLDER = "campaign-accounts"


@dataclass(frozen=True)
class Donor:
    """A person's donation entered by hand (R39-1): kept for the receipt, never published."""

    first_name: str
    last_name: str
    address: str
    postal_code: str
    city: str
    country: str


@dataclass(frozen=True)
class EntryInput:
    kind: str
    category: str
    entry_date: date
    amount_cents: int
    label: str
    origin: str | None = None
    counterparty: str | None = None
    reference: str | None = None
    means: str | None = None
    donor: Donor | None = None


def account_of(session: Session, candidacy: Candidacy) -> CampaignAccount | None:
    return session.scalar(select(CampaignAccount).where(CampaignAccount.candidacy_id == candidacy.id))


def period(candidacy: Candidacy) -> tuple[date, date]:
    """The financing period in Paris dates: from the opening of the collection to the filing deadline."""
    window = window_of(candidacy.election)
    return window.opens_at.astimezone(cf_rules.PARIS).date(), window.closes_at.astimezone(cf_rules.PARIS).date()


def _audit(session: Session, actor: User, now: datetime, action: str, account: CampaignAccount, **details) -> None:
    record(
        session,
        now=now,
        actor=actor_of(actor),
        action=f"campaign_account.{action}",
        object_type="campaign_account",
        object_id=account.id,
        details={"candidacy": account.candidacy_id, **details},
    )


def _open(session: Session, actor: User, now: datetime, candidacy: Candidacy) -> CampaignAccount:
    account = account_of(session, candidacy)
    if account is None:
        account = CampaignAccount(candidacy_id=candidacy.id, state=rules.DRAFT, created_at=now)
        session.add(account)
        session.flush()
        _audit(session, actor, now, "open", account)
    return account


def _check_entry(data: EntryInput, candidacy: Candidacy, today: date) -> rules.Category:
    item = rules.category(data.category)
    raise_if("bad_category" if item is None or not item.hand_entered or item.kind != data.kind else None)
    assert item is not None
    raise_if(rules.amount_problem(data.amount_cents))
    start, end = period(candidacy)
    raise_if(rules.date_problem(data.entry_date, start, end, today))
    raise_if("empty_label" if not data.label.strip() else None)
    if item.kind == rules.RECEIPT:
        raise_if(rules.origin_problem(item.code, data.origin or ""))
        raise_if(rules.means_problem(item.code, data.means, data.amount_cents))
    if item.individual:
        donor = data.donor
        raise_if("donor_required" if donor is None else None)
        assert donor is not None
        raise_if(cf_rules.donor_identity_problem(donor.first_name, donor.last_name, donor.postal_code, donor.country))
    return item


def add_entry(
    session: Session,
    actor: User,
    now: datetime,
    candidacy: Candidacy,
    data: EntryInput,
    *,
    cap_cents: int,
    pending_ttl: timedelta,
    ceiling_cents: int | None = None,
) -> AccountEntry:
    """Record a receipt or an expense. Before filing it is a plain entry; after, a correction.
    `ceiling_cents`, the spending ceiling, bounds the cash donations together (None: not known)."""
    item = _check_entry(data, candidacy, now.astimezone(cf_rules.PARIS).date())
    donor, donor_key = data.donor, None
    if item.individual and donor is not None:
        country = cf_rules.country_code(donor.country) or ""
        donor_key = cf_rules.donor_identity_key(donor.first_name, donor.last_name, donor.postal_code, country)
        # The same lock as the platform's donations, so the cap holds across both under concurrency;
        # taken before any audit record, in the order start_donation takes them (no deadlock).
        lock_donor(session, candidacy.election_id, donor_key, now)
        already = counted_cents(session, candidacy.election_id, donor_key, now, pending_ttl)  # platform and typed
        raise_if(cf_rules.donation_problem(data.amount_cents, already, cap_cents))
    account = _open(session, actor, now, candidacy)
    if item.individual and data.means == rules.CASH:
        # Under the account's row lock: two cash donations typed at once are summed one after the other.
        session.execute(select(CampaignAccount.id).where(CampaignAccount.id == account.id).with_for_update())
        raise_if(rules.cash_total_problem(_cash_cents(session, account) + data.amount_cents, ceiling_cents))
    entry = AccountEntry(
        account=account,
        election_id=candidacy.election_id,
        kind=item.kind,
        category=item.code,
        entry_date=data.entry_date,
        amount_cents=data.amount_cents,
        label=data.label.strip(),
        origin=data.origin if item.kind == rules.RECEIPT else None,
        counterparty=(data.counterparty or "").strip() or None,
        reference=(data.reference or "").strip() or None,
        means=data.means if item.individual else None,
        donor_first_name=donor.first_name.strip() if item.individual and donor else None,
        donor_last_name=donor.last_name.strip() if item.individual and donor else None,
        donor_address=donor.address.strip() if item.individual and donor else None,
        donor_postal_code=donor.postal_code.strip() if item.individual and donor else None,
        donor_city=donor.city.strip() if item.individual and donor else None,
        donor_country=(cf_rules.country_code(donor.country) if item.individual and donor else None),
        donor_key=donor_key,
        after_filing=account.state != rules.DRAFT,
        created_at=now,
        created_by_id=actor.id,
    )
    session.add(entry)
    session.flush()
    _audit(
        session,
        actor,
        now,
        "entry_add",
        account,
        entry=entry.id,
        category=item.code,
        amount_cents=entry.amount_cents,
        date=entry.entry_date.isoformat(),
        correction=entry.after_filing,
    )
    return entry


def _cash_cents(session: Session, account: CampaignAccount) -> int:
    """The cash donations typed into the account so far (a reversal gives its amount back)."""
    total = session.scalar(
        select(func.coalesce(func.sum(SIGNED_AMOUNT), 0)).where(
            AccountEntry.account_id == account.id, AccountEntry.means == rules.CASH
        )
    )
    return int(total or 0)


def _entry_of(candidacy: Candidacy, entry: AccountEntry) -> CampaignAccount:
    if entry.account.candidacy_id != candidacy.id:
        raise CrowdfundingError("unknown_entry")
    return entry.account


def delete_entry(session: Session, actor: User, now: datetime, candidacy: Candidacy, entry: AccountEntry) -> list[str]:
    """Remove an entry of a draft account; returns the stored names of its attachments to delete."""
    account = _entry_of(candidacy, entry)
    raise_if("account_frozen" if account.state != rules.DRAFT else None)
    names = [a.stored_name for a in entry.attachments]
    details = {"entry": entry.id, "category": entry.category, "amount_cents": entry.amount_cents}
    for attachment in entry.attachments:
        session.delete(attachment)
    session.delete(entry)
    session.flush()
    _audit(session, actor, now, "entry_delete", account, **details)
    return names


def reverse_entry(
    session: Session, actor: User, now: datetime, candidacy: Candidacy, entry: AccountEntry
) -> AccountEntry:
    """After filing, a correction cancels an entry with a new one (counted negatively), never an edit."""
    account = _entry_of(candidacy, entry)
    raise_if("reverse_draft" if account.state == rules.DRAFT else None)
    raise_if("already_reversed" if entry.reverses_id is not None else None)
    exists = session.scalar(select(AccountEntry.id).where(AccountEntry.reverses_id == entry.id))
    raise_if("already_reversed" if exists is not None else None)
    reversal = AccountEntry(
        account=account,
        election_id=entry.election_id,
        kind=entry.kind,
        category=entry.category,
        entry_date=now.astimezone(cf_rules.PARIS).date(),
        amount_cents=entry.amount_cents,
        label=entry.label[:180] + " (annulation)",
        origin=entry.origin,
        means=entry.means,
        donor_key=entry.donor_key,
        reverses_id=entry.id,
        after_filing=True,
        created_at=now,
        created_by_id=actor.id,
    )
    session.add(reversal)
    session.flush()
    _audit(session, actor, now, "entry_reverse", account, entry=reversal.id, reverses=entry.id, category=entry.category)
    return reversal


def add_attachment(
    session: Session, actor: User, now: datetime, candidacy: Candidacy, entry: AccountEntry, body: bytes, folder: Path
) -> AccountAttachment:
    """Store a PDF, JPEG or PNG (checked by content) under UPLOAD_DIR with a random name."""
    account = _entry_of(candidacy, entry)
    raise_if(rules.attachment_problem(body[:16], len(body)))
    mimetype, extension = rules.attachment_kind(body[:16]) or ("", "")
    name = f"{secrets.token_hex(16)}.{extension}"
    target = folder / ATTACHMENT_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    (target / name).write_bytes(body)
    digest = hashlib.sha256(body).hexdigest()
    attachment = AccountAttachment(
        entry=entry,
        stored_name=name,
        mimetype=mimetype,
        size=len(body),
        sha256=digest,
        uploaded_at=now,
        uploaded_by_id=actor.id,
    )
    session.add(attachment)
    session.flush()
    _audit(session, actor, now, "attachment_add", account, entry=entry.id, sha256=digest, size=len(body))
    return attachment


def attachment_path(folder: Path, attachment: AccountAttachment) -> Path:
    return folder / ATTACHMENT_FOLDER / attachment.stored_name


# --- The whole account --------------------------------------------------------------------------


def platform_donations(session: Session, candidacy: Candidacy) -> tuple[int, int]:
    """(count, cents) of the donations received through the platform: succeeded, not refunded."""
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(Donation.amount_cents), 0)).where(
            Donation.candidacy_id == candidacy.id, Donation.status.in_(cf_rules.RECEIVED)
        )
    ).one()
    return int(count), int(total)


def lines(session: Session, candidacy: Candidacy, account: CampaignAccount | None) -> list[rules.Line]:
    count, total = platform_donations(session, candidacy)
    found = [rules.Line(rules.PLATFORM_DONATIONS, total, count=count)] if count else []
    for entry in account.entries if account is not None else []:
        found.append(rules.Line(entry.category, entry.amount_cents, reversal=entry.reverses_id is not None))
    return found


def totals(session: Session, candidacy: Candidacy, account: CampaignAccount | None) -> rules.Totals:
    return rules.tally(lines(session, candidacy, account))


def missing_proofs(account: CampaignAccount | None) -> list[AccountEntry]:
    """Entries that need a supporting document and have none (reversals and reversed entries aside)."""
    if account is None:
        return []
    reversed_ids = {e.reverses_id for e in account.entries if e.reverses_id is not None}
    return [
        e
        for e in account.entries
        if rules.BY_CODE[e.category].proof_required
        and e.reverses_id is None
        and e.id not in reversed_ids
        and not e.attachments
    ]


def file_account(session: Session, actor: User, now: datetime, candidacy: Candidacy) -> CampaignAccount:
    """The mandataire marks the account filed: its entries are frozen and it is published."""
    account = _open(session, actor, now, candidacy)
    computed = totals(session, candidacy, account)
    problems = rules.filing_problems(computed, len(missing_proofs(account)), account.state)
    if problems:
        raise CrowdfundingError(problems[0])
    account.state = rules.FILED
    account.filed_at = now
    account.filed_by_id = actor.id
    session.flush()
    _audit(
        session,
        actor,
        now,
        "file",
        account,
        receipts_cents=computed.receipts_cents,
        expenses_cents=computed.expenses_cents,
        balance_cents=computed.balance_cents,
    )
    return account


def record_decision(
    session: Session,
    actor: User,
    now: datetime,
    candidacy: Candidacy,
    *,
    decision: str,
    decision_on: date,
    refund_cents: int | None,
    ceiling_cents: int | None,
) -> CampaignAccount:
    """The CNCCFP's decision and the State's refund, entered by the mandataire or an admin."""
    account = account_of(session, candidacy)
    raise_if(rules.decision_problem(account.state if account else rules.DRAFT, decision))
    assert account is not None
    raise_if("date_in_future" if decision_on > now.astimezone(cf_rules.PARIS).date() else None)
    raise_if("decision_before_filing" if account.filed_at and decision_on < account.filed_at.date() else None)
    if refund_cents is not None:
        contribution = rules.personal_contribution_cents(totals(session, candidacy, account))
        raise_if(rules.refund_problem(decision, refund_cents, contribution, ceiling_cents))
    previous = account.state
    account.state = decision
    account.decision_on = decision_on
    if decision == rules.REJECTED:
        account.refund_cents = None
    elif refund_cents is not None:  # the refund often comes months after the decision: kept until given
        account.refund_cents = refund_cents
    account.decided_at = now
    account.decided_by_id = actor.id
    session.flush()
    _audit(
        session,
        actor,
        now,
        "decision",
        account,
        previous=previous,
        decision=decision,
        decision_on=decision_on.isoformat(),
        refund_cents=account.refund_cents,
    )
    return account
