"""Residence verified by post: request, batch printed by the MP's team, code typed by the resident."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select, update

from participatory import clock
from participatory.accounts.errors import AccountError
from participatory.accounts.models import LetterBatch, ResidenceLetter, User
from participatory.accounts.rules import (
    ADMIN,
    LETTER_LOCKED,
    LETTER_MAX_ATTEMPTS,
    LETTER_REJECTED,
    LETTER_SENT,
    LETTER_USED,
    MP,
)
from participatory.accounts.services import letters as letter_services
from participatory.accounts.services import residence as residence_services
from participatory.extensions import db
from tests.accounts.conftest import make_account, sign_in, text

ADDRESS = {
    "letter-recipient": "Ana Lima",
    "letter-street": "12 rue des Vignes",
    "letter-complement": "Bât. B",
    "letter-postcode": "33000",
    "letter-city": "Bordeaux",
}
LONG_AGO = clock.now() - timedelta(days=90)


def _people(app):
    with app.app_context():
        resident = make_account("ana@example.org", constituency="33-04", now=LONG_AGO)
        mp = make_account("mp@example.org", roles=((MP, "33-04"),))
        other_mp = make_account("mp2@example.org", roles=((MP, "75-18"),))
    return resident, mp, other_mp


def _letter(app) -> ResidenceLetter:
    with app.app_context():
        letter = db.session.scalar(select(ResidenceLetter).order_by(ResidenceLetter.id.desc()))
        db.session.expunge(letter)
        return letter


def _request_and_print(app, resident, mp, file_format="csv") -> tuple:
    """The resident asks, the MP prints: returns (response to the MP, the codes in the CSV)."""
    client, team = app.test_client(), app.test_client()
    sign_in(client, resident)
    assert client.post("/compte/verification/courrier", data=ADDRESS).status_code == 302
    sign_in(team, mp)
    letter = _letter(app)
    response = team.post(
        "/gestion/courriers/33-04",
        data={"letters": [str(letter.id)], "validity_days": "30", "file_format": file_format, "action": "generate"},
    )
    codes = []
    if file_format == "csv" and response.status_code == 200:
        rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
        codes = [row["code"] for row in rows]
    return client, response, codes


def test_the_whole_journey(app):
    resident, mp, _ = _people(app)
    client, response, [code] = _request_and_print(app, resident, mp)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    letter = _letter(app)
    # Printed: the address is gone, only an HMAC of the code remains.
    assert (letter.status, letter.recipient, letter.street, letter.postcode) == (LETTER_SENT, None, None, None)
    assert letter.code_hash and code.replace("-", "") not in letter.code_hash
    assert "Ana Lima" not in text(app.test_client().get("/gestion/courriers/33-04"))
    page = text(client.get("/compte/verification"))
    assert 'id="letter-sent"' in page and 'id="code-form"' in page
    done = client.post("/compte/verification/code", data={"code-code": code.lower().replace("-", " ")})
    assert done.status_code == 302
    with app.app_context():
        user = db.session.get(User, resident.id)
        assert user.residence_verified_by == "letter" and user.meets_verification("letter")
        assert db.session.scalar(select(ResidenceLetter.status)) == LETTER_USED
        batch = db.session.scalar(select(LetterBatch))
        assert (batch.letters, batch.constituency_code, batch.file_format) == (1, "33-04", "csv")


def test_the_pdf_has_one_page_per_letter(app):
    resident, mp, _ = _people(app)
    with app.app_context():
        second = make_account("bea@example.org", constituency="33-04", now=LONG_AGO)
    for person in (resident, second):
        client = app.test_client()
        sign_in(client, person)
        client.post("/compte/verification/courrier", data=ADDRESS | {"letter-recipient": "Zoë Ærø-Ñuñez 名前"})
    team = app.test_client()
    sign_in(team, mp)
    with app.app_context():
        ids = [str(i) for i in db.session.scalars(select(ResidenceLetter.id))]
    response = team.post(
        "/gestion/courriers/33-04",
        data={"letters": ids, "validity_days": "45", "file_format": "pdf", "action": "generate"},
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = response.get_data()
    assert body.startswith(b"%PDF") and body.count(b"/Type /Page\n") + body.count(b"/Type /Page ") == 2


def test_only_the_mp_of_the_constituency_or_an_admin_prints(app):
    resident, mp, other_mp = _people(app)
    client = app.test_client()
    sign_in(client, resident)
    client.post("/compte/verification/courrier", data=ADDRESS)
    letter_id = str(_letter(app).id)
    intruder = app.test_client()
    sign_in(intruder, other_mp)
    assert intruder.get("/gestion/courriers/33-04").status_code == 403
    batch = {"letters": [letter_id], "validity_days": "30", "file_format": "csv", "action": "generate"}
    assert intruder.post("/gestion/courriers/33-04", data=batch).status_code == 403
    # Their own page cannot print a letter of another constituency either.
    refused = intruder.post(
        "/gestion/courriers/75-18",
        data={"letters": [letter_id], "validity_days": "30", "file_format": "csv", "action": "generate"},
    )
    assert refused.status_code == 400 and "ne sont plus en attente" in text(refused)
    assert _letter(app).status == "requested" and _letter(app).street == "12 rue des Vignes"
    with app.app_context():
        admin = make_account("admin@example.org", roles=((ADMIN, None),))
    boss = app.test_client()
    sign_in(boss, admin)
    assert boss.get("/gestion/courriers/33-04").status_code == 200
    assert "33-04" in text(boss.get("/gestion/courriers"))


def test_wrong_codes_count_then_lock_the_letter(app):
    resident, mp, _ = _people(app)
    client, _, [code] = _request_and_print(app, resident, mp)
    wrong = "ABCDE-FGHJK" if code != "ABCDE-FGHJK" else "ABCDE-FGHJM"
    for attempt in range(1, LETTER_MAX_ATTEMPTS + 1):
        response = client.post("/compte/verification/code", data={"code-code": wrong})
        assert response.status_code == 400
        assert _letter(app).attempts == attempt  # kept although the request failed
    assert _letter(app).status == LETTER_LOCKED and "bloqué" in text(response)
    response = client.post("/compte/verification/code", data={"code-code": code})
    assert response.status_code == 400 and "bloqué" in text(response)
    with app.app_context():
        assert db.session.get(User, resident.id).residence_verified_at is None


def test_an_expired_code_is_refused(app):
    resident, mp, _ = _people(app)
    client, _, [code] = _request_and_print(app, resident, mp)
    with app.app_context():
        db.session.execute(update(ResidenceLetter).values(expires_at=clock.now() - timedelta(minutes=1)))
        db.session.commit()
    response = client.post("/compte/verification/code", data={"code-code": code})
    assert response.status_code == 400 and "Ce code a expiré" in text(response)
    with app.app_context():
        assert db.session.get(User, resident.id).residence_verified_at is None


def test_a_code_is_single_use_and_bound_to_its_account(app):
    resident, mp, _ = _people(app)
    client, _, [code] = _request_and_print(app, resident, mp)
    with app.app_context():
        thief = make_account("eve@example.org", constituency="33-04", now=LONG_AGO)
    other = app.test_client()
    sign_in(other, thief)
    stolen = other.post("/compte/verification/code", data={"code-code": code})
    assert stolen.status_code == 400 and "Ce code n'est pas le bon." in text(stolen)
    assert client.post("/compte/verification/code", data={"code-code": code}).status_code == 302
    # Months later the resident moves away and back: the verification is gone, the old code stays used.
    with app.app_context():
        user = db.session.get(User, resident.id)
        later = clock.now() + timedelta(days=40)
        residence_services.declare_abroad(db.session, user, country="GB", now=later)
        residence_services.declare_point(
            db.session, user, lat=44.8, lon=-0.6, now=later + timedelta(days=40), locate=lambda lat, lon: "33-04"
        )
        db.session.commit()
        try:
            letter_services.redeem_code(
                db.session, user, code=code, secret=app.config["SECRET_KEY"], now=later + timedelta(days=41)
            )
        except AccountError as error:
            assert str(error) == "Ce code a déjà été utilisé."
        else:
            raise AssertionError("a used code verified again")
        assert user.residence_verified_at is None


def test_the_team_can_reject_a_request_and_its_address_is_erased(app):
    resident, mp, _ = _people(app)
    client = app.test_client()
    sign_in(client, resident)
    client.post("/compte/verification/courrier", data=ADDRESS)
    team = app.test_client()
    sign_in(team, mp)
    letter_id = str(_letter(app).id)
    assert (
        team.post(
            "/gestion/courriers/33-04",
            data={"letters": [letter_id], "validity_days": "30", "file_format": "pdf", "action": "reject"},
        ).status_code
        == 302
    )
    assert "1 demande refusée ; son adresse est effacée." in text(team.get("/gestion/courriers/33-04"))
    letter = _letter(app)
    assert letter.status == LETTER_REJECTED and letter.street is None and letter.code_hash is None
    assert 'id="letter-rejected"' in text(client.get("/compte/verification"))


def test_a_new_request_replaces_the_previous_letter(app):
    resident, mp, _ = _people(app)
    client, _, [code] = _request_and_print(app, resident, mp)
    assert client.post("/compte/verification/courrier", data=ADDRESS).status_code == 302
    response = client.post("/compte/verification/code", data={"code-code": code})
    assert response.status_code == 400 and "plus valable" in text(response)


def test_batch_input_is_checked(app):
    resident, mp, _ = _people(app)
    client = app.test_client()
    sign_in(client, resident)
    client.post("/compte/verification/courrier", data=ADDRESS)
    team = app.test_client()
    sign_in(team, mp)
    letter_id = str(_letter(app).id)
    for data, message in [
        ({"validity_days": "30", "file_format": "pdf", "action": "generate"}, "Sélectionnez au moins une demande."),
        ({"letters": [letter_id], "validity_days": "3", "file_format": "pdf", "action": "generate"}, "entre 7 et 90"),
        (
            {"letters": [letter_id], "validity_days": "abc", "file_format": "pdf", "action": "generate"},
            "Indiquez un nombre entier.",
        ),
        ({"letters": ["x"], "validity_days": "30", "file_format": "pdf", "action": "generate"}, "Sélection non valide"),
        ({"letters": ["999999"], "validity_days": "30", "file_format": "pdf", "action": "generate"}, "plus en attente"),
        ({"letters": [letter_id], "validity_days": "30", "file_format": "exe", "action": "generate"}, "choix"),
        ({"letters": [letter_id], "validity_days": "30", "file_format": "pdf", "action": "drop"}, "Choisissez d"),
    ]:
        response = team.post("/gestion/courriers/33-04", data=data)
        assert response.status_code == 400 and message in text(response), (data, text(response)[-3000:])
    assert _letter(app).status == "requested" and _letter(app).street == "12 rue des Vignes"


def test_csv_cells_cannot_run_as_formulas(app):
    resident, mp, _ = _people(app)
    client = app.test_client()
    sign_in(client, resident)
    client.post("/compte/verification/courrier", data=ADDRESS | {"letter-recipient": "=HYPERLINK(1)"})
    team = app.test_client()
    sign_in(team, mp)
    response = team.post(
        "/gestion/courriers/33-04",
        data={"letters": [str(_letter(app).id)], "validity_days": "30", "file_format": "csv", "action": "generate"},
    )
    [row] = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert row["recipient"] == "'=HYPERLINK(1)"


def test_a_letter_needs_a_declared_residence(app):
    with app.app_context():
        nomad = make_account("nomad@example.org")
    client = app.test_client()
    sign_in(client, nomad)
    response = client.post("/compte/verification/courrier", data=ADDRESS)
    assert response.status_code == 400 and "Déclarez d'abord votre résidence." in text(response)
    with app.app_context():
        assert db.session.scalar(select(ResidenceLetter)) is None


def test_residents_abroad_get_letters_without_a_french_postcode(app):
    with app.app_context():
        resident = make_account("ana@example.org", now=LONG_AGO)
        user = db.session.get(User, resident.id)
        residence_services.declare_abroad(db.session, user, country="GB", now=LONG_AGO)
        db.session.commit()
        mp = make_account("mp@example.org", roles=((MP, "ZZ-03"),))
    client = app.test_client()
    sign_in(client, resident)
    london = ADDRESS | {"letter-street": "10 Baker Street", "letter-postcode": "", "letter-city": "London"}
    assert client.post("/compte/verification/courrier", data=london).status_code == 302
    team = app.test_client()
    sign_in(team, mp)
    response = team.post(
        "/gestion/courriers/ZZ-03",
        data={"letters": [str(_letter(app).id)], "validity_days": "60", "file_format": "csv", "action": "generate"},
    )
    [row] = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert (row["city"], row["postcode"], row["country"]) == ("London", "", "Royaume-Uni")
    # In France the postcode is required, five digits.
    with app.app_context():
        other = make_account("bea@example.org", constituency="33-04", now=LONG_AGO)
    sign_in(client, other)
    refused = client.post("/compte/verification/courrier", data=ADDRESS | {"letter-postcode": ""})
    assert refused.status_code == 400 and "Un code postal français a 5 chiffres." in text(refused)
