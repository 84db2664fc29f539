"""Read-only views of the mandate: agendas, organisations across MPs, consultations and their
amendments, and the shapes the API and the national CSV files publish (no private person)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from participatory import csvfiles
from participatory.mandate import rules
from participatory.mandate.models import (
    Amendment,
    AmendmentSupport,
    Consultation,
    Meeting,
    Organisation,
    meeting_organisation,
)

PAGE_SIZE = 50


def stamp(moment: datetime | None) -> str | None:
    return None if moment is None else rules.aware(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def meetings_query(constituency_code: str | None = None, mp_id: int | None = None, organisation_id: int | None = None):
    query: Select = select(Meeting).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    if constituency_code is not None:
        query = query.where(Meeting.constituency_code == constituency_code)
    if mp_id is not None:
        query = query.where(Meeting.mp_id == mp_id)
    if organisation_id is not None:
        query = query.join(meeting_organisation, meeting_organisation.c.meeting_id == Meeting.id).where(
            meeting_organisation.c.organisation_id == organisation_id
        )
    return query


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    pages: int
    total: int


def paginate(session: Session, query: Select, page: int, size: int = PAGE_SIZE) -> Page:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // size))
    items = list(session.scalars(query.limit(size).offset((page - 1) * size))) if page <= pages else []
    return Page(items, page, pages, total)


def organisations_query(text: str = ""):
    count = func.count(meeting_organisation.c.meeting_id)
    query = (
        select(Organisation, count.label("meetings"))
        .outerjoin(meeting_organisation, meeting_organisation.c.organisation_id == Organisation.id)
        .group_by(Organisation.id)
        .order_by(count.desc(), Organisation.name_key, Organisation.id)
    )
    key = rules.name_key(text)
    if key:
        query = query.where(Organisation.name_key.contains(key) | (Organisation.hatvp_id == text.strip().upper()))
    return query


def organisations_page(session: Session, page: int, text: str = "", size: int = PAGE_SIZE) -> Page:
    query = organisations_query(text)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // size))
    rows = session.execute(query.limit(size).offset((page - 1) * size)).all() if page <= pages else []
    return Page([(org, meetings) for org, meetings in rows], page, pages, total)


def mps_of(session: Session, constituency_code: str) -> list[tuple[int, str]]:
    """The MPs who published in this constituency's agenda, newest first."""
    rows = session.execute(
        select(Meeting.mp_id, Meeting.mp_name, func.max(Meeting.created_at))
        .where(Meeting.constituency_code == constituency_code, Meeting.mp_id.is_not(None))
        .group_by(Meeting.mp_id, Meeting.mp_name)
        .order_by(func.max(Meeting.created_at).desc())
    ).all()
    return [(mp_id, name) for mp_id, name, _ in rows]


def organisation_as_dict(organisation: Organisation, meetings: int | None = None) -> dict:
    data = {"id": organisation.id, "name": organisation.name, "hatvp_id": organisation.hatvp_id}
    if meetings is not None:
        data["meetings"] = meetings
    return data


def meeting_as_dict(meeting: Meeting) -> dict:
    return {
        "id": meeting.id,
        "constituency": meeting.constituency_code,
        "mp": {"id": meeting.mp_id, "name": meeting.mp_name},
        "starts_at": stamp(meeting.starts_at),
        "duration_minutes": meeting.duration_minutes,
        "subject": meeting.subject,
        "organisations": [organisation_as_dict(o) for o in meeting.organisations],
        "roles": meeting.roles,
        "bill": meeting.bill,
        "note": meeting.note,
        "revision": meeting.revision,
        "published_at": stamp(meeting.created_at),
        "updated_at": stamp(meeting.updated_at),
        "withdrawn_at": stamp(meeting.withdrawn_at),
        "withdrawal_reason": meeting.withdrawal_reason if meeting.withdrawn_at else None,
    }


AGENDA_FIELDS = (
    ("meeting_id", "integer", "Identifier of the meeting"),
    ("constituency", "string", "Constituency code <department>-<NN>"),
    ("mp_id", "integer", "The MP's account (public page /deputes/<id>)"),
    ("mp_name", "string", "The MP's public name"),
    ("starts_at", "datetime", "Start of the meeting (UTC)"),
    ("duration_minutes", "integer", "Duration in minutes"),
    ("subject", "string", "Subject"),
    ("organisations", "string", "Organisations met, separated by ' | '"),
    ("hatvp_ids", "string", "Their identifiantNational in the HATVP register, same order (empty when unknown)"),
    ("roles", "string", "Roles of the people met, separated by ' | ' (never a private person's name)"),
    ("bill", "string", "Bill or subject concerned"),
    ("note", "string", "Note"),
    ("revision", "integer", "Number of the current revision (1: never corrected)"),
    ("published_at", "datetime", "First publication (UTC)"),
    ("withdrawn_at", "datetime", "Withdrawal (UTC), empty when listed"),
    ("withdrawal_reason", "string", "Public reason of the withdrawal"),
)
ORGANISATION_FIELDS = (
    ("organisation_id", "integer", "Identifier of the organisation on the platform"),
    ("name", "string", "Name"),
    ("hatvp_id", "string", "identifiantNational in the HATVP register (empty when unknown)"),
    ("meetings", "integer", "Meetings with MPs published in the agendas"),
)


def agenda_rows(session: Session) -> list[tuple]:
    rows = []
    for m in session.scalars(select(Meeting).order_by(Meeting.constituency_code, Meeting.starts_at, Meeting.id)):
        rows.append(
            (
                m.id,
                m.constituency_code,
                m.mp_id,
                m.mp_name,
                stamp(m.starts_at),
                m.duration_minutes,
                m.subject,
                " | ".join(o.name for o in m.organisations),
                " | ".join(o.hatvp_id or "" for o in m.organisations),
                " | ".join(m.roles),
                m.bill,
                m.note,
                m.revision,
                stamp(m.created_at),
                stamp(m.withdrawn_at),
                m.withdrawal_reason if m.withdrawn_at else "",
            )
        )
    return rows


def organisation_rows(session: Session) -> list[tuple]:
    return [(o.id, o.name, o.hatvp_id or "", n) for o, n in session.execute(organisations_query()).all()]


# --- Consultations and amendments ----------------------------------------------------------------------


def consultations_of(session: Session, constituency_code: str | None = None) -> list[Consultation]:
    query = select(Consultation).order_by(Consultation.opens_at.desc(), Consultation.id.desc())
    if constituency_code is not None:
        query = query.where(Consultation.constituency_code == constituency_code)
    return list(session.scalars(query))


def consultation_as_dict(consultation: Consultation, now: datetime) -> dict:
    return {
        "id": consultation.id,
        "constituency": consultation.constituency_code,
        "title": consultation.title,
        "assemblee_ref": consultation.assemblee_ref or None,
        "opens_at": stamp(consultation.opens_at),
        "closes_at": stamp(consultation.closes_at),
        "open": rules.is_open(consultation.opens_at, consultation.closes_at, now),
    }


def amendments_of(session: Session, consultation: Consultation, tabled_only: bool = False) -> list[Amendment]:
    query = select(Amendment).where(Amendment.consultation_id == consultation.id).order_by(Amendment.number)
    if tabled_only:
        query = query.where(Amendment.status == rules.TABLED)
    return list(session.scalars(query))


def supports_of(session: Session, amendment: Amendment) -> int:
    return session.scalar(select(func.count()).where(AmendmentSupport.amendment_id == amendment.id)) or 0


AMENDMENT_FIELDS = (
    ("uid", "string", "Identifier: CITOYEN-<consultation>-<numero>"),
    ("numero", "integer", "Number within the consultation"),
    ("texteLegislatifRef", "string", "The bill's identifier at the Assemblée nationale, when known"),
    ("articleDesignation", "string", "Article aimed at"),
    ("alinea", "integer", "Paragraph (alinéa) aimed at, from 1"),
    ("dispositif", "string", "New wording of the paragraph"),
    ("exposeSommaire", "string", "Reasons"),
    ("auteur", "string", "Public name the author chose"),
    ("soutiens", "integer", "Supports received"),
    ("sort", "string", "Fate: Déposé"),
    ("motif", "string", "The MP's public reason"),
    ("dateDepot", "datetime", "When the MP's team tabled it (UTC)"),
    ("version", "integer", "Version of the wording"),
)


def amendment_as_export(consultation: Consultation, amendment: Amendment, supports: int) -> dict:
    """An amendment in a shape close to the Assemblée nationale's open data for amendments."""
    return {
        "uid": f"CITOYEN-{consultation.id}-{amendment.number}",
        "numero": amendment.number,
        "texteLegislatifRef": consultation.assemblee_ref or None,
        "articleDesignation": amendment.paragraph.article.label,
        "alinea": amendment.paragraph.position,
        "dispositif": amendment.dispositif,
        "exposeSommaire": amendment.expose,
        "auteur": {"type": "citoyen", "nom": amendment.author_name or "Participant"},  # after the account's deletion
        "soutiens": supports,
        "sort": rules.SORT[amendment.status],
        "motif": amendment.status_reason,
        "dateDepot": stamp(amendment.tabled_at),
        "version": amendment.version,
    }


def export_row(item: dict) -> tuple:
    return tuple(item[name]["nom"] if name == "auteur" else item[name] for name, _, _ in AMENDMENT_FIELDS)


def support_counts(session: Session, consultation_id: int) -> dict[int, int]:
    rows = session.execute(
        select(AmendmentSupport.amendment_id, func.count())
        .join(Amendment, Amendment.id == AmendmentSupport.amendment_id)
        .where(Amendment.consultation_id == consultation_id)
        .group_by(AmendmentSupport.amendment_id)
    ).all()
    return {amendment_id: count for amendment_id, count in rows}


def tabled_export(session: Session, consultation: Consultation) -> list[dict]:
    """The tabled amendments, as the JSON export and the CSV (one row each) publish them."""
    supports = support_counts(session, consultation.id)
    return [
        amendment_as_export(consultation, a, supports.get(a.id, 0))
        for a in amendments_of(session, consultation, tabled_only=True)
    ]


def csv_text(fields: tuple, rows: list[tuple]) -> str:
    """A CSV file through the platform's one formula-safe writer."""
    buffer = io.StringIO(newline="")
    writer = csvfiles.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _, _ in fields])
    writer.writerows([("" if v is None else v) for v in row] for row in rows)
    return buffer.getvalue()
