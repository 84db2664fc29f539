"""Objects of the mandate domain built through its services (so the audit log and revisions are real)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from participatory.accounts.models import RoleGrant, User
from participatory.accounts.rules import ADMIN, MP
from participatory.mandate import rules
from participatory.mandate.services import agenda, amendments, consultations

HERE, OTHER = "33-04", "75-18"
BILL = """Projet de loi relatif à la transparence

Article 1er
Le code électoral est ainsi modifié :
1° L'article L. 52-8 est complété par un alinéa ainsi rédigé :
« Les dons sont publiés chaque mois. »

Article 2
La présente loi entre en vigueur le 1er janvier 2028.
"""
SIREN = "552100554"  # a valid SIREN (Luhn key)


def user(session, now, key: str, constituency: str | None = HERE, *grants: tuple[str, str | None]) -> User:
    person = User(
        email=f"{key}@example.test",
        display_name=key.replace("_", " ").title(),
        created_at=now,
        email_confirmed_at=now,
        constituency_code=constituency,
        residence_declared_at=now if constituency else None,
    )
    session.add(person)
    session.flush()
    for role, scope in grants:
        session.add(RoleGrant(user_id=person.id, role=role, constituency_code=scope, granted_at=now))
    session.flush()
    session.refresh(person)
    return person


def people(session, now) -> SimpleNamespace:
    return SimpleNamespace(
        mp=user(session, now, "mp_here", HERE, (MP, HERE)),
        mp_other=user(session, now, "mp_other", OTHER, (MP, OTHER)),
        admin=user(session, now, "admin", OTHER, (ADMIN, None)),
        resident=user(session, now, "resident_here"),
        neighbour=user(session, now, "neighbour"),
    )


def meeting_input(now, subject: str = "Publication des dons", **changes) -> agenda.MeetingInput:
    values = {
        "starts_at": now - timedelta(days=2),
        "duration_minutes": 45,
        "subject": subject,
        "organisations": [rules.OrganisationInput("Transparency International France", SIREN)],
        "roles": ["Directrice du plaidoyer"],
        "bill": "Projet de loi transparence",
        "note": "",
    }
    values.update(changes)
    return agenda.MeetingInput(**values)


def meeting(session, now, mp, code: str = HERE, **changes):
    return agenda.publish_meeting(session, mp, now, code, meeting_input(now, **changes))


def consultation(session, now, mp, code: str = HERE, *, open_now: bool = True):
    start = now - timedelta(days=1) if open_now else now + timedelta(days=5)
    data = consultations.ConsultationInput(
        title="Projet de loi transparence",
        assemblee_ref="PIONANR5L17B0123",
        text=BILL,
        opens_at=start,
        closes_at=start + timedelta(days=20),
    )
    return consultations.open_consultation(session, mp, now, code, data)


def first_paragraph(item):
    return item.articles[0].paragraphs[0]


def amendment(session, now, author, item, text: str = "Le code électoral est modifié comme suit :"):
    return amendments.propose_amendment(
        session, author, now, first_paragraph(item), author.display_name, text, "Plus clair."
    )
