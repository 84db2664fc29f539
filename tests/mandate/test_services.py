"""The mandate's services and open data: corrections keep their history, withdrawals stay listed,
organisations are matched across MPs, one support per person, every step in the audit log, and the
API, CSV files and datapackage publish it without any private person."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from participatory.audit.models import AuditEvent
from participatory.mandate import rules
from participatory.mandate.errors import Conflict, Forbidden
from participatory.mandate.models import Organisation
from participatory.mandate.services import agenda, amendments
from tests.mandate import builders


def test_corrections_are_revisions_and_withdrawal_keeps_the_meeting(session, now, people):
    meeting = builders.meeting(session, now, people.mp)
    later = now + timedelta(hours=1)
    agenda.correct_meeting(session, people.mp, later, meeting, builders.meeting_input(now, "Dons mensuels"), "Objet")
    assert [r.number for r in meeting.revisions] == [1, 2]
    assert meeting.revisions[0].snapshot["subject"] == "Publication des dons"
    assert meeting.revisions[1].reason == "Objet" and meeting.subject == "Dons mensuels"
    agenda.withdraw_meeting(session, people.mp, later, meeting, "Doublon")
    with pytest.raises(Conflict):
        agenda.correct_meeting(session, people.mp, later, meeting, builders.meeting_input(now, "X"), "Y")
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions == ["meeting.published", "meeting.corrected", "meeting.withdrawn"]


@pytest.mark.parametrize("who", ["mp_other", "admin", "resident"])
def test_only_the_constituencys_mp_publishes_its_agenda(session, now, people, who):
    with pytest.raises(Forbidden):
        builders.meeting(session, now, getattr(people, who))


def test_organisations_are_shared_across_mps_by_identifier_then_name(session, now, people):
    builders.meeting(session, now, people.mp)
    other = builders.meeting(
        session,
        now,
        people.mp_other,
        builders.OTHER,
        organisations=[
            rules.OrganisationInput("TRANSPARENCY international  France"),
            rules.OrganisationInput("Anticor"),
        ],
    )
    third = builders.meeting(session, now, people.mp, organisations=[rules.OrganisationInput("anticor", "W751234567")])
    ids = {o.name: o.id for o in other.organisations}
    assert (
        session.scalar(select(Organisation.id).where(Organisation.hatvp_id == builders.SIREN))
        == ids["Transparency International France"]
    )  # the name as first entered
    assert third.organisations[0].id == ids["Anticor"]  # matched by name, completed with its identifier
    assert session.scalars(select(Organisation.hatvp_id).order_by(Organisation.id)).all() == [
        builders.SIREN,
        "W751234567",
    ]


def test_one_support_per_person_and_answers_with_versions(session, now, people):
    consultation = builders.consultation(session, now, people.mp)
    first = builders.amendment(session, now, people.resident, consultation)
    second = builders.amendment(session, now, people.neighbour, consultation, "Autre rédaction.")
    amendments.support_amendment(session, people.neighbour, now, first)
    with pytest.raises(Conflict):
        amendments.support_amendment(session, people.neighbour, now, first)
    amendments.answer_amendment(session, people.mp, now, second, rules.MERGED, "Même objet", first.number)
    assert second.merged_into_id == first.id
    amendments.reword_amendment(session, people.admin, now, first, "Rédaction légistique.", "", "Avec l'auteur")
    assert [v.number for v in first.versions] == [1, 2] and first.versions[0].dispositif != first.dispositif
    with pytest.raises(Forbidden):
        amendments.answer_amendment(session, people.mp_other, now, first, rules.TABLED, "Non", None)


def test_api_and_national_csv_publish_agendas_without_private_people(app, session, now, people, client):
    for number in range(3):
        builders.meeting(session, now, people.mp, subject=f"=HYPERLINK({number})")
    consultation = builders.consultation(session, now, people.mp)
    tabled = builders.amendment(session, now, people.resident, consultation)
    amendments.answer_amendment(session, people.mp, now, tabled, rules.TABLED, "Déposé", None)
    session.commit()
    page = client.get("/api/v1/agendas?per_page=2").json
    assert (page["count"], page["pages"], len(page["meetings"])) == (3, 2, 2)
    assert page["next"].endswith("page=2&per_page=2") and page["previous"] is None
    assert client.get("/api/v1/agendas?per_page=201").status_code == 400
    agendas = client.get("/api/v1/national/agendas.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(agendas)))
    assert len(rows) == 3 and rows[0]["subject"].startswith("'=")  # no formula in a spreadsheet
    assert "example.test" not in agendas
    names = {r["name"] for r in client.get("/api/v1/datapackage.json").json["resources"]}
    assert {"agendas", "organisations"} <= names
    exported = client.get(f"/api/v1/consultations/{consultation.id}/amendments.csv").get_data(as_text=True)
    assert "Resident Here" in exported and "example.test" not in exported and "Déposé" in exported


def test_cli_exports_the_tabled_amendments(app, session, now, people):
    consultation = builders.consultation(session, now, people.mp)
    tabled = builders.amendment(session, now, people.resident, consultation)
    amendments.answer_amendment(session, people.mp, now, tabled, rules.TABLED, "Déposé", None)
    builders.amendment(session, now, people.neighbour, consultation, "Pas encore examiné.")
    session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mandate", "amendments", str(consultation.id)])
    assert result.exit_code == 0 and '"count": 1' in result.output and '"sort": "Déposé"' in result.output
    result = runner.invoke(args=["mandate", "amendments", str(consultation.id), "--format", "csv"])
    assert result.output.splitlines()[0].startswith("uid,numero,texteLegislatifRef")
    assert runner.invoke(args=["mandate", "amendments", "99999"]).exit_code == 1
