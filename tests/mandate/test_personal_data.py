"""The mandate's part of the personal-data download (one's comments, amendments, supports, reports and an
MP's consultations), nobody else's; an account's deletion withdraws its supports and unnames its texts."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from participatory.accounts.services.deletion import erase_account
from participatory.mandate import queries
from participatory.mandate.models import AmendmentSupport
from participatory.mandate.services import amendments
from tests.mandate import builders
from tests.mandate.conftest import sign_in


def _download(app, user) -> dict:
    client = app.test_client()
    sign_in(client, user)
    response = client.get("/compte/mes-donnees.json")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))["mandate"]


def test_the_download_holds_one_s_own_mandate_part_only(app, session, now, people):
    consultation = builders.consultation(session, now, people.mp)
    paragraph = builders.first_paragraph(consultation)
    mine = builders.amendment(session, now, people.resident, consultation, "Ma rédaction.")
    builders.amendment(session, now, people.neighbour, consultation, "Leur rédaction.")
    theirs_comment = amendments.post_comment(session, people.neighbour, now, paragraph, "Voisine", "Leur avis.")
    amendments.post_comment(session, people.resident, now, paragraph, "Résidente R.", "Mon avis.")
    amendments.support_amendment(session, people.neighbour, now, mine)
    amendments.report_comment(session, people.resident, now, theirs_comment)
    session.commit()

    part = _download(app, people.resident)
    assert [(c["public_name"], c["body"]) for c in part["bill_comments"]] == [("Résidente R.", "Mon avis.")]
    assert part["bill_comments"][0]["on"] == {"consultation": consultation.id, "article": "Article 1er", "paragraph": 1}
    assert [a["dispositif"] for a in part["amendments"]] == ["Ma rédaction."]
    assert part["amendment_supports"] == []
    assert [r["comment"] for r in part["bill_comment_reports"]] == [theirs_comment.id]
    assert part["consultations_opened"] == []

    neighbour = _download(app, people.neighbour)
    assert [(s["consultation"], s["number"]) for s in neighbour["amendment_supports"]] == [
        (consultation.id, mine.number)
    ]
    assert _download(app, people.mp)["consultations_opened"] == [consultation.id]


def test_a_deleted_account_s_supports_go_and_its_texts_stay_unnamed(app, session, now, people, client):
    consultation = builders.consultation(session, now, people.mp)
    paragraph = builders.first_paragraph(consultation)
    amendment = builders.amendment(session, now, people.resident, consultation, "Ma rédaction.")
    comment = amendments.post_comment(session, people.resident, now, paragraph, "Résidente R.", "Mon avis.")
    theirs = builders.amendment(session, now, people.neighbour, consultation, "Leur rédaction.")
    amendments.support_amendment(session, people.resident, now, theirs)
    amendments.support_amendment(session, people.neighbour, now, amendment)
    session.commit()

    erase_account(session, people.resident, now=now)
    session.commit()

    supporters = session.scalar(select(func.count()).select_from(AmendmentSupport))
    assert supporters == 1  # the neighbour's stays
    assert (amendment.author_name, comment.author_name) == ("", "")
    assert (amendment.dispositif, comment.body) == ("Ma rédaction.", "Mon avis.")
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "Résidente R." not in page and "Participant" in page
    assert queries.amendment_as_export(consultation, amendment, 1)["auteur"]["nom"] == "Participant"
