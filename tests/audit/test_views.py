"""The auditors' pages: who sees them, filters, pagination, the downloadable chain.

Requests are made outside any app context held by the test, so that Flask-Login's
per-context user cache never carries one request's user into the next.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from participatory.accounts.rules import ADMIN, AUDITOR
from participatory.audit.rules import verify_chain
from participatory.audit.services import record
from participatory.extensions import db
from tests.builders import make_user
from tests.conftest import open_session


def _setup(app, now, events=3):
    with app.app_context():
        users = {
            "auditor": make_user(db.session, now, "auditrice", None, (AUDITOR, None)).id,
            "admin": make_user(db.session, now, "admin", None, (ADMIN, None)).id,
            "resident": make_user(db.session, now, "resident", "33-04").id,
        }
        for i in range(events):
            record(
                db.session,
                now=now + timedelta(hours=i),
                actor="system",
                action="ballot.cast" if i % 2 else "call.created",
                object_type="call",
                object_id=str(i % 3),
                details={"call": i % 3},
            )
        db.session.commit()
    return users


def _client(app, user_id=None):
    client = app.test_client()
    if user_id is not None:
        open_session(client, user_id)
    return client


def test_only_auditors_and_admins_read_the_log(app, now):
    users = _setup(app, now)
    assert _client(app).get("/audit/").status_code == 302
    assert _client(app, users["resident"]).get("/audit/").status_code == 403
    for role in ("auditor", "admin"):
        page = _client(app, users[role]).get("/audit/")
        assert page.status_code == 200 and b"call.created" in page.data


def test_the_log_page_says_how_many_ballot_events_wait_to_be_chained(app, now):
    users = _setup(app, now)
    client = _client(app, users["auditor"])
    assert 'id="audit-pending"' not in client.get("/audit/").get_data(as_text=True)
    with app.app_context():
        for i in range(2):
            record(
                db.session,
                now=now + timedelta(days=1, seconds=i),
                actor="u_abcd",
                action="ballot.cast",
                object_type="call",
                object_id="1",
                details={"call": 1},
                deferred=True,
            )
        db.session.commit()
    page = client.get("/audit/").get_data(as_text=True)
    assert 'id="audit-pending">2<' in page and "pas encore chaînés" in page


def test_filters_by_action_object_and_date(app, now):
    users = _setup(app, now, events=6)
    client = _client(app, users["auditor"])
    page = client.get("/audit/?action=ballot.cast").get_data(as_text=True)
    assert "3 événements" in page
    page = client.get("/audit/?object_type=call&object_id=0").get_data(as_text=True)
    assert "2 événements" in page
    day = (now + timedelta(hours=5)).date().isoformat()
    page = client.get(f"/audit/?since={day}&until={day}").get_data(as_text=True)
    assert re.search(r'role="status">\d+ événements?</p>', page)


def test_bad_filters_are_refused_with_400(app, now):
    users = _setup(app, now)
    client = _client(app, users["auditor"])
    for query in ("since=yesterday", "action=not.an.action", "page=0", "actor=<script>"):
        assert client.get(f"/audit/?{query}").status_code == 400, query


def test_pagination(app, now):
    users = _setup(app, now, events=120)
    client = _client(app, users["auditor"])
    first = client.get("/audit/").get_data(as_text=True)
    assert "Page 1 sur 3" in first and "page=2" in first
    last = client.get("/audit/?page=3").get_data(as_text=True)
    assert "<td>1</td>" in last and "<td>120</td>" not in last


def test_auditors_download_a_verifiable_chain(app, now):
    users = _setup(app, now, events=5)
    response = _client(app, users["auditor"]).get("/audit/journal.jsonl")
    assert response.status_code == 200
    events = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(events) == 5 and verify_chain(events).ok


def test_calls_and_ledgers_pages(app, now):
    users = _setup(app, now)
    client = _client(app, users["auditor"])
    assert client.get("/audit/appels").status_code == 200
    assert client.get("/audit/registres").status_code == 200


def test_the_log_page_lists_the_signed_checkpoints_and_the_public_key(app, now):
    from participatory.audit.services import make_checkpoint
    from participatory.audit.signing import current_keys

    users = _setup(app, now)
    client = _client(app, users["auditor"])
    assert "Aucun point de contrôle" in client.get("/audit/").get_data(as_text=True)
    with app.app_context():
        make_checkpoint(db.session, now)
        db.session.commit()
        public = current_keys().public.b64
    page = client.get("/audit/").get_data(as_text=True)
    assert public in page and 'href="/api/v1/audit/checkpoints/3.json"' in page
    assert "Aucun point de contrôle" not in page
