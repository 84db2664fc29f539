"""Bad input on every accounts form: a clear message, the page again with the person's input, a 400, no 500,
nothing stored. Table-driven: each form lists its fields and the kind of input each accepts."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa

from participatory import clock
from participatory.accounts.models import ResidenceLetter, User, UserSession
from participatory.accounts.rules import ADMIN, LETTER_REQUESTED, MP, RESET
from participatory.accounts.services import tokens
from participatory.extensions import db
from tests.accounts.conftest import PASSWORD, make_account, sign_in

HTML = "<script>alert('x')</script>"
ODDITIES = {
    "rtl override": "abc\u202edcba",
    "zero width": "ab\u200bcd",
    "bom": "\ufeffabcd",
    "nul": "ab\x00cd",
    "line break": "ab\ncd",
    "carriage return": "ab\rcd",
    "escape": "ab\x1bcd",
    "line separator": "ab\u2028cd",
    "paragraph separator": "ab\u2029cd",
}


def bad_values(kind: str, max_length: int = 0) -> dict[str, str]:
    """name -> value, for one kind of field."""
    if kind == "text":
        return {"empty": "", "too long": "x" * (max_length + 1), "html": HTML, **ODDITIES}
    if kind == "optional text":  # empty is fine for an optional field
        return {"too long": "x" * (max_length + 1), "html": HTML, **ODDITIES}
    if kind == "email":
        return {
            "empty": "",
            "too long": "x" * 250 + "@example.org",
            "wrong type": "not-an-email",
            "html": HTML,
            **{name: value + "@example.org" for name, value in ODDITIES.items()},
        }
    if kind == "new password":
        return {"empty": "", "too short": "abc", "too long": "x" * 257, "nul": "abcdefghijklmn\x00op"}
    if kind == "password":
        return {"empty": "", "too long": "x" * 300, "nul": "abcdefghijklmn\x00op"}
    if kind == "number":
        return {
            "empty": "",
            "wrong type": "abc",
            "out of range": "1e999",
            "nan": "NaN",
            "html": HTML,
            "rtl override": "\u202e44.8",
        }
    if kind == "choice":
        return {"empty": "", "unknown": "zz", "html": HTML, "nul": "\x00"}
    raise ValueError(kind)


@dataclass
class Form:
    name: str
    who: str  # anonymous, resident, admin, mp
    url: str
    base: dict
    fields: dict[str, tuple[str, int]]  # field -> (kind, max length)
    echo: set[str] = field(default_factory=set)  # fields whose value must come back in the page


REG = {"email": "nina@example.org", "display_name": "Nina", "password": PASSWORD, "password_confirm": PASSWORD}
NEW_PW = "a brand new passphrase"
ADDRESS = {
    "letter-recipient": "Ana Lima",
    "letter-street": "12 rue des Vignes",
    "letter-complement": "",
    "letter-postcode": "33000",
    "letter-city": "Bordeaux",
}

FORMS = [
    Form(
        "register",
        "anonymous",
        "/compte/inscription",
        REG,
        {"email": ("email", 254), "display_name": ("text", 80), "password": ("new password", 256)},
        echo={"email", "display_name"},
    ),
    Form(
        "login",
        "anonymous",
        "/compte/connexion",
        {"email": "ana@example.org", "password": PASSWORD},
        {"email": ("email", 254), "password": ("password", 256)},
        echo={"email"},
    ),
    Form(
        "forgot",
        "anonymous",
        "/compte/mot-de-passe-oublie",
        {"email": "ana@example.org"},
        {"email": ("email", 254)},
        echo={"email"},
    ),
    Form(
        "reset",
        "anonymous",
        "/compte/reinitialiser/{token}",
        {"password": NEW_PW, "password_confirm": NEW_PW},
        {"password": ("new password", 256)},
    ),
    Form(
        "profile",
        "resident",
        "/compte/profil",
        {"display_name": "Ana"},
        {"display_name": ("text", 80)},
        echo={"display_name"},
    ),
    Form(
        "password",
        "resident",
        "/compte/mot-de-passe",
        {"current_password": PASSWORD, "password": NEW_PW, "password_confirm": NEW_PW},
        {"current_password": ("password", 256), "password": ("new password", 256)},
    ),
    Form(
        "residence point",
        "resident",
        "/compte/residence",
        {"mode": "map", "lat": "44.84", "lon": "-0.58"},
        {"lat": ("number", 32), "lon": ("number", 32)},
        echo={"lat", "lon"},
    ),
    Form(
        "residence abroad",
        "resident",
        "/compte/residence",
        {"mode": "abroad", "country": "GB"},
        {"country": ("choice", 2), "mode": ("choice", 10)},
    ),
    Form(
        "letter request",
        "resident",
        "/compte/verification/courrier",
        ADDRESS,
        {
            "letter-recipient": ("text", 120),
            "letter-street": ("text", 200),
            "letter-complement": ("optional text", 200),
            "letter-postcode": ("text", 12),
            "letter-city": ("text", 100),
        },
        echo={"letter-recipient", "letter-street", "letter-complement", "letter-postcode", "letter-city"},
    ),
    Form(
        "letter code",
        "resident",
        "/compte/verification/code",
        {"code-code": "ABCDE-FGHJK"},
        {"code-code": ("text", 40)},
        echo={"code-code"},
    ),
    Form(
        "delete",
        "resident",
        "/compte/suppression",
        {"password": PASSWORD, "confirm": "y"},
        {"password": ("password", 256), "confirm": ("choice", 1)},
    ),
    Form(
        "grant",
        "admin",
        "/admin/utilisateurs/{resident}/roles",
        {"role": MP, "constituency": "33-04"},
        {"role": ("choice", 20), "constituency": ("text", 5)},
        echo={"constituency"},
    ),
    Form(
        "assign mp",
        "admin",
        "/admin/deputes/33-04",
        {"email": "ana@example.org"},
        {"email": ("email", 254)},
        echo={"email"},
    ),
    Form(
        "letter batch",
        "mp",
        "/gestion/courriers/33-04",
        {"letters": "{letter}", "validity_days": "30", "file_format": "pdf", "action": "generate"},
        {
            "validity_days": ("number", 2),
            "file_format": ("choice", 3),
            "letters": ("choice", 10),
            "action": ("choice", 10),
        },
        echo={"validity_days"},
    ),
]
# "confirm" is a checkbox: only its absence is wrong (any value ticks it).
SKIP = {("delete", "confirm", name) for name in ("unknown", "html", "nul")}
CASES = [
    pytest.param(form, field_name, value, id=f"{form.name}-{field_name}-{value_name}")
    for form in FORMS
    for field_name, (kind, max_length) in form.fields.items()
    for value_name, value in bad_values(kind, max_length).items()
    if (form.name, field_name, value_name) not in SKIP
]


def _snapshot() -> dict:
    """Everything a refused form must leave as it was."""
    counts = {
        t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in db.metadata.sorted_tables
        if t.name in ("user_account", "role_grant", "account_token", "residence_letter", "letter_batch", "audit_event")
    }
    users = [
        tuple(row)
        for row in db.session.execute(
            sa.select(
                User.id,
                User.email,
                User.display_name,
                User.password_hash,
                User.constituency_code,
                User.home_lat,
                User.residence_country,
                User.residence_verified_at,
                User.deleted_at,
            ).order_by(User.id)
        )
    ]
    letters = [
        tuple(row)
        for row in db.session.execute(
            sa.select(ResidenceLetter.id, ResidenceLetter.status, ResidenceLetter.street, ResidenceLetter.attempts)
        )
    ]
    # A refused form (a wrong current password among them) ends no session.
    sessions = [tuple(row) for row in db.session.execute(sa.select(UserSession.id, UserSession.revoked_at))]
    return {"counts": counts, "users": users, "letters": letters, "sessions": sorted(sessions)}


def _setup(app, form: Form):
    long_ago = clock.now() - timedelta(days=90)
    with app.app_context():
        resident = make_account("ana@example.org", constituency="33-04", now=long_ago)
        admin = make_account("admin@example.org", roles=((ADMIN, None),))
        mp = make_account("mp@example.org", roles=((MP, "33-04"),))
        letter = ResidenceLetter(
            user_id=resident.id,
            constituency_code="33-04",
            status=LETTER_REQUESTED,
            requested_at=long_ago,
            recipient="Ana",
            street="1 rue",
            postcode="33000",
            city="Bordeaux",
            attempts=0,
        )
        db.session.add(letter)
        token = tokens.issue(db.session, db.session.get(User, resident.id), RESET, clock.now())
        db.session.commit()
        values = {"token": token, "resident": resident.id, "letter": letter.id}
    client = app.test_client()
    if form.who != "anonymous":
        sign_in(client, {"resident": resident, "admin": admin, "mp": mp}[form.who])
    with app.app_context():
        before = _snapshot()  # the session just opened included
    url = form.url.format(**values)
    data = {k: (v.format(**values) if isinstance(v, str) else v) for k, v in form.base.items()}
    return client, url, data, before


@pytest.mark.parametrize(("form", "field_name", "value"), CASES)
def test_bad_input_is_refused_clearly_and_changes_nothing(app, form, field_name, value):
    client, url, data, before = _setup(app, form)
    data[field_name] = value
    if field_name == "password" and "password_confirm" in data:
        data["password_confirm"] = value  # the same twice: the password itself is judged
    if form.name == "delete" and field_name == "confirm":
        del data["confirm"]
    response = client.post(url, data=data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400, page[-2000:]
    assert "alert-danger" in page or "invalid-feedback" in page, page[-3000:]
    if field_name in form.echo and value:
        assert value in page, "the person's input is not shown back"
    if "password" in field_name and value:
        assert value not in page, "a password is never shown back"
    with app.app_context():
        assert _snapshot() == before
