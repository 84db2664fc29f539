"""Residence: from a map point through the boundary lookup, or from the country abroad; the point stays private."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from constituencies.models import Constituency
from participatory import clock
from participatory.accounts.models import ResidenceLetter, User
from participatory.accounts.rules import ADMIN, LETTER_REQUESTED, LETTER_VOID, MP
from participatory.audit.models import AuditEvent
from participatory.extensions import db
from tests.accounts.conftest import AT_SEA, make_account, sign_in, text
from tests.conftest import requires_shared


def _point_in(app, code: str) -> tuple[float, float]:
    with app.app_context():
        place = db.session.get(Constituency, code)
        return place.label_lat, place.label_lon


def _user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


@requires_shared
def test_a_map_point_gives_the_constituency(app, client):
    lat, lon = _point_in(app, "33-04")
    with app.app_context():
        user = make_account()
    sign_in(client, user)
    response = client.post("/compte/residence", data={"mode": "map", "lat": f"{lat:.6f}", "lon": f"{lon:.6f}"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/mon-appel")  # on to their call
    saved = _user(app, user.id)
    assert saved.constituency_code == "33-04" and saved.residence_declared_at is not None
    assert saved.home_lat == pytest.approx(lat, abs=1e-6) and saved.residence_country is None
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "residence.declared"))
        assert event.details == {"method": "map", "changed": True}  # neither the point nor the constituency
    # Shown back to its owner on the residence form only.
    assert f"{lat:.6f}" in text(client.get("/compte/residence"))
    for page in ("/compte", "/compte/verification", "/compte/mes-donnees.json"):
        assert f"{lat:.4f}" not in text(client.get(page)), page


@requires_shared
def test_a_point_outside_every_constituency_is_refused_and_nothing_is_stored(app, client):
    with app.app_context():
        user = make_account()
    sign_in(client, user)
    response = client.post("/compte/residence", data={"mode": "map", "lat": str(AT_SEA[0]), "lon": str(AT_SEA[1])})
    assert response.status_code == 400
    assert "Ce point n'est dans aucune circonscription" in text(response)
    assert f'value="{AT_SEA[0]}"' in text(response)  # the input comes back to be corrected
    saved = _user(app, user.id)
    assert saved.constituency_code is None and saved.home_lat is None and saved.residence_declared_at is None
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "residence.declared")) is None


def test_residents_abroad_choose_their_country(app, client):
    with app.app_context():
        user = make_account()
    sign_in(client, user)
    page = text(client.get("/compte/residence"))
    assert '<option value="GB">Royaume-Uni</option>' in page and "Choisissez un pays" in page
    response = client.post("/compte/residence", data={"mode": "abroad", "country": "GB"})
    assert response.status_code == 302
    saved = _user(app, user.id)
    assert (saved.constituency_code, saved.residence_country, saved.home_lat) == ("ZZ-03", "GB", None)
    assert '<option selected value="GB">' in text(client.get("/compte/residence"))


@pytest.mark.parametrize("country", ["", "FR", "ZZ", "XX", "<script>", "G\u200bB"])
def test_an_unknown_country_is_refused(app, client, country):
    with app.app_context():
        user = make_account()
    sign_in(client, user)
    response = client.post("/compte/residence", data={"mode": "abroad", "country": country})
    assert response.status_code == 400 and "Choisissez votre pays de résidence dans la liste." in text(response)
    assert _user(app, user.id).constituency_code is None


def test_moving_to_another_constituency_waits_30_days(app, client):
    with app.app_context():
        user = make_account(constituency="33-04", now=clock.now() - timedelta(days=3))
    sign_in(client, user)
    response = client.post("/compte/residence", data={"mode": "abroad", "country": "GB"})
    assert response.status_code == 400 and "vous ne pouvez pas encore changer de circonscription" in text(response)
    assert _user(app, user.id).constituency_code == "33-04"


def test_moving_clears_the_verification_and_voids_open_letters(app, client):
    long_ago = clock.now() - timedelta(days=60)
    with app.app_context():
        user = make_account(constituency="33-04", now=long_ago)
        stored = db.session.get(User, user.id)
        stored.residence_verified_at, stored.residence_verified_by = long_ago, "letter"
        db.session.add(
            ResidenceLetter(
                user_id=user.id,
                constituency_code="33-04",
                status=LETTER_REQUESTED,
                requested_at=long_ago,
                recipient="Ana",
                street="1 rue",
                postcode="33000",
                city="Bordeaux",
                attempts=0,
            )
        )
        db.session.commit()
        user_id = user.id
    sign_in(client, user)
    assert client.post("/compte/residence", data={"mode": "abroad", "country": "JP"}).status_code == 302
    saved = _user(app, user_id)
    assert (saved.constituency_code, saved.residence_verified_at, saved.residence_verified_by) == ("ZZ-11", None, None)
    with app.app_context():
        letter = db.session.scalar(select(ResidenceLetter))
        assert letter.status == LETTER_VOID and letter.street is None and letter.recipient is None


@requires_shared
def test_the_point_is_never_shown_to_others(app, client):
    """Not to the MP (letters page), not to an admin (user page, lists), not in the exports."""
    lat, lon = 44.812345, -0.581234
    with app.app_context():
        resident = make_account("res@example.org", constituency="33-04")
        stored = db.session.get(User, resident.id)
        stored.home_lat, stored.home_lon = lat, lon
        db.session.commit()
        mp = make_account("mp@example.org", roles=((MP, "33-04"),))
        admin = make_account("admin@example.org", roles=((ADMIN, None),))
        resident_id = resident.id
    admin_pages = [f"/admin/utilisateurs/{resident_id}", "/admin/utilisateurs", "/admin/deputes/33-04"]
    for viewer, pages in ((mp, ["/gestion/courriers/33-04"]), (admin, admin_pages)):
        other = app.test_client()
        sign_in(other, viewer)
        for page in pages:
            body = text(other.get(page))
            assert "44.81" not in body and "0.581" not in body, page
    for url in ("/api/v1/constituencies/33-04", "/circonscriptions/33-04"):
        assert "44.8123" not in text(client.get(url))
    sign_in(client, resident)
    data = json.loads(text(client.get("/compte/mes-donnees.json")))
    assert data["account"]["residence"]["exact_point"] == "not exported" and "44.81" not in json.dumps(data)


@requires_shared
def test_the_residence_page_offers_a_searchable_list_instead_of_the_map(app, client):
    """The page carries a search box, not the 577 constituencies: the search endpoint answers with a point
    inside each constituency in France (its label point); abroad, the country list stays the way."""
    lat, lon = _point_in(app, "33-02")
    with app.app_context():
        user = make_account()
    sign_in(client, user)
    page = text(client.get("/compte/residence"))
    assert 'id="constituency-search"' in page and 'data-search-url="/api/v1/constituencies/search"' in page
    assert "Gironde – 2e circonscription" not in page  # the list is asked for, not sent with the page
    found = client.get("/api/v1/constituencies/search?q=Gironde 2").get_json()["results"][0]
    assert (found["code"], round(found["lat"], 6), round(found["lon"], 6)) == ("33-02", round(lat, 6), round(lon, 6))
    abroad = client.get("/api/v1/constituencies/search?q=ZZ-01").get_json()["results"]
    assert all(item["has_geometry"] is False for item in abroad if item["code"] == "ZZ-01")
    # The point of the list goes through the same lookup as a click on the map.
    response = client.post("/compte/residence", data={"mode": "map", "lat": f"{lat:.6f}", "lon": f"{lon:.6f}"})
    assert response.status_code == 302 and _user(app, user.id).constituency_code == "33-02"
