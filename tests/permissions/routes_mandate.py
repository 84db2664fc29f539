"""Routes of the MP's mandate: the open agenda (the constituency's MP alone publishes, corrects and
withdraws), consultations (MP of the constituency or admin), comments, amendments and supports
(anyone signed in while the consultation is open), answers and rewordings (MP or admin).

build(world) publishes, in world.here, a meeting by mp_here and an open consultation with a comment
and an amendment by resident_here; each case gets a fresh world, in the order of ROLES.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from participatory.mandate.forms import PARIS
from participatory.mandate.rules import OrganisationInput
from participatory.mandate.services import amendments as services
from participatory.mandate.services import consultations as consultation_services
from tests.mandate import builders
from tests.permissions.framework import ROLES, Case, everyone, signed_in


def build(world) -> None:
    s, now, mp = world.session, world.now, world.users["mp_here"]
    item = builders.meeting(s, now, mp)
    consultation = builders.consultation(s, now, mp)
    paragraph = builders.first_paragraph(consultation)
    comment = services.post_comment(s, world.users["resident_here"], now, paragraph, "Camille", "Bonne idée")
    amendment = builders.amendment(s, now, world.users["resident_here"], consultation)
    contribution = consultation_services.add_contribution(
        s,
        mp,
        now,
        consultation,
        OrganisationInput("Anticor"),
        "Résumé",
        None,
        Path("unused"),  # no file
    )
    world.ids.update(
        meeting=item.id,
        organisation=item.organisations[0].id,
        consultation=consultation.id,
        paragraph=paragraph.id,
        comment=comment.id,
        amendment=amendment.id,
        contribution=contribution.id,
    )


def only(statuses: dict[str, int], default: int = 403, anonymous: int = 302) -> dict[str, int]:
    return {role: statuses.get(role, anonymous if role == "anonymous" else default) for role in ROLES}


def _local(moment) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def _meeting_form(world, subject: str = "Rencontre", reason: str | None = None) -> dict:
    data = {
        "starts_at": _local(world.now - timedelta(days=1)),
        "duration_minutes": "30",
        "subject": subject,
        "organisations": f"Anticor\nTransparency International France ; {builders.SIREN}",
        "roles": "Président\nChargée de plaidoyer",
        "bill": "",
        "note": "",
    }
    if reason is not None:
        data["reason"] = reason
    return data


def _consultation_form(world) -> dict:
    return {
        "title": "Proposition de loi",
        "assemblee_ref": "",
        "text": builders.BILL,
        "opens_at": _local(world.now),
        "closes_at": _local(world.now + timedelta(days=30)),
    }


MP_HERE = {"mp_here": 200}
MANAGERS_HERE = {"mp_here": 200, "admin": 200}
SIGNED_IN_302 = signed_in(302)

CASES = [
    # Public pages and open data.
    Case("mandate.agenda", "GET", "/circonscriptions/33-04/agenda", everyone(200)),
    Case("mandate.agenda", "GET", "/circonscriptions/99-99/agenda", everyone(404)),
    Case("mandate.agenda", "GET", "/circonscriptions/33-04/agenda?page=x", everyone(400)),
    Case("mandate.mp_page", "GET", lambda w: f"/deputes/{w.users['mp_here'].id}", everyone(200)),
    Case("mandate.mp_page", "GET", lambda w: f"/deputes/{w.users['resident_here'].id}", everyone(404)),
    Case("mandate.organisations", "GET", "/organisations?q=transparency", everyone(200)),
    Case("mandate.organisation", "GET", lambda w: f"/organisations/{w.ids['organisation']}", everyone(200)),
    Case("mandate.meeting", "GET", lambda w: f"/agenda/rendez-vous/{w.ids['meeting']}", everyone(200)),
    Case("mandate.consultations", "GET", "/circonscriptions/33-04/consultations", everyone(200)),
    Case("mandate.consultation", "GET", lambda w: f"/consultations/{w.ids['consultation']}", everyone(200)),
    Case("mandate.amendment", "GET", lambda w: f"/amendements/{w.ids['amendment']}", everyone(200)),
    Case(
        "mandate.contribution_file", "GET", lambda w: f"/contributions/{w.ids['contribution']}/fichier", everyone(404)
    ),  # none uploaded
    Case("api.agendas", "GET", "/api/v1/agendas?constituency=33-04&per_page=10", everyone(200)),
    Case("api.agendas", "GET", "/api/v1/agendas?page=0", everyone(400)),
    Case("api.organisations", "GET", "/api/v1/organisations", everyone(200)),
    Case("api.organisation", "GET", lambda w: f"/api/v1/organisations/{w.ids['organisation']}", everyone(200)),
    Case("api.consultations", "GET", "/api/v1/consultations", everyone(200)),
    Case(
        "api.tabled_amendments_json",
        "GET",
        lambda w: f"/api/v1/consultations/{w.ids['consultation']}/amendments.json",
        everyone(200),
    ),
    Case(
        "api.tabled_amendments_csv",
        "GET",
        lambda w: f"/api/v1/consultations/{w.ids['consultation']}/amendments.csv",
        everyone(200),
    ),
    Case("api.national_agendas_csv", "GET", "/api/v1/national/agendas.csv", everyone(200)),
    Case("api.national_organisations_csv", "GET", "/api/v1/national/organisations.csv", everyone(200)),
    # The open agenda: the constituency's own MP only (mp_other and admins are refused).
    Case("mandate.publish", "GET", "/circonscriptions/33-04/agenda/nouveau", only(MP_HERE)),
    Case("mandate.publish", "GET", "/circonscriptions/75-18/agenda/nouveau", only({"mp_other": 200})),
    Case(
        "mandate.publish",
        "POST",
        "/circonscriptions/33-04/agenda/nouveau",
        only({"mp_here": 302}),
        data=lambda w: _meeting_form(w),
    ),
    Case("mandate.correct", "GET", lambda w: f"/agenda/rendez-vous/{w.ids['meeting']}/corriger", only(MP_HERE)),
    Case(
        "mandate.correct",
        "POST",
        lambda w: f"/agenda/rendez-vous/{w.ids['meeting']}/corriger",
        only({"mp_here": 302}),
        data=lambda w: _meeting_form(w, "Rencontre corrigée", reason="Date erronée"),
    ),
    Case(
        "mandate.withdraw",
        "POST",
        lambda w: f"/agenda/rendez-vous/{w.ids['meeting']}/retirer",
        only({"mp_here": 302}),
        data={"reason": "Doublon"},
    ),
    # Consultations: the constituency's MP or an admin.
    Case("mandate.open_consultation", "GET", "/circonscriptions/33-04/consultations/nouvelle", only(MANAGERS_HERE)),
    Case(
        "mandate.open_consultation",
        "POST",
        "/circonscriptions/33-04/consultations/nouvelle",
        only({"mp_here": 302, "admin": 302}),
        data=_consultation_form,
    ),
    Case(
        "mandate.add_contribution",
        "GET",
        lambda w: f"/consultations/{w.ids['consultation']}/contributions/nouvelle",
        only(MANAGERS_HERE),
    ),
    Case(
        "mandate.add_contribution",
        "POST",
        lambda w: f"/consultations/{w.ids['consultation']}/contributions/nouvelle",
        only({"mp_here": 302, "admin": 302}),
        data={"organisation": "Anticor", "identifier": "", "summary": "Pour."},
    ),
    # Anyone signed in, while the consultation is open.
    Case(
        "mandate.comment",
        "POST",
        lambda w: f"/alineas/{w.ids['paragraph']}/commentaires",
        SIGNED_IN_302,
        data={"author_name": "Dominique", "body": "D'accord."},
    ),
    Case(
        "mandate.report_comment",
        "POST",
        lambda w: f"/consultations/commentaires/{w.ids['comment']}/signaler",
        SIGNED_IN_302,
    ),
    Case(
        "mandate.hide_comment",
        "POST",
        lambda w: f"/consultations/commentaires/{w.ids['comment']}/masquer",
        only({"mp_here": 302, "admin": 409}),  # hidden by mp_here first
        data={"reason": "Propos injurieux"},
    ),
    Case("mandate.propose", "GET", lambda w: f"/alineas/{w.ids['paragraph']}/amendement", signed_in(200)),
    Case(
        "mandate.propose",
        "POST",
        lambda w: f"/alineas/{w.ids['paragraph']}/amendement",
        SIGNED_IN_302,
        data={"author_name": "Dominique", "dispositif": "Nouveau texte.", "expose": "Parce que."},
    ),
    Case(
        "mandate.support",
        "POST",
        lambda w: f"/amendements/{w.ids['amendment']}/soutenir",
        {**SIGNED_IN_302, "resident_here": 409},  # the author cannot support their own amendment
    ),
    Case(
        "mandate.answer",
        "POST",
        lambda w: f"/amendements/{w.ids['amendment']}/reponse",
        only({"mp_here": 302, "admin": 302}),
        data={"status": "tabled", "reason": "Déposé en commission."},
    ),
    Case(
        "mandate.reword",
        "POST",
        lambda w: f"/amendements/{w.ids['amendment']}/version",
        only({"mp_here": 302, "admin": 400}),  # the same wording again: nothing new
        data={"dispositif": "Le code électoral est ainsi complété :", "expose": "", "note": "Forme légistique."},
    ),
]
