"""Control characters and non-finite numbers, on every form of every domain: a clear message, a 400, nothing stored.

Some checks walk every form class, so a form added later is covered without being listed here.
"""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta

import pytest
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms import DecimalField, FloatField, PasswordField, StringField, TextAreaField

from participatory import clock
from participatory.calls.forms import PARIS
from participatory.calls.models import Call, Proposal
from participatory.forms import FiniteDecimalField, FiniteFloatField, Form, TextCheck
from participatory.mail import Mail, build_message
from participatory.text import forbidden_character, text_problem
from tests.calls import builders
from tests.calls.conftest import sign_in

FORM_MODULES = ["participatory.accounts.forms", "participatory.calls.forms", "participatory.crowdfunding.forms"]
FORM_MODULES += ["participatory.auditing.forms"]
FORM_MODULES += ["participatory.discussion.forms", "participatory.mandate.forms"]

# Refused everywhere (one line or free text).
ALWAYS = {
    "nul": "ab\x00cd",
    "escape": "ab\x1b[31mcd",
    "bell": "ab\x07cd",
    "delete": "ab\x7fcd",
    "c1 next line": "ab\x85cd",
    "vertical tab": "ab\x0bcd",
    "form feed": "ab\x0ccd",
    "rtl override": "abc\u202edcba",
    "ltr embedding": "a\u202ab",
    "rtl isolate": "a\u2067b",
    "pop isolate": "a\u2069b",
}
# Refused on one line, kept in free text.
LINE_BREAKS = {
    "line feed": "Titre\nBcc: x@example.org",
    "carriage return": "Titre\rSuite",
    "crlf": "Titre\r\nSuite",
    "tab": "Titre\tSuite",
    "line separator": "Titre\u2028Suite",
    "paragraph separator": "Titre\u2029Suite",
}
FINE = ["Projet à 10 €", "École Jean-Jaurès", "Ω≈ç√ 🚲", "L'été", "=1+1", "<b>gras</b>", "a" * 50]


def _all(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all(sub)


def form_classes() -> list[type]:
    for name in FORM_MODULES:
        importlib.import_module(name)
    return sorted(
        {c for c in _all(FlaskForm) if c.__module__.startswith("participatory.") and c is not Form},
        key=lambda c: (c.__module__, c.__name__),
    )


def _build(cls, data=None):
    return cls(formdata=MultiDict(data or {}), meta={"csrf": False})


def text_fields() -> list[tuple[type, str, bool]]:
    """(form, field, free text?) for every field but passwords and files."""
    from participatory.app_factory import build_app

    found = []
    with build_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).test_request_context():
        for cls in form_classes():
            for field in _build(cls):
                if not isinstance(field, (PasswordField, FileField)):
                    found.append((cls, field.name, isinstance(field, TextAreaField)))
    return found


TEXT_FIELDS = text_fields()


@pytest.mark.parametrize("value", [*ALWAYS.values(), *LINE_BREAKS.values(), "\ud800", "a\udfffb"])
def test_one_line_text_refuses_controls_separators_bidi_and_lone_surrogates(value):
    assert forbidden_character(value) is not None and text_problem(value) is not None


@pytest.mark.parametrize("value", [*ALWAYS.values(), "\ud800"])
def test_free_text_refuses_controls_except_line_breaks(value):
    assert text_problem(value, multiline=True) is not None


@pytest.mark.parametrize("value", [*LINE_BREAKS.values(), *FINE])
def test_free_text_keeps_line_breaks_and_tabs(value):
    assert text_problem(value, multiline=True) is None


@pytest.mark.parametrize("value", FINE)
def test_ordinary_text_passes(value):
    assert text_problem(value) is None


def test_every_form_of_every_domain_is_a_checked_form(app):
    classes = form_classes()
    assert {c.__module__ for c in classes} == set(FORM_MODULES)
    assert all(issubclass(c, Form) for c in classes), [c for c in classes if not issubclass(c, Form)]


def test_every_field_carries_the_text_check_and_no_number_field_takes_nan(app):
    with app.test_request_context():
        for cls in form_classes():
            for field in _build(cls):
                where = f"{cls.__name__}.{field.name}"
                if isinstance(field, DecimalField):
                    assert isinstance(field, FiniteDecimalField), where
                if isinstance(field, FloatField):
                    assert isinstance(field, FiniteFloatField), where
                checks = [v for v in field.validators if isinstance(v, TextCheck)]
                if isinstance(field, (PasswordField, FileField)):
                    assert checks == [], where
                    continue
                assert len(checks) == 1 and field.validators[0] is checks[0], where
                assert checks[0].multiline is isinstance(field, TextAreaField), where


@pytest.mark.parametrize(
    ("cls", "name", "multiline"), TEXT_FIELDS, ids=[f"{c.__name__}.{n}" for c, n, _ in TEXT_FIELDS]
)
@pytest.mark.parametrize("value", [*ALWAYS.values(), *LINE_BREAKS.values()], ids=[*ALWAYS, *LINE_BREAKS])
def test_each_field_of_each_form_refuses_hostile_characters(app, cls, name, multiline, value):
    if multiline and value in LINE_BREAKS.values():
        pytest.skip("free text keeps line breaks")
    with app.test_request_context():
        form = _build(cls, {name: value})
        assert not form.validate()
        errors = form.errors.get(name, [])
        if isinstance(form[name], StringField):
            assert str(text_problem(value, multiline=multiline)) in errors, form.errors
        else:  # a choice, date or number: its own parsing may speak first; refused all the same
            assert errors, form.errors


@pytest.mark.parametrize(("cls", "name", "multiline"), [f for f in TEXT_FIELDS if f[2]], ids=lambda v: str(v))
def test_free_text_fields_keep_line_breaks(app, cls, name, multiline):
    with app.test_request_context():
        form = _build(cls, {name: "Ligne 1\r\nLigne 2\n\tfin"})
        form.validate()
        assert not any("contrôle" in str(e) for e in form.errors.get(name, []))


NUMBERS = ["sNaN", "NaN", "-NaN", "Infinity", "-Infinity", "inf", "1e999", "1e999999999", "9" * 40, "1E+20", "abc"]


@pytest.mark.parametrize("value", NUMBERS)
def test_number_fields_refuse_non_finite_and_huge_values(app, value):
    with app.test_request_context():
        for cls in form_classes():
            for field in _build(cls):
                if isinstance(field, (DecimalField, FloatField)):
                    form = _build(cls, {field.name: value})
                    assert not form.validate()
                    assert form.errors.get(field.name), (cls.__name__, field.name, value)


# --- Through the pages: the 400, the message, nothing stored ---------------------------------


def _local(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def _call_form(now, **changes) -> dict:
    return {
        "year": "2026",
        "title": "Budget participatif",
        "description": "Des projets.",
        "budget": "100000",
        "proposals_open_at": _local(now - timedelta(hours=1)),
        "review_open_at": _local(now + timedelta(days=10)),
        "voting_open_at": _local(now + timedelta(days=20)),
        "voting_close_at": _local(now + timedelta(days=30)),
        "min_projects": "1",
        "knapsack": "y",
        "rule": "greedy",
        "verification_level": "residence",
        **changes,
    }


HOSTILE_TITLES = {**ALWAYS, **LINE_BREAKS}


@pytest.mark.parametrize("value", HOSTILE_TITLES.values(), ids=HOSTILE_TITLES.keys())
def test_a_call_title_with_a_control_character_is_refused_and_nothing_stored(app, session, value):
    now = clock.now()
    mp = builders.mp(session, now)
    session.commit()
    client = app.test_client()
    sign_in(client, mp)
    response = client.post("/circonscriptions/33-04/appel/nouveau", data=_call_form(now, title=value))
    assert response.status_code == 400
    assert "caractère de contrôle" in response.get_data(as_text=True) or "direction" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Call)) == 0


@pytest.mark.parametrize("value", [*NUMBERS, "-5", "0", "21474837", "100000000"])
def test_a_call_budget_that_is_not_a_sane_amount_is_refused(app, session, value):
    now = clock.now()
    mp = builders.mp(session, now)
    session.commit()
    client = app.test_client()
    sign_in(client, mp)
    response = client.post("/circonscriptions/33-04/appel/nouveau", data=_call_form(now, budget=value))
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(Call)) == 0


def _proposal_form(session, **changes) -> dict:
    from constituencies.models import Constituency

    place = session.get(Constituency, "33-04")
    where = {"lat": str(place.label_lat), "lon": str(place.label_lon)} if place.has_geometry else {}
    return {
        "title": "Un abri vélo",
        "summary": "Résumé",
        "description": "Texte\nsur deux lignes",
        "category": "mobility",
        "estimated_cost": "5000",
        **where,
        **changes,
    }


@pytest.mark.parametrize(
    "changes",
    [
        *({"title": v} for v in HOSTILE_TITLES.values()),
        *({"summary": v} for v in HOSTILE_TITLES.values()),
        *({"description": v} for v in ALWAYS.values()),
        *({"estimated_cost": v} for v in [*NUMBERS, "21474837"]),
        *({"lat": v} for v in ["NaN", "Infinity", "-inf", "1e999"]),
        *({"lon": v} for v in ["nan", "-Infinity"]),
    ],
    ids=repr,
)
def test_a_proposal_with_hostile_input_is_refused_and_nothing_stored(app, session, changes):
    now = clock.now()
    call = builders.call(session, now)
    author = builders.user(session, now)
    session.commit()
    client = app.test_client()
    sign_in(client, author)
    response = client.post(f"/appels/{call.id}/proposer", data=_proposal_form(session, **changes))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_a_proposal_with_line_breaks_in_its_description_is_accepted(app, session):
    now = clock.now()
    call = builders.call(session, now)
    author = builders.user(session, now)
    session.commit()
    client = app.test_client()
    sign_in(client, author)
    assert client.post(f"/appels/{call.id}/proposer", data=_proposal_form(session)).status_code == 302


def test_one_person_may_have_only_so_many_proposals_in_a_call(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "PROPOSALS_PER_AUTHOR", 2)
    now = clock.now()
    call = builders.call(session, now)
    author = builders.user(session, now)
    session.commit()
    client = app.test_client()
    sign_in(client, author)
    codes = [client.post(f"/appels/{call.id}/proposer", data=_proposal_form(session)).status_code for _ in range(3)]
    assert codes[:2] == [302, 302] and codes[2] in (400, 403, 409)
    assert session.scalar(select(func.count()).select_from(Proposal)) == 2


@pytest.mark.parametrize("value", ["Titre\nBcc: x@example.org", "a\r\nb", "a\u2028b"])
def test_a_message_whose_subject_came_from_old_stored_text_is_still_one_header_line(value):
    message = build_message(Mail("a@example.org", f"Reçu : {value}", "corps"), "noreply@example.org")
    assert "\n" not in message["Subject"] and "Bcc" not in message
    assert message.as_bytes()
