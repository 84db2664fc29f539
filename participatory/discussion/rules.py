"""Pure decisions of discussion (table-tested in tests/discussion/test_rules.py).

Comments
    Threaded one level: a reply answers a top-level comment of the same subject, never a reply.
    The author edits a comment within ``EDIT_WINDOW`` of its publication (it is then marked
    "edited"); a hidden comment is never edited. A subject's policy (subjects.py) says when its
    comments are open (a proposal: during the proposals and review phases); afterwards they are
    read-only.

Supports
    One per person and subject (a unique constraint keeps it so under concurrency), withdrawable
    while supports are open (a proposal: the proposals phase, for residents of the constituency
    at the call's verification level).

Notifications
    A person chooses how they are told: on the site only, by email at once, or in a daily or
    weekly digest. Every notification is on the site; the email goes at once or in the next
    digest. A digest is due when the last one went out at least its interval ago, less
    ``DIGEST_SLACK`` (a timer running a few minutes late never skips a day).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

EDIT_WINDOW = timedelta(minutes=15)
MAX_COMMENT_CHARS = 2000
MAX_REASON_CHARS = 500

SITE, IMMEDIATE, DAILY, WEEKLY = "site", "immediate", "daily", "weekly"
DELIVERIES = (SITE, IMMEDIATE, DAILY, WEEKLY)
DEFAULT_DELIVERY = SITE  # no email unless the person asks for it
DIGEST_INTERVALS = {DAILY: timedelta(days=1), WEEKLY: timedelta(days=7)}
DIGEST_SLACK = timedelta(hours=1)

# Events a person is told about.
PHASE, REVIEW, IMPLEMENTATION, REPLY, RESULTS = "phase", "review", "implementation", "reply", "results"
EVENTS = (PHASE, REVIEW, IMPLEMENTATION, REPLY, RESULTS)
# A phase change is announced only while it is recent: a timer started late (or for the first time)
# does not announce phases that began long ago.
ANNOUNCE_WINDOW = timedelta(days=2)


def comment_problem(body: str) -> str | None:
    """Why a comment's text (already stripped) cannot be stored, or None (characters: see services)."""
    if not body:
        return "empty"
    if len(body) > MAX_COMMENT_CHARS:
        return "too_long"
    return None


def reason_problem(reason: str) -> str | None:
    if not reason:
        return "reason_required"
    if len(reason) > MAX_REASON_CHARS:
        return "reason_too_long"
    return None


def comment_refusal(signed_in: bool, subject_refusal: str | None) -> str | None:
    """Why a person may not comment (or reply) on a subject, or None; `subject_refusal` is the policy's."""
    if not signed_in:
        return "sign_in"
    return subject_refusal


def reply_problem(same_subject: bool, parent_is_reply: bool, parent_hidden: bool) -> str | None:
    if not same_subject:
        return "parent_elsewhere"
    if parent_is_reply:
        return "reply_to_reply"
    if parent_hidden:
        return "comment_hidden"
    return None


def edit_refusal(is_author: bool, hidden: bool, created_at: datetime, now: datetime) -> str | None:
    """Why a person may not edit a comment now, or None."""
    if not is_author:
        return "not_author"
    if hidden:
        return "comment_hidden"
    if now - created_at > EDIT_WINDOW:
        return "edit_window_over"
    return None


def support_refusal(open_: bool, live: bool, same_constituency: bool, verified: bool) -> str | None:
    """Why a person may not support (or withdraw their support from) a subject, or None."""
    if not open_:
        return "supports_closed"
    if not live:
        return "not_live"
    if not same_constituency:
        return "wrong_constituency"
    if not verified:
        return "unverified"
    return None


def selected(supports: int, min_supports: int) -> bool:
    """Whether a proposal goes to review (and may reach the ballot): at least the call's minimum."""
    return supports >= min_supports


def recipients(followers: Iterable[int], addressed: Iterable[int], actor_id: int | None) -> set[int]:
    """Who hears of an event: its subject's followers and the people it is addressed to, never its actor."""
    return {*followers, *addressed} - ({actor_id} if actor_id is not None else set())


def emails_now(delivery: str) -> bool:
    return delivery == IMMEDIATE


def waits_for_digest(delivery: str) -> bool:
    return delivery in DIGEST_INTERVALS


def digest_due(delivery: str, last_sent: datetime | None, now: datetime) -> bool:
    interval = DIGEST_INTERVALS.get(delivery)
    if interval is None:
        return False
    return last_sent is None or now - last_sent >= interval - DIGEST_SLACK


@dataclass(frozen=True)
class DigestItem:
    subject: tuple[str, str]  # (kind, id)
    title: str
    event: str
    at: datetime


@dataclass(frozen=True)
class DigestGroup:
    subject: tuple[str, str]
    title: str
    items: tuple[DigestItem, ...]


def group_digest(items: Sequence[DigestItem]) -> list[DigestGroup]:
    """One group per subject, the subject with the earliest event first; each group's events in time order
    (ties kept in the order given)."""
    ordered = sorted(items, key=lambda item: item.at)
    groups: dict[tuple[str, str], list[DigestItem]] = {}
    for item in ordered:
        groups.setdefault(item.subject, []).append(item)
    return [DigestGroup(subject, entries[-1].title, tuple(entries)) for subject, entries in groups.items()]
