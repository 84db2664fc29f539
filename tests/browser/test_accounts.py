"""A resident signs in and sets their home by clicking the map (strict CSP: the map script is external)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from participatory.accounts.models import User
from participatory.extensions import db
from tests.accounts.conftest import PASSWORD, make_account
from tests.browser.steps import LANDED_ON_ONES_CALL
from tests.conftest import requires_shared

pytestmark = [pytest.mark.browser, requires_shared]


def test_sign_in_then_click_the_map_to_declare_a_residence(app, live_server, page):
    with app.app_context():
        user = make_account("ana@example.org")
    errors: list[str] = []  # CSP violations and script errors land here
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.goto(f"{live_server.url}/compte/connexion?next=/compte/residence")
    page.get_by_label("Adresse électronique").fill("ana@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/compte/residence")
    page.wait_for_selector("#residence-map[data-ready='yes']")
    page.locator("#residence-map").click()  # the middle of France at the first view
    status = page.locator("#point-status")
    status.filter(has_text="Ce point est dans :").wait_for()
    assert page.locator("#lat").input_value() and page.locator("#lon").input_value()
    page.get_by_role("button", name="Enregistrer ce point").click()
    page.wait_for_url(LANDED_ON_ONES_CALL)  # after declaring a home: one's call (or constituency)
    assert "Votre résidence est enregistrée" in page.content()
    with app.app_context():
        saved = db.session.scalar(select(User).where(User.id == user.id))
        assert saved.constituency_code and saved.home_lat is not None
    # The account menu signs out through a POST form.
    page.locator("#account-menu").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "Se connecter" in page.content()
    assert errors == []
