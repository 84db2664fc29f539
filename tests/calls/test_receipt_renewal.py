"""A voter whose ballot committed but whose receipt code never reached them (issue 22) sees on the ballot
page that their ballot is recorded, and when, and can ask for a new receipt code: it replaces the old one,
the ballot itself is unchanged, and the new code is mailed through the outbox."""

from __future__ import annotations

import re

from sqlalchemy import select

from participatory import clock
from participatory.audit.models import AuditEvent
from participatory.calls import rules
from participatory.calls.models import Ballot, Call
from participatory.calls.services import ballots as services
from participatory.discussion.models import Notification
from participatory.mail import read_outbox
from tests.calls import builders
from tests.calls.conftest import sign_in


def _voter(app, session, with_ballot: bool = True, year: int = 2026):
    now = clock.now()
    call = builders.call(session, now, rules.VOTING, year=year)
    project = builders.proposal(session, now, call)
    voter = builders.user(session, now)
    session.commit()
    client = app.test_client()
    sign_in(client, voter)
    code = None
    if with_ballot:
        page = client.post(f"/appels/{call.id}/vote", data={"projects": [str(project.id)]}).get_data(as_text=True)
        code = re.search(r'id="receipt-code">([^<]+)<', page).group(1)
    return call, project, client, code


def _code(page: str) -> str:
    return re.search(r'id="receipt-code">([^<]+)<', page).group(1)


def test_the_ballot_page_says_the_ballot_is_recorded_and_when(app, session, outbox):
    call, project, client, _ = _voter(app, session)
    page = client.get(f"/appels/{call.id}/vote").get_data(as_text=True)
    assert 'id="ballot-recorded"' in page and 'datetime="2026-11-22T12:00:00' in page
    assert 'id="renew-receipt-form"' in page


def test_a_new_receipt_code_replaces_the_old_one_and_leaves_the_ballot_unchanged(app, session, outbox):
    call, project, client, old_code = _voter(app, session)
    response = client.post(f"/appels/{call.id}/vote/nouveau-code")
    assert response.status_code == 200
    new_code = _code(response.get_data(as_text=True))
    assert new_code != old_code

    session.expire_all()
    item = session.get(Call, call.id)
    assert not services.receipt_counted(session, item, old_code), "the old code no longer matches"
    assert services.receipt_counted(session, item, new_code)
    [ballot] = session.scalars(select(Ballot).where(Ballot.call_id == call.id)).all()
    assert ballot.proposal_ids == [project.id]
    mails = read_outbox(outbox)
    assert len(mails) == 2 and new_code in mails[-1].get_body().get_content()
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(call.id))).all()
    assert "ballot.receipt_renewed" in actions


def test_without_a_ballot_or_after_the_vote_no_code_is_issued(app, session, outbox):
    call, project, client, _ = _voter(app, session, with_ballot=False)
    assert client.post(f"/appels/{call.id}/vote/nouveau-code").status_code == 409
    assert session.scalars(select(Ballot)).all() == []

    call, project, client, old_code = _voter(app, session, year=2027)
    item = session.get(Call, call.id)
    builders.move_to(session, item, rules.RESULTS, clock.now())
    session.commit()
    assert client.post(f"/appels/{call.id}/vote/nouveau-code").status_code == 403
    session.expire_all()
    assert services.receipt_counted(session, session.get(Call, call.id), old_code), "unchanged"


def test_every_voter_gets_their_own_code_and_choices_on_the_receipt_page(app, session, outbox):
    """The receipt page is rendered once per call and filled in per voter (views/ballots.py): nothing of one
    voter shows on another's page, and the choices are escaped like the rest of the page."""
    now = clock.now()
    call = builders.call(session, now, rules.VOTING, year=2028)
    plain = builders.proposal(session, now, call, title="Jardin partagé")
    tricky = builders.proposal(session, now, call, title="<b>Bancs</b> & tables")
    voters = [builders.user(session, now) for _ in range(2)]
    session.add(  # the first voter has news waiting: its count is theirs alone
        Notification(
            user_id=voters[0].id,
            event="phase",
            event_key="call:1:phase:voting",
            subject_kind="call",
            subject_id=str(call.id),
            title=call.title,
            created_at=now,
        )
    )
    session.commit()
    pages = []
    for voter, chosen in zip(voters, ([plain], [tricky]), strict=True):
        client = app.test_client()
        sign_in(client, voter)
        response = client.post(f"/appels/{call.id}/vote", data={"projects": [str(p.id) for p in chosen]})
        assert response.status_code == 200
        pages.append(response.get_data(as_text=True))
    codes = [_code(page) for page in pages]
    assert codes[0] != codes[1] and codes[1] not in pages[0]
    first, second = (page.split('id="ballot-choices">', 1)[1].split("</ul>", 1)[0] for page in pages)
    assert "Jardin partagé" in first and "Bancs" not in first
    assert "&lt;b&gt;Bancs&lt;/b&gt; &amp; tables" in second and "Jardin" not in second
    assert "\x00" not in pages[0] + pages[1]
    assert 'id="unread-count"' not in pages[0] + pages[1]
    for voter in voters:
        assert voter.display_name is None or voter.display_name not in pages[0] + pages[1]
