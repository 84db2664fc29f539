"""Follows and notifications: which events reach whom, once; email at once or in a digest (grouped per
subject), each with a one-click unsubscribe that works without signing in; the notifications page and its
unread count; preferences and follows in the personal-data download."""

from __future__ import annotations

import json
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import func, select

from participatory import clock
from participatory.calls import rules as call_rules
from participatory.calls.services import ballots, implementation, proposals, results
from participatory.calls.subjects import call_subject, proposal_subject
from participatory.discussion import rules
from participatory.discussion.models import Notification, NotificationPreference
from participatory.discussion.services import follows, notifications
from participatory.discussion.subjects import load
from participatory.outbox import OutboxMessage
from tests.calls import builders
from tests.discussion.conftest import sign_in


def _told(session, user) -> list[tuple[str, str, str]]:
    rows = session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    return [(n.event, f"{n.subject_kind}:{n.subject_id}", n.detail) for n in rows]


def _mails(session) -> list:
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [BytesParser(policy=policy.default).parsebytes(row.message) for row in rows]


def test_a_phase_start_is_told_once_to_the_followers_of_the_call_and_its_constituency(session):
    now = clock.now()
    call = builders.call(session, now, call_rules.PROPOSALS)
    old = builders.call(session, now - timedelta(days=5), call_rules.PROPOSALS, year=2025)  # started 6 days ago
    by_call, by_place, stranger = (builders.user(session, now) for _ in range(3))
    follows.follow(session, by_call, now, call_subject(call))
    follows.follow(session, by_call, now, call_subject(old))
    follows.follow(session, by_place, now, load(session, "constituency", "33-04"))
    assert notifications.run_sources(session, now) == 2
    assert notifications.run_sources(session, now) == 0  # told once
    assert _told(session, by_call) == [("phase", f"call:{call.id}", "proposals")]
    assert _told(session, by_place) == [("phase", f"call:{call.id}", "proposals")]
    assert _told(session, stranger) == []
    builders.move_to(session, call, call_rules.REVIEW, now)
    notifications.run_sources(session, now)
    assert _told(session, by_call)[-1] == ("phase", f"call:{call.id}", "review")


def test_review_implementation_and_results_reach_the_followers_and_the_author(session):
    now = clock.now()
    call = builders.call(session, now, call_rules.REVIEW)
    author = builders.user(session, now)  # follows nothing: hears of their own proposal all the same
    item = builders.proposal(session, now, call, author, feasible=None)
    on_proposal, on_call = builders.user(session, now), builders.user(session, now)
    follows.follow(session, on_proposal, now, proposal_subject(item))
    follows.follow(session, on_call, now, call_subject(call))
    mp = builders.mp(session, now)
    proposals.review(session, mp, now, item, call_rules.FEASIBLE, 1_000_00, "")
    builders.move_to(session, call, call_rules.VOTING, now)
    ballots.cast(session, on_proposal, now, call.id, [item.id])
    builders.move_to(session, call, call_rules.RESULTS, now)
    results.close_call(session, call.id, now)
    implementation.post_update(session, mp, now, item, "in_progress", "Chantier", date(2026, 11, 20))
    assert _told(session, on_proposal) == [
        ("review", f"proposal:{item.id}", "feasible"),
        ("implementation", f"proposal:{item.id}", "in_progress"),
    ]
    assert _told(session, author) == _told(session, on_proposal)
    assert _told(session, on_call) == [("results", f"call:{call.id}", "")]
    assert _told(session, mp) == []  # the actor is not told of their own act


def test_an_immediate_email_carries_a_one_click_unsubscribe(app, session):
    now = clock.now()
    call = builders.call(session, now, call_rules.PROPOSALS)
    person = builders.user(session, now)
    follows.set_delivery(session, person, now, rules.IMMEDIATE)
    follows.follow(session, person, now, call_subject(call))
    notifications.run_sources(session, now)
    [mail] = _mails(session)
    assert mail["To"] == person.email and call.title in mail["Subject"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail["List-Unsubscribe"].strip("<>")
    assert url.startswith("http") and "/notifications/desabonnement/" in url
    assert url in mail.get_body().get_content()
    assert not session.scalar(select(Notification.digest_pending))


def test_a_digest_groups_the_waiting_events_per_subject_and_goes_once_a_day(app, session):
    now = clock.now()
    call = builders.call(session, now, call_rules.PROPOSALS, title="Budget du canton")
    first = builders.proposal(session, now, call, feasible=None, title="Un verger")
    second = builders.proposal(session, now, call, feasible=None, title="Une fontaine")
    reader, quiet = builders.user(session, now), builders.user(session, now)
    follows.set_delivery(session, reader, now, rules.DAILY)
    for person in (reader, quiet):  # quiet keeps the default: on the site only
        for subject in (call_subject(call), proposal_subject(first), proposal_subject(second)):
            follows.follow(session, person, now, subject)
    notifications.run_sources(session, now)
    for n, item in enumerate((first, second, first)):
        notifications.notify(
            session, now + timedelta(minutes=n), rules.REVIEW, proposal_subject(item), key=f"k{n}", detail="feasible"
        )
    assert notifications.send_digests(session, now + timedelta(hours=1)) == 1
    [digest] = _mails(session)
    assert digest["To"] == reader.email and "4 nouveautés" in digest["Subject"]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = digest.get_body().get_content().split("----")[0]
    assert body.index("Budget du canton") < body.index("Un verger") < body.index("Une fontaine")
    assert body.count("Un verger\nhttp") == 1  # one group per subject, its two events under it
    assert body.count("« Un verger » a été examiné : réalisable") == 2
    assert notifications.send_digests(session, now + timedelta(hours=2)) == 0  # nothing waits
    notifications.notify(session, now + timedelta(hours=3), rules.REVIEW, proposal_subject(second), key="late")
    assert notifications.send_digests(session, now + timedelta(hours=4)) == 0  # not a day yet
    assert notifications.send_digests(session, now + timedelta(days=1, minutes=30)) == 1
    assert len(_mails(session)) == 2
    assert len(_told(session, quiet)) == 5  # on the site all the same


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_unsubscribing_in_one_click_needs_no_sign_in_nor_csrf(app, session, client, csrf_on):
    now = clock.now()
    person = builders.user(session, now)
    follows.set_delivery(session, person, now, rules.WEEKLY)
    call = builders.call(session, now, call_rules.PROPOSALS)
    follows.follow(session, person, now, call_subject(call))
    notifications.run_sources(session, now)
    session.commit()
    token = notifications.unsubscribe_token(person.id)
    page = client.get(f"/notifications/desabonnement/{token}")
    assert page.status_code == 200 and "Confirmer le désabonnement" in page.get_data(as_text=True)
    assert client.post(f"/notifications/desabonnement/{token}x").status_code == 404
    assert client.post(f"/notifications/desabonnement/{token[:-2]}").status_code == 404
    session.expire_all()
    assert session.get(NotificationPreference, person.id).delivery == rules.WEEKLY
    done = client.post(f"/notifications/desabonnement/{token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "C'est fait" in done.get_data(as_text=True).replace("&#39;", "'")
    session.expire_all()
    assert session.get(NotificationPreference, person.id).delivery == rules.SITE
    assert notifications.send_digests(session, now + timedelta(days=8)) == 0  # the waiting events stay on the site
    assert session.scalar(select(func.count()).select_from(Notification)) == 1


def test_the_notifications_page_shows_the_unread_count_and_marks_read(app, session, client):
    now = clock.now()
    person = builders.user(session, now)
    call = builders.call(session, now, call_rules.PROPOSALS, title="Budget du canton")
    follows.follow(session, person, now, call_subject(call))
    notifications.run_sources(session, now)
    session.commit()
    sign_in(client, person)
    page = client.get("/notifications").get_data(as_text=True)
    assert 'id="unread-count">1' in page and "« Budget du canton » entre dans une nouvelle phase" in page
    assert client.post("/notifications/lues").status_code == 302
    assert 'id="unread-count"' not in client.get("/notifications").get_data(as_text=True)


def test_preferences_and_follows_are_in_the_account_page_and_the_personal_data(app, session, client):
    now = clock.now()
    person = builders.user(session, now)
    call = builders.call(session, now, call_rules.PROPOSALS, title="Budget du canton")
    session.commit()
    sign_in(client, person)
    assert client.post(f"/debats/call/{call.id}/suivre").status_code == 302
    assert client.post("/notifications/preferences", data={"delivery": "nope"}).status_code == 400
    assert session.get(NotificationPreference, person.id) is None  # bad input stores nothing
    assert client.post("/notifications/preferences", data={"delivery": "weekly"}).status_code == 302
    account = client.get("/compte").get_data(as_text=True)
    assert "Budget du canton" in account and '<input checked class="form-check-input" id="delivery-3"' in account
    data = json.loads(client.get("/compte/mes-donnees.json").get_data(as_text=True))
    part = data["discussion"]
    assert part["notification_preference"]["delivery"] == "weekly"
    assert part["follows"] == [{"kind": "call", "id": str(call.id), "since": part["follows"][0]["since"]}]


def test_the_cli_announces_and_sends_the_digests_with_links_from_public_url(app, session, outbox, monkeypatch):
    now = clock.now()
    person = builders.user(session, now)
    follows.set_delivery(session, person, now, rules.DAILY)
    call = builders.call(session, now, call_rules.PROPOSALS, title="Budget du canton")
    follows.follow(session, person, now, call_subject(call))
    session.commit()
    monkeypatch.setitem(app.config, "SERVER_NAME", None)  # as from cron: no request says where the site is
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://budgets.example.fr")
    result = app.test_cli_runner().invoke(args=["discussion", "send-digests"])
    assert result.exit_code == 0 and "1 notification(s), 1 digest(s) sent" in result.output
    from participatory.mail import read_outbox

    [digest] = read_outbox(outbox)
    assert digest["List-Unsubscribe"].startswith("<https://budgets.example.fr/notifications/desabonnement/")
    assert f"https://budgets.example.fr/appels/{call.id}" in digest.get_body().get_content()
