"""The open agenda: meetings published by the constituency's MP, corrected (a new public revision) or
withdrawn with a public reason, never deleted; organisations matched across MPs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from participatory.accounts.policy import allowed
from participatory.audit.services import actor_of, record
from participatory.mandate import rules
from participatory.mandate.errors import Conflict, Forbidden, MandateError, raise_if
from participatory.mandate.models import Meeting, MeetingRevision, Organisation
from participatory.text import text_problem


@dataclass(frozen=True)
class MeetingInput:
    starts_at: datetime
    duration_minutes: int
    subject: str
    organisations: list[rules.OrganisationInput]
    roles: list[str]
    bill: str = ""
    note: str = ""

    def problem(self) -> str | None:
        if any(text_problem(v) for v in (self.subject, self.bill, *self.roles)) or text_problem(
            self.note, multiline=True
        ):
            return "control_characters"
        if any(text_problem(o.name) or text_problem(o.identifier) for o in self.organisations):
            return "control_characters"
        return rules.meeting_problem(self.subject, self.duration_minutes, self.organisations, self.roles)


def _check(user, constituency_code: str) -> None:
    if not allowed(user, "agenda.publish", constituency_code):
        raise Forbidden("not_your_constituency")


def find_or_create_organisation(session: Session, now: datetime, given: rules.OrganisationInput) -> Organisation:
    """Matched by `identifiantNational` first, then by normalised name (an identifier then completes it)."""
    key = rules.name_key(given.name)
    if given.identifier:
        found = session.scalar(select(Organisation).where(Organisation.hatvp_id == given.identifier))
        if found is not None:
            return found
        by_name = session.scalar(
            select(Organisation)
            .where(Organisation.name_key == key, Organisation.hatvp_id.is_(None))
            .order_by(Organisation.id)
        )
        if by_name is not None:
            by_name.hatvp_id = given.identifier
            return by_name
    else:
        found = session.scalar(select(Organisation).where(Organisation.name_key == key).order_by(Organisation.id))
        if found is not None:
            return found
    organisation = Organisation(name=given.name, name_key=key, hatvp_id=given.identifier or None, created_at=now)
    session.add(organisation)
    session.flush()
    return organisation


def _snapshot(meeting: Meeting) -> dict:
    return {
        "starts_at": rules.aware(meeting.starts_at).astimezone(UTC).isoformat(),
        "duration_minutes": meeting.duration_minutes,
        "subject": meeting.subject,
        "organisations": [{"id": o.id, "name": o.name, "hatvp_id": o.hatvp_id} for o in meeting.organisations],
        "roles": meeting.roles,
        "bill": meeting.bill,
        "note": meeting.note,
    }


def _apply(session: Session, now: datetime, meeting: Meeting, data: MeetingInput) -> None:
    meeting.starts_at = data.starts_at.astimezone(UTC)
    meeting.duration_minutes = data.duration_minutes
    meeting.subject = data.subject.strip()
    meeting.people_roles = "\n".join(data.roles)
    meeting.bill = data.bill.strip()
    meeting.note = data.note.strip()
    organisations: list[Organisation] = []
    for given in data.organisations:
        organisation = find_or_create_organisation(session, now, given)
        if organisation not in organisations:
            organisations.append(organisation)
    meeting.organisations = organisations


def _audit(session: Session, user, now: datetime, action: str, meeting: Meeting, **details: object) -> None:
    record(
        session,
        now=now,
        actor=actor_of(user),
        action=action,
        object_type="meeting",
        object_id=meeting.id,
        details={"constituency": meeting.constituency_code, "revision": meeting.revision, **details},
    )


def publish_meeting(session: Session, user, now: datetime, constituency_code: str, data: MeetingInput) -> Meeting:
    _check(user, constituency_code)
    if session.get(Constituency, constituency_code) is None:
        raise MandateError("unknown_constituency")
    raise_if(data.problem())
    meeting = Meeting(
        constituency_code=constituency_code,
        mp_id=user.id,
        mp_name=user.display_name or constituency_code,
        revision=1,
        created_at=now,
        updated_at=now,
    )
    session.add(meeting)
    _apply(session, now, meeting, data)
    session.flush()
    session.add(MeetingRevision(meeting=meeting, number=1, snapshot=_snapshot(meeting), created_at=now))
    session.flush()
    _audit(session, user, now, "meeting.published", meeting, organisations=[o.id for o in meeting.organisations])
    return meeting


def correct_meeting(session: Session, user, now: datetime, meeting: Meeting, data: MeetingInput, reason: str) -> None:
    """A correction is a new public revision; the earlier ones stay listed on the meeting's page."""
    _check(user, meeting.constituency_code)
    raise_if("withdrawn" if meeting.withdrawn_at else None, Conflict)
    raise_if(data.problem())
    raise_if("reason_required" if not reason.strip() else None)
    raise_if("control_characters" if text_problem(reason, multiline=True) else None)
    before = _snapshot(meeting)
    _apply(session, now, meeting, data)
    session.flush()
    after = _snapshot(meeting)
    if after == before:
        raise MandateError("nothing_changed")
    meeting.revision += 1
    meeting.updated_at = now
    session.add(
        MeetingRevision(meeting=meeting, number=meeting.revision, snapshot=after, reason=reason.strip(), created_at=now)
    )
    session.flush()
    _audit(session, user, now, "meeting.corrected", meeting, fields=sorted(k for k in after if after[k] != before[k]))


def withdraw_meeting(session: Session, user, now: datetime, meeting: Meeting, reason: str) -> None:
    """Withdrawn, never deleted: the meeting stays listed with its public reason."""
    _check(user, meeting.constituency_code)
    raise_if("withdrawn" if meeting.withdrawn_at else None, Conflict)
    raise_if("reason_required" if not reason.strip() else None)
    raise_if("control_characters" if text_problem(reason, multiline=True) else None)
    meeting.withdrawn_at = now
    meeting.withdrawal_reason = reason.strip()
    meeting.updated_at = now
    session.flush()
    _audit(session, user, now, "meeting.withdrawn", meeting)
