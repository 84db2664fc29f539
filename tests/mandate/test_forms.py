"""Every form of the mandate refuses bad input with a clear message and stores nothing (table-driven)."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participatory.audit.models import AuditEvent
from participatory.mandate.forms import PARIS
from participatory.mandate.models import (
    Amendment,
    AmendmentVersion,
    BillComment,
    Consultation,
    Meeting,
    MeetingRevision,
    Organisation,
    WrittenContribution,
)
from tests.mandate import builders
from tests.mandate.conftest import sign_in

TABLES = (
    Meeting,
    MeetingRevision,
    Organisation,
    Consultation,
    WrittenContribution,
    BillComment,
    Amendment,
    AmendmentVersion,
    AuditEvent,
)


def _counts(session) -> dict:
    session.expire_all()
    return {t.__name__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


def _local(moment) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def _meeting(now, **changes) -> dict:
    data = {
        "starts_at": _local(now - timedelta(days=1)),
        "duration_minutes": "30",
        "subject": "Rencontre",
        "organisations": "Anticor",
        "roles": "Président",
        "bill": "",
        "note": "",
    }
    data.update(changes)
    return data


def _consultation(now, **changes) -> dict:
    data = {
        "title": "Projet de loi",
        "assemblee_ref": "",
        "text": builders.BILL,
        "opens_at": _local(now),
        "closes_at": _local(now + timedelta(days=10)),
    }
    data.update(changes)
    return data


# (name, who, url builder, data builder, status, message fragment)
CASES = [
    (
        "meeting: no subject",
        "mp",
        lambda w: "/circonscriptions/33-04/agenda/nouveau",
        lambda n: _meeting(n, subject=""),
        400,
        "Ce champ est requis",
    ),
    (
        "meeting: zero minutes",
        "mp",
        lambda w: "/circonscriptions/33-04/agenda/nouveau",
        lambda n: _meeting(n, duration_minutes="0"),
        400,
        "entre 1 et 1440",
    ),
    (
        "meeting: NaN minutes",
        "mp",
        lambda w: "/circonscriptions/33-04/agenda/nouveau",
        lambda n: _meeting(n, duration_minutes="NaN"),
        400,
        "entier valide",
    ),
    (
        "meeting: bad identifier",
        "mp",
        lambda w: "/circonscriptions/33-04/agenda/nouveau",
        lambda n: _meeting(n, organisations="Anticor ; 12345"),
        400,
        "Identifiant national non valide",
    ),
    (
        "meeting: bad SIREN key",
        "mp",
        lambda w: "/circonscriptions/33-04/agenda/nouveau",
        lambda n: _meeting(n, organisations="Anticor ; 552100555"),
        400,
        "clé de contrôle",
    ),
    (
        "meeting: no organisation",
        "mp",
        lambda w: "/circonscriptions/33-04/agenda/nouveau",
        lambda n: _meeting(n, organisations=" "),
        400,
        "Ce champ est requis",
    ),
    (
        "meeting: control character",
        "mp",
        lambda w: "/circonscriptions/33-04/agenda/nouveau",
        lambda n: _meeting(n, subject="a\u202eb"),
        400,
        "direction",
    ),
    (
        "meeting: bad date",
        "mp",
        lambda w: "/circonscriptions/33-04/agenda/nouveau",
        lambda n: _meeting(n, starts_at="demain"),
        400,
        "date/heure valide",
    ),
    (
        "correction: no reason",
        "mp",
        lambda w: f"/agenda/rendez-vous/{w['meeting']}/corriger",
        lambda n: _meeting(n),
        400,
        "Ce champ est requis",
    ),
    (
        "correction: nothing changed",
        "mp",
        lambda w: f"/agenda/rendez-vous/{w['meeting']}/corriger",
        lambda n: _meeting(
            n,
            subject="Publication des dons",
            starts_at=_local(n - timedelta(days=2)),
            duration_minutes="45",
            organisations=f"Transparency International France ; {builders.SIREN}",
            roles="Directrice du plaidoyer",
            bill="Projet de loi transparence",
            reason="Rien",
        ),
        400,
        "Rien n'a changé",
    ),
    (
        "withdrawal: no reason",
        "mp",
        lambda w: f"/agenda/rendez-vous/{w['meeting']}/retirer",
        lambda n: {"reason": ""},
        400,
        "Ce champ est requis",
    ),
    (
        "consultation: no article",
        "mp",
        lambda w: "/circonscriptions/33-04/consultations/nouvelle",
        lambda n: _consultation(n, text="Article 1er\nArticle 2\nTexte"),
        400,
        "au moins un alinéa",
    ),
    (
        "consultation: closes before it opens",
        "mp",
        lambda w: "/circonscriptions/33-04/consultations/nouvelle",
        lambda n: _consultation(n, closes_at=_local(n - timedelta(days=1))),
        400,
        "La clôture doit suivre",
    ),
    (
        "consultation: closed already",
        "admin",
        lambda w: "/circonscriptions/33-04/consultations/nouvelle",
        lambda n: _consultation(n, opens_at=_local(n - timedelta(days=9)), closes_at=_local(n - timedelta(days=1))),
        400,
        "déjà passée",
    ),
    (
        "consultation: no title",
        "mp",
        lambda w: "/circonscriptions/33-04/consultations/nouvelle",
        lambda n: _consultation(n, title=""),
        400,
        "Ce champ est requis",
    ),
    (
        "contribution: not a PDF",
        "mp",
        lambda w: f"/consultations/{w['consultation']}/contributions/nouvelle",
        lambda n: {"organisation": "Anticor", "summary": "Résumé", "document": (io.BytesIO(b"GIF89a..."), "note.pdf")},
        400,
        "PDF",
    ),
    (
        "contribution: empty file",
        "mp",
        lambda w: f"/consultations/{w['consultation']}/contributions/nouvelle",
        lambda n: {"organisation": "Anticor", "summary": "Résumé", "document": (io.BytesIO(b""), "note.pdf")},
        400,
        "",
    ),
    (
        "contribution: bad identifier",
        "mp",
        lambda w: f"/consultations/{w['consultation']}/contributions/nouvelle",
        lambda n: {"organisation": "Anticor", "identifier": "W12", "summary": "Résumé"},
        400,
        "Identifiant national non valide",
    ),
    (
        "contribution: no summary",
        "mp",
        lambda w: f"/consultations/{w['consultation']}/contributions/nouvelle",
        lambda n: {"organisation": "Anticor", "summary": ""},
        400,
        "Ce champ est requis",
    ),
    (
        "comment: empty",
        "resident",
        lambda w: f"/alineas/{w['paragraph']}/commentaires",
        lambda n: {"author_name": "Camille", "body": ""},
        400,
        "Ce champ est requis",
    ),
    (
        "comment: no public name",
        "resident",
        lambda w: f"/alineas/{w['paragraph']}/commentaires",
        lambda n: {"author_name": "", "body": "Oui"},
        400,
        "Ce champ est requis",
    ),
    (
        "comment: consultation not open",
        "resident",
        lambda w: f"/alineas/{w['later_paragraph']}/commentaires",
        lambda n: {"author_name": "Camille", "body": "Oui"},
        409,
        "pas ouverte",
    ),
    (
        "hide: no reason",
        "mp",
        lambda w: f"/consultations/commentaires/{w['comment']}/masquer",
        lambda n: {"reason": ""},
        400,
        "Ce champ est requis",
    ),
    (
        "amendment: no exposé",
        "resident",
        lambda w: f"/alineas/{w['paragraph']}/amendement",
        lambda n: {"author_name": "Camille", "dispositif": "Autre texte.", "expose": ""},
        400,
        "Ce champ est requis",
    ),
    (
        "amendment: same wording",
        "resident",
        lambda w: f"/alineas/{w['paragraph']}/amendement",
        lambda n: {"author_name": "Camille", "dispositif": "Le code électoral  est ainsi modifié :", "expose": "Rien"},
        400,
        "identique",
    ),
    (
        "amendment: not open",
        "resident",
        lambda w: f"/alineas/{w['later_paragraph']}/amendement",
        lambda n: {"author_name": "Camille", "dispositif": "Autre.", "expose": "Oui"},
        409,
        "pas ouverte",
    ),
    (
        "answer: unknown status",
        "mp",
        lambda w: f"/amendements/{w['amendment']}/reponse",
        lambda n: {"status": "adopted", "reason": "Oui"},
        400,
        "choix valide",
    ),
    (
        "answer: tabled without reason",
        "mp",
        lambda w: f"/amendements/{w['amendment']}/reponse",
        lambda n: {"status": "tabled", "reason": ""},
        400,
        "motif est obligatoire",
    ),
    (
        "answer: merged into nothing",
        "mp",
        lambda w: f"/amendements/{w['amendment']}/reponse",
        lambda n: {"status": "merged", "reason": "Même objet", "merged_into": "99"},
        400,
        "autre amendement",
    ),
    (
        "answer: merged into itself",
        "mp",
        lambda w: f"/amendements/{w['amendment']}/reponse",
        lambda n: {"status": "merged", "reason": "Même objet", "merged_into": "1"},
        400,
        "autre amendement",
    ),
    (
        "reword: same wording",
        "mp",
        lambda w: f"/amendements/{w['amendment']}/version",
        lambda n: {"dispositif": "Le code électoral est modifié comme suit :"},
        400,
        "identique",
    ),
    (
        "support: own amendment",
        "resident",
        lambda w: f"/amendements/{w['amendment']}/soutenir",
        lambda n: {},
        409,
        "propre amendement",
    ),
]


@pytest.fixture
def world(session, now, people):
    item = builders.meeting(session, now, people.mp)
    consultation = builders.consultation(session, now, people.mp)
    later = builders.consultation(session, now, people.mp, open_now=False)
    paragraph = builders.first_paragraph(consultation)
    from participatory.mandate.services import amendments

    comment = amendments.post_comment(session, people.resident, now, paragraph, "Camille", "Bien")
    amendment = builders.amendment(session, now, people.resident, consultation)
    session.commit()
    return {
        "meeting": item.id,
        "consultation": consultation.id,
        "paragraph": paragraph.id,
        "later_paragraph": builders.first_paragraph(later).id,
        "comment": comment.id,
        "amendment": amendment.id,
    }


@pytest.mark.parametrize(("name", "who", "url", "data", "status", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_and_stores_nothing(
    app, session, now, people, world, name, who, url, data, status, message
):
    client = app.test_client()
    sign_in(client, getattr(people, who))
    before = _counts(session)
    response = client.post(url(world), data=data(now), content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:2000]
    alerts = re.findall(r'<div class="(?:alert alert-danger|invalid-feedback)[^"]*"[^>]*>(.*?)</div>', body, re.S)
    shown = html.unescape(re.sub(r"<[^>]+>", " ", " | ".join(alerts)))
    assert message in shown, shown
    assert _counts(session) == before
