"""Comments on proposals: who may post when, one level of replies, the edit window, moderation with a
public reason, escaping, the audit log (content-free), rate limits, and bad input storing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participatory import clock, create_app
from participatory.audit.models import AuditEvent
from participatory.calls import rules as call_rules
from participatory.calls.subjects import proposal_subject
from participatory.discussion import rules
from participatory.discussion.errors import Conflict, DiscussionError, Forbidden
from participatory.discussion.models import Comment, CommentReport, Notification
from participatory.discussion.services import comments
from participatory.extensions import db, limiter
from tests.calls import builders
from tests.discussion.conftest import sign_in


def _setup(session, phase=call_rules.PROPOSALS, **proposal):
    now = clock.now()
    call = builders.call(session, now, phase)
    author = builders.user(session, now)
    item = builders.proposal(session, now, call, author, feasible=None, **proposal)
    return now, item, author


def _count(session, model=Comment) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("phase", "open_"),
    [
        (call_rules.UPCOMING, False),
        (call_rules.PROPOSALS, True),
        (call_rules.REVIEW, True),
        (call_rules.VOTING, False),
        (call_rules.RESULTS, False),
    ],
)
def test_comments_are_open_during_proposals_and_review_only(session, phase, open_):
    now, item, _ = _setup(session, phase)
    someone = builders.user(session, now, "75-18", level="email")  # anyone signed in, from anywhere
    if open_:
        assert comments.post(session, someone, now, proposal_subject(item), "Une question ?").id
    else:
        with pytest.raises(Forbidden) as refused:
            comments.post(session, someone, now, proposal_subject(item), "Une question ?")
        assert refused.value.code == "comments_closed"


@pytest.mark.parametrize("state", [{"withdrawn": True}, {"hidden": True}])
def test_a_withdrawn_or_hidden_proposal_takes_no_comment(session, state):
    now, item, author = _setup(session, **state)
    with pytest.raises(Forbidden):
        comments.post(session, author, now, proposal_subject(item), "Encore ?")


def test_replies_go_one_level_deep_and_tell_the_parent_author(session):
    now, item, author = _setup(session)
    asker = builders.user(session, now)
    subject = proposal_subject(item)
    question = comments.post(session, asker, now, subject, "Où exactement ?")
    answer = comments.post(session, author, now, subject, "Place du marché.", parent_id=question.id)
    assert answer.parent_id == question.id
    with pytest.raises(Conflict) as refused:
        comments.post(session, asker, now, subject, "Merci", parent_id=answer.id)
    assert refused.value.code == "reply_to_reply"
    other = builders.proposal(session, now, item.call, author, feasible=None)
    with pytest.raises(Conflict) as elsewhere:
        comments.post(session, asker, now, proposal_subject(other), "Ici ?", parent_id=question.id)
    assert elsewhere.value.code == "parent_elsewhere"
    [told] = session.scalars(select(Notification)).all()
    assert (told.user_id, told.event, told.subject_id) == (asker.id, rules.REPLY, str(item.id))
    # Replying to one's own comment tells no one.
    comments.post(session, asker, now, subject, "Précision", parent_id=question.id)
    assert _count(session, Notification) == 1


def test_the_author_edits_within_the_window_and_the_comment_is_marked_edited(app, session, client):
    now, item, author = _setup(session)
    comment = comments.post(session, author, now, proposal_subject(item), "Premier jet")
    session.commit()
    sign_in(client, author)
    with clock.frozen(now + rules.EDIT_WINDOW - timedelta(seconds=1)):
        response = client.post(f"/commentaires/{comment.id}/modifier", data={"body": "Version finale"})
        assert response.status_code == 302
    page = client.get(f"/propositions/{item.id}").get_data(as_text=True)
    assert "Version finale" in page and "modifié" in page
    with clock.frozen(now + rules.EDIT_WINDOW + timedelta(seconds=1)):
        late = client.post(f"/commentaires/{comment.id}/modifier", data={"body": "Trop tard"})
        assert late.status_code == 409
    other = builders.user(session, now)
    session.commit()
    sign_in(client, other)
    assert client.post(f"/commentaires/{comment.id}/modifier", data={"body": "Pas à moi"}).status_code == 403
    session.expire_all()
    assert session.get(Comment, comment.id).body == "Version finale"


def test_moderation_hides_with_a_public_reason_by_the_mp_here_or_an_admin(app, session, client):
    now, item, author = _setup(session)
    rude = comments.post(session, author, now, proposal_subject(item), "Propos injurieux")
    reporter = builders.user(session, now)
    comments.report(session, reporter, now, rude, "Injurieux")
    with pytest.raises(Conflict):
        comments.report(session, reporter, now, rude, "Encore")
    with pytest.raises(Forbidden):
        comments.hide(session, builders.mp(session, now, "75-18"), now, rude, proposal_subject(item), "Non")
    mp = builders.mp(session, now)
    with pytest.raises(DiscussionError):
        comments.hide(session, mp, now, rude, proposal_subject(item), "  ")
    comments.hide(session, mp, now, rude, proposal_subject(item), "Insulte envers un voisin")
    second = comments.post(session, author, now, proposal_subject(item), "Autre propos")
    comments.hide(session, builders.admin(session, now), now, second, proposal_subject(item), "Hors charte")
    session.commit()
    page = client.get(f"/propositions/{item.id}").get_data(as_text=True)
    assert "Masqué par la modération : Insulte envers un voisin" in page
    assert "Masqué par la modération : Hors charte" in page
    assert "Propos injurieux" not in page and "Autre propos" not in page


def test_comments_are_escaped_and_show_the_public_name_only(app, session, client):
    now, item, author = _setup(session)
    author.display_name = "Camille D."
    comments.post(session, author, now, proposal_subject(item), '<script>alert("x")</script>\nligne 2')
    session.commit()
    page = client.get(f"/propositions/{item.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in page and '<script>alert("x")' not in page
    assert "Camille D." in page and author.email not in page


def test_the_audit_log_records_comments_without_their_content(session):
    now, item, author = _setup(session)
    subject = proposal_subject(item)
    comment = comments.post(session, author, now, subject, "Texte secret du commentaire")
    comments.edit(session, author, now, comment, subject, "Texte secret modifié")
    comments.report(session, builders.user(session, now), now, comment, "Motif secret")
    comments.hide(session, builders.admin(session, now), now, comment, subject, "Raison publique")
    events = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "comment")).all()
    assert [e.action for e in events] == ["comment.posted", "comment.edited", "comment.reported", "comment.hidden"]
    for event in events:
        assert "secret" not in str(event.details) and event.details["subject"] == f"proposal:{item.id}"


@pytest.mark.parametrize(
    ("body", "status"),
    [("", 400), ("   ", 400), ("a\x00b", 400), ("a\u202eb", 400), ("x" * (rules.MAX_COMMENT_CHARS + 1), 400)],
)
def test_bad_input_stores_nothing(app, session, client, body, status):
    now, item, author = _setup(session)
    session.commit()
    sign_in(client, author)
    response = client.post(f"/debats/proposal/{item.id}/commentaires", data={"body": body})
    assert response.status_code == status
    assert _count(session) == 0


def test_a_closed_discussion_and_a_bad_parent_store_nothing(app, session, client):
    now, item, author = _setup(session, call_rules.VOTING)
    session.commit()
    sign_in(client, author)
    assert client.post(f"/debats/proposal/{item.id}/commentaires", data={"body": "Tard"}).status_code == 403
    call_rules_item = builders.proposal(session, now, builders.call(session, now, year=2031), author, feasible=None)
    session.commit()
    url = f"/debats/proposal/{call_rules_item.id}/commentaires"
    assert client.post(url, data={"body": "x", "parent_id": "99999"}).status_code == 404
    assert client.post(url, data={"body": "x", "parent_id": "abc"}).status_code == 400
    assert _count(session) == 0 and _count(session, CommentReport) == 0


@pytest.fixture
def limited_app(app, database_url, tmp_path, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": "localhost",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "OUTBOX_DIR": str(tmp_path),
            "RATELIMIT_COMMENT": "2 per minute",
        }
    )
    limiter.reset()
    yield limited
    limiter.reset()
    with limited.app_context():
        db.session.remove()


def test_comments_are_rate_limited_per_account(limited_app, session):
    now, item, author = _setup(session)
    session.commit()
    client = limited_app.test_client()
    sign_in(client, author)
    statuses = [
        client.post(f"/debats/proposal/{item.id}/commentaires", data={"body": f"n° {n}"}).status_code for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert _count(session) == 2
