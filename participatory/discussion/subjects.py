"""The registry of what can be deliberated: each subject kind has a policy.

A domain plugs its objects in without discussion importing it (the calls domain registers
"call" and "proposal" in calls/subjects.py; the mandate domain will register its bill paragraphs
the same way):

    from participatory.discussion.subjects import Policy, Subject, register

    class ParagraphPolicy(Policy):
        kind = "paragraph"
        commentable = True
        def load(self, session, subject_id): ...
        def comment_refusal(self, session, user, subject, now): ...

    register(ParagraphPolicy())

A policy loads a subject from its id (a string: constituency codes are ids too), says who may
comment, support and moderate and when, and where its page is. It may also register an event
source: a function run by `flask discussion announce` (and before the digests) that notifies
what happens with time rather than with an action (a call's phase starting).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from participatory.accounts.policy import allowed

MAX_ID_CHARS = 40


@dataclass(frozen=True)
class Subject:
    kind: str
    id: str
    title: str
    constituency_code: str | None
    # Followable subjects an event on this one also concerns (a proposal: its call, its constituency).
    parents: tuple[tuple[str, str], ...] = ()
    obj: Any = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.id)


class Policy:
    """What a subject kind allows; the defaults allow following only."""

    kind = ""
    followable = True
    commentable = False
    supportable = False

    def load(self, session: Session, subject_id: str) -> Subject | None:
        raise NotImplementedError

    def url(self, subject_id: str, external: bool = False) -> str:
        """The subject's page (absolute with `external`, also outside a request: see `link`)."""
        raise NotImplementedError

    def comment_refusal(self, session: Session, user, subject: Subject, now: datetime) -> str | None:
        """Why `user` (signed in) may not comment now, or None."""
        return "unknown_kind"

    def comments_open(self, subject: Subject, now: datetime) -> bool:
        return False

    def support_refusal(self, session: Session, user, subject: Subject, now: datetime) -> str | None:
        return "not_supportable"

    def may_moderate(self, user, subject: Subject) -> bool:
        """The MP of the subject's constituency, or an admin."""
        return allowed(user, "proposal.moderate", subject.constituency_code)


_policies: dict[str, Policy] = {}
EventSource = Callable[[Session, datetime], int]
_sources: list[EventSource] = []


def register(policy: Policy) -> Policy:
    if policy.kind in _policies and type(_policies[policy.kind]) is not type(policy):
        raise ValueError(f"subject kind {policy.kind!r} is already registered")
    _policies[policy.kind] = policy
    return policy


def register_source(source: EventSource) -> EventSource:
    if source not in _sources:
        _sources.append(source)
    return source


def sources() -> list[EventSource]:
    return list(_sources)


def policy_of(kind: str) -> Policy | None:
    return _policies.get(kind)


def kinds() -> list[str]:
    return sorted(_policies)


def load(session: Session, kind: str, subject_id: str) -> Subject | None:
    """The subject, or None when the kind is unknown or the id names nothing."""
    policy = _policies.get(kind)
    if policy is None or not subject_id or len(subject_id) > MAX_ID_CHARS:
        return None
    return policy.load(session, subject_id)


def url_of(kind: str, subject_id: str, external: bool = False) -> str:
    policy = _policies.get(kind)
    return policy.url(subject_id, external) if policy is not None else ""


def link(endpoint: str, external: bool = False, **values: Any) -> str:
    """url_for, absolute with `external` even outside a request (a digest sent by a timer): from PUBLIC_URL
    unless the request (or SERVER_NAME) says where the platform is."""
    if not external or has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=external, **values)
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def int_id(subject_id: str) -> int | None:
    """A database id written in ASCII digits that fits the 32-bit columns, or None."""
    if not subject_id.isascii() or not subject_id.isdigit() or len(subject_id) > 10:
        return None
    value = int(subject_id)
    return value if 0 < value < 2**31 else None


class ConstituencyPolicy(Policy):
    kind = "constituency"

    def load(self, session: Session, subject_id: str) -> Subject | None:
        item = session.get(Constituency, subject_id)
        if item is None:
            return None
        return Subject(self.kind, item.code, f"{item.code} · {item.name}", item.code, obj=item)

    def url(self, subject_id: str, external: bool = False) -> str:
        return link("constituencies.detail", external, code=subject_id)


register(ConstituencyPolicy())
