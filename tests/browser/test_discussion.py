"""Discussion in a real browser, with axe-core on the pages it adds.

Resident A chooses a daily digest on the account page and follows a call; resident B comments on a
proposal and supports it; the author replies; the call moves to review (as time would) and the
digest timer runs; A finds the notification on the site (unread count in the navigation, the
notifications page) and in the digest email of the outbox, and unsubscribes in one click from the
email's link, without signing in.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from participatory import clock
from participatory.calls import rules as call_rules
from participatory.calls.models import Call
from participatory.discussion import rules
from participatory.discussion.models import NotificationPreference
from participatory.extensions import db
from participatory.mail import read_outbox
from tests.accounts.conftest import make_account
from tests.browser.a11y import assert_accessible
from tests.browser.steps import sign_in
from tests.calls import builders

pytestmark = pytest.mark.browser
CODE = "33-04"


@pytest.fixture
def tab(browser):
    """Another person's browser: a fresh context (own cookies) per call."""
    contexts = []

    def new():
        context = browser.new_context(locale="fr-FR")
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


def test_follow_comment_support_reply_notify_digest_and_unsubscribe(app, live_server, page, tab, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    base, now = live_server.url, clock.now()
    with app.app_context():
        alice = make_account("alice@example.org", constituency="75-18")
        bruno = make_account("bruno@example.org", constituency=CODE)
        author = make_account("claire@example.org", constituency=CODE)
        call = builders.call(db.session, now, call_rules.PROPOSALS, code=CODE, title="Budget du canton")
        proposal = builders.proposal(db.session, now, call, feasible=None, title="Un verger partagé")
        proposal.author_id = author.id
        db.session.commit()
        call_id, proposal_id = call.id, proposal.id
        db.session.remove()

    # A: a daily digest, chosen on the account page; then follows the call.
    sign_in(page, base, alice.email)
    page.goto(f"{base}/compte")
    page.get_by_label("Par courriel, un résumé quotidien").check()
    with page.expect_navigation():
        page.locator("#preferences-form").get_by_role("button", name="Enregistrer").click()
    assert_accessible(page, label="account with notification settings")
    page.goto(f"{base}/appels/{call_id}")
    page.get_by_role("button", name="Suivre").click()
    expect(page.get_by_role("button", name="Ne plus suivre")).to_be_visible()

    # B comments on the proposal and supports it.
    other = tab()
    sign_in(other, base, bruno.email)
    other.goto(f"{base}/propositions/{proposal_id}")
    other.get_by_label("Votre commentaire").fill("Où serait planté le verger ?\n<b>merci</b>")
    other.get_by_role("button", name="Publier").click()
    expect(other.locator(".comment-body").first).to_contain_text("<b>merci</b>")  # escaped, shown as typed
    other.get_by_role("button", name="Soutenir ce projet").click()
    expect(other.locator("#support-count")).to_have_text("1 soutien")
    assert_accessible(other, label="proposal with comments and supports")
    other.set_viewport_size({"width": 390, "height": 844})  # a phone: the discussion fits, nothing scrolls sideways
    assert other.evaluate("() => document.documentElement.scrollWidth") <= 390

    # The author replies to B's comment.
    writer = tab()
    sign_in(writer, base, author.email)
    writer.goto(f"{base}/propositions/{proposal_id}")
    first = writer.locator("article").first
    first.locator("summary", has_text="Répondre").click()
    first.get_by_label("Votre réponse").fill("Derrière l'école, côté jardin.")
    first.locator("form button[type=submit]", has_text="Répondre").click()
    expect(writer.locator(".comment-replies").get_by_text("Derrière l'école, côté jardin.")).to_be_visible()

    # Time passes: the call enters review; the digest timer runs.
    with app.app_context():
        db.session.execute(
            update(Call)
            .where(Call.id == call_id)
            .values(proposals_open_at=now - timedelta(days=2), review_open_at=now - timedelta(hours=1))
        )
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["discussion", "send-digests"])
        assert result.exit_code == 0 and "1 digest(s) sent" in result.output, result.output

    # A finds it on the site...
    page.goto(f"{base}/")
    assert page.locator("#unread-count").inner_text().startswith("1")
    page.locator("#notifications-link").click()
    expect(page.get_by_text("« Budget du canton » entre dans une nouvelle phase : examen des projets.")).to_be_visible()
    assert_accessible(page, label="notifications")

    # ... and in the digest email, with its one-click unsubscribe.
    [digest] = [m for m in read_outbox(tmp_path) if m["To"] == alice.email]
    assert "« Budget du canton » entre dans une nouvelle phase : examen des projets." in digest.get_body().get_content()
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = digest["List-Unsubscribe"].strip("<>")
    path = link[link.index("/notifications/desabonnement/") :]
    anonymous = tab()  # the mail client's browser: not signed in
    anonymous.goto(base + path)
    anonymous.get_by_role("button", name="Confirmer le désabonnement").click()
    expect(anonymous.locator("#unsubscribed")).to_be_visible()
    assert_accessible(anonymous, label="unsubscribed")
    with app.app_context():
        assert db.session.get(NotificationPreference, alice.id).delivery == rules.SITE
        db.session.remove()
