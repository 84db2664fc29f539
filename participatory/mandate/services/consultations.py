"""Consultations on bills: opened by the constituency's MP or an admin, the text split into articles and
paragraphs; written contributions received on it published with their summary and PDF file."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from constituencies.models import Constituency
from participatory.accounts.policy import allowed
from participatory.audit.services import actor_of, record
from participatory.mandate import rules
from participatory.mandate.errors import Forbidden, MandateError, raise_if
from participatory.mandate.models import Article, Consultation, Paragraph, WrittenContribution
from participatory.mandate.services.agenda import find_or_create_organisation
from participatory.text import text_problem

CONTRIBUTION_FOLDER = "contributions"
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class ConsultationInput:
    title: str
    assemblee_ref: str
    text: str
    opens_at: datetime
    closes_at: datetime


def check_manager(user, constituency_code: str) -> None:
    if not allowed(user, "consultation.manage", constituency_code):
        raise Forbidden("not_your_constituency")


def open_consultation(
    session: Session, user, now: datetime, constituency_code: str, data: ConsultationInput
) -> Consultation:
    check_manager(user, constituency_code)
    if session.get(Constituency, constituency_code) is None:
        raise MandateError("unknown_constituency")
    if text_problem(data.title) or text_problem(data.assemblee_ref) or text_problem(data.text, multiline=True):
        raise MandateError("control_characters")
    raise_if(rules.consultation_problem(data.title, data.opens_at, data.closes_at, now))
    articles = rules.split_bill(data.text)
    raise_if(rules.bill_problem(articles))
    consultation = Consultation(
        constituency_code=constituency_code,
        title=data.title.strip(),
        assemblee_ref=data.assemblee_ref.strip(),
        opens_at=data.opens_at.astimezone(UTC),
        closes_at=data.closes_at.astimezone(UTC),
        created_at=now,
        created_by_id=user.id,
    )
    session.add(consultation)
    for position, given in enumerate(articles, start=1):
        article = Article(consultation=consultation, position=position, label=given.label)
        session.add(article)
        for number, text in enumerate(given.paragraphs, start=1):
            session.add(Paragraph(article=article, position=number, text=text))
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="consultation.opened",
        object_type="consultation",
        object_id=consultation.id,
        details={
            "constituency": constituency_code,
            "assemblee_ref": consultation.assemblee_ref,
            "articles": len(articles),
            "paragraphs": sum(len(a.paragraphs) for a in articles),
            "opens_at": consultation.opens_at.isoformat(),
            "closes_at": consultation.closes_at.isoformat(),
        },
    )
    return consultation


def file_problem(body: bytes) -> str | None:
    """A PDF recognised by its first bytes (never its name), 5 MB at most."""
    if not body:
        return "attachment_empty"
    if len(body) > MAX_FILE_BYTES:
        return "attachment_too_large"
    if not body.startswith(b"%PDF-"):
        return "attachment_type"
    return None


def add_contribution(
    session: Session,
    user,
    now: datetime,
    consultation: Consultation,
    organisation: rules.OrganisationInput,
    summary: str,
    body: bytes | None,
    folder: Path,
) -> WrittenContribution:
    check_manager(user, consultation.constituency_code)
    if text_problem(organisation.name) or text_problem(summary, multiline=True):
        raise MandateError("control_characters")
    raise_if("bad_organisation_name" if not organisation.name or len(organisation.name) > 200 else None)
    raise_if(rules.identifier_problem(organisation.identifier))
    raise_if("reason_required" if not summary.strip() else None)
    if body is not None:
        raise_if(file_problem(body))
    contribution = WrittenContribution(
        consultation=consultation,
        organisation=find_or_create_organisation(session, now, organisation),
        summary=summary.strip(),
        created_at=now,
        created_by_id=user.id,
    )
    if body is not None:
        name = f"{secrets.token_hex(16)}.pdf"
        target = folder / CONTRIBUTION_FOLDER
        target.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(body)
        contribution.stored_name, contribution.size = name, len(body)
        contribution.sha256 = hashlib.sha256(body).hexdigest()
    session.add(contribution)
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="contribution.published",
        object_type="written_contribution",
        object_id=contribution.id,
        details={
            "consultation": consultation.id,
            "organisation": contribution.organisation_id,
            "sha256": contribution.sha256,
        },
    )
    return contribution


def contribution_path(folder: Path, contribution: WrittenContribution) -> Path | None:
    if not contribution.stored_name:
        return None
    return folder / CONTRIBUTION_FOLDER / contribution.stored_name
