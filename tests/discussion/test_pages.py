"""Share previews (Open Graph, Twitter cards) on the call, proposal and results pages, and what an account's
deletion leaves of its discussion."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from participatory import clock
from participatory.accounts.signals import account_deleted
from participatory.calls import rules as call_rules
from participatory.calls.services import results
from participatory.calls.subjects import call_subject, proposal_subject
from participatory.discussion import rules
from participatory.discussion.models import Comment, Follow, NotificationPreference, Support
from participatory.discussion.services import comments, follows, supports
from tests.calls import builders


def _meta(page: str) -> dict[str, str]:
    found = re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', page)
    return {key: html.unescape(value) for key, value in found}


def test_call_proposal_and_results_pages_carry_share_previews(app, session, client):
    now = clock.now()
    call = builders.call(session, now, call_rules.PROPOSALS, title='Budget "canton" <2026>')
    item = builders.proposal(session, now, call, feasible=None, title="Un verger & un banc")
    done = builders.call(session, now, call_rules.RESULTS, year=2024, title="Budget clos")
    session.commit()
    results.close_call(session, done.id, now)
    session.commit()
    shown = _meta(client.get(f"/appels/{call.id}").get_data(as_text=True))
    assert shown["og:title"] == 'Budget "canton" <2026>' and shown["og:url"] == f"http://localhost/appels/{call.id}"
    assert shown["twitter:card"] == "summary" and shown["og:description"]
    shown = _meta(client.get(f"/propositions/{item.id}").get_data(as_text=True))
    assert shown["og:title"] == "Un verger & un banc" and shown["og:description"] == "Résumé"
    shown = _meta(client.get(f"/appels/{done.id}/resultats").get_data(as_text=True))
    assert shown["og:title"] == "Résultats · Budget clos"


def test_a_deleted_account_leaves_its_comments_under_no_name_and_nothing_else(app, session, client):
    now = clock.now()
    call = builders.call(session, now)
    item = builders.proposal(session, now, call, feasible=None)
    person = builders.user(session, now)
    person.display_name = "Camille D."
    comments.post(session, person, now, proposal_subject(item), "Mon avis")
    supports.support(session, person, now, proposal_subject(item))
    follows.follow(session, person, now, call_subject(call))
    follows.set_delivery(session, person, now, rules.DAILY)
    account_deleted.send(session, user=person, now=now)
    person.deleted_at = now
    session.commit()
    for model in (Support, Follow, NotificationPreference):
        assert session.scalar(select(func.count()).select_from(model)) == 0
    assert session.scalar(select(func.count()).select_from(Comment)) == 1
    page = client.get(f"/propositions/{item.id}").get_data(as_text=True)
    assert "Mon avis" in page and "Camille D." not in page and "Participant" in page
