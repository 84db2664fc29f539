"""Small steps shared by the browser journeys: signing in through the form, reading amounts, the Tab key."""

from __future__ import annotations

import re

from tests.accounts.conftest import PASSWORD
from tests.browser.a11y import assert_accessible

# Where a resident lands after declaring a home: their constituency's call, or its page when it has none.
LANDED_ON_ONES_CALL = re.compile(r".*/(appels/\d+|circonscriptions/[0-9A-Z]+-\d+)$")


def sign_in(page, base: str, email: str, *, check: bool = False) -> None:
    """Sign in through the login form (axe on the form when `check`); wait until it has left the form."""
    page.goto(f"{base}/compte/connexion")
    if check:
        assert_accessible(page, label="login")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/compte/connexion" not in url)


def spaced(locator) -> str:
    """A locator's text with every kind of space (narrow no-break in amounts) as a plain one."""
    return re.sub(r"\s+", " ", locator.inner_text())


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching `selector` has the focus (fails after `limit` presses)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never got the focus in {limit} Tab presses")
