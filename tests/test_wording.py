"""Citizen pages speak to people: numbers, money and plurals formatted by Babel in French and English, no
command-line recipe (it lives on the auditors' page, linked), and the audit log reads as words."""

from __future__ import annotations

import html
import re

import pytest

from participatory.accounts.rules import AUDITOR
from participatory.extensions import db
from tests.builders import make_closed_call, make_user
from tests.conftest import open_session

RAW = {
    "one with a plural": re.compile(
        r"(?<![\d\s.,])\s?\b1 (bulletins|votes|ballots|projets|projects|électeurs|voters)\b"
    ),
    "an unformatted big number": re.compile(r"\b\d{5,} (électeurs|voters|bulletins|ballots|habitants|inhabitants)"),
    "a dot decimal before €": re.compile(r"\d\.\d\d\s?€"),
    "a comma decimal after € (English)": re.compile(r"€\d+,\d\d\b"),
    "a command line": re.compile(r"flask audit verify|python -m participatory\.tally|0\+unversioned"),
}
FR_ONLY = {"a dot decimal before €"}


def _text(response) -> str:
    page = html.unescape(response.get_data(as_text=True)).replace("\u202f", " ").replace("\xa0", " ")
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_main_pages_format_numbers_money_and_plurals(app, session, now, language):
    world = make_closed_call(session, now, "33-04", proposals=4, voters=3)
    call = world.call
    winner = world.result.selected[0]
    session.commit()
    client = app.test_client()
    client.set_cookie("lang", language)
    pages = [
        "/",
        "/appels",
        f"/appels/{call.id}",
        f"/appels/{call.id}/resultats",
        f"/appels/{call.id}/projets",
        f"/propositions/{winner}",
        "/circonscriptions/33-04",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = _text(response)
        for name, pattern in RAW.items():
            if language == "en" and name in FR_ONLY:
                continue
            found = pattern.search(text)
            assert found is None, f"{path} ({language}): {name}: {found.group(0) if found else ''!r}"


def test_the_results_page_links_to_the_auditors_recipe(app, session, now):
    world = make_closed_call(session, now, "33-04", proposals=3, voters=2)
    session.commit()
    client = app.test_client()
    results = html.unescape(client.get(f"/appels/{world.call.id}/resultats").get_data(as_text=True))
    assert f'href="/audit/appels/{world.call.id}/verifier"' in results and "Vérifier ces résultats" in results
    assert "participatory.tally" not in results and "flask audit" not in results
    recipe = html.unescape(client.get(f"/audit/appels/{world.call.id}/verifier").get_data(as_text=True))
    assert "python -m participatory.tally ballots.pb --rule" in recipe and "audit verify" in recipe
    assert world.result.engine_version in recipe


def test_the_audit_log_shows_actions_in_words_and_details_with_their_accents(app, now):
    with app.app_context():
        auditor = make_user(db.session, now, "auditrice", None, (AUDITOR, None)).id
        from participatory.audit.services import record

        record(
            db.session,
            now=now,
            actor="system",
            action="proposal.hidden",
            object_type="proposal",
            object_id="7",
            details={"reason": "Publicité déguisée", "ids": [1, 2]},
        )
        db.session.commit()
    for language, label in (("fr", "Projet masqué"), ("en", "Hidden project")):
        client = app.test_client()
        client.set_cookie("lang", language)
        open_session(client, auditor)
        page = html.unescape(client.get("/audit/").get_data(as_text=True))
        assert label in page and "Publicité déguisée" in page and "\\u00e9" not in page
        assert "[1, 2]" in page


def test_every_page_has_the_favicon_and_the_logo_mark(client):
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon" type="image/svg+xml" href="/static/img/favicon.svg?v=' in page and 'class="brand-mark"' in page
    icon = client.get("/static/img/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_every_plural_has_its_french_entry():
    """French needs its own plural rule (0 takes the singular): each ngettext is in the French catalogue."""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1]
    with open(root / "translations" / "fr" / "LC_MESSAGES" / "messages.po", "rb") as fh:
        french = {m.id[0] for m in read_po(fh) if isinstance(m.id, tuple) and m.string and all(m.string)}
    methods = [("participatory/**.py", "python"), ("templates/**.html", "jinja2")]
    plurals = {
        message[0]
        for _f, _l, message, _c, _x in extract_from_dir(str(root), methods, keywords={"ngettext": (1, 2)})
        if isinstance(message, tuple)
    }
    assert plurals and plurals <= french, sorted(plurals - french)


def test_no_page_writes_a_plural_with_parentheses():
    """ "3 événement(s)" reads as a form, not a sentence: a count goes through ngettext, in every template
    and every message of the code ("Prénom(s)", a label without a count, is fine)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    # A translatable string holding both a placeholder and a "(s)".
    counted = re.compile(r"""_l?\(\s*(["'])(?=(?:(?!\1).)*%\()(?:(?!\1).)*?\w\(s\)(?:(?!\1).)*?\1""")
    sources = [*(root / "templates").rglob("*.html"), *(root / "participatory").rglob("*.py")]
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(sources)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if counted.search(line)
    ]
    assert not found, found


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("fr", 0, "0 événement"),
        ("fr", 1, "1 événement"),
        ("fr", 2, "2 événements"),
        ("fr", 12345, "12 345 événements"),
        ("en", 0, "0 events"),
        ("en", 1, "1 event"),
        ("en", 12345, "12,345 events"),
    ],
)
def test_counts_are_plural_by_the_language_s_rule_and_formatted(app, language, count, expected):
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(language):
        text = render_template_string(
            '{{ ngettext("%(num)s événement", "%(num)s événements", n, num=n|number) }}', n=count
        )
    assert text.replace("\u202f", " ").replace("\xa0", " ") == expected
