"""A schedule that cannot be bent, on a real database and through the pages: the vote cannot be
skipped, a running vote is only extended, a closed one never reopens, and every date change is in
the audit log and in the public history of the call's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participatory import clock, create_app
from participatory import config as settings
from participatory.audit.models import AuditEvent
from participatory.audit.services import verify
from participatory.calls import rules
from participatory.calls.errors import CallError, Conflict
from participatory.calls.forms import PARIS
from participatory.calls.models import Call, CallResult
from participatory.calls.services import results
from participatory.calls.services.calls import CallSettings, create_call, schedule_history, update_call
from tests.calls import builders
from tests.calls.conftest import sign_in

DAY = timedelta(days=1)


def changed(call: Call, **fields) -> CallSettings:
    """The call's settings with `fields` changed."""
    current = {n: rules.aware(v) if n in rules.DATES else v for n, v in CallSettings.of(call).__dict__.items()}
    return CallSettings(**(current | fields))


def dates_of(call: Call) -> rules.Schedule:
    return rules.Schedule.of(call)


def events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def new_settings(now, *dates, year=2027) -> CallSettings:
    a, b, c, d = (now + k * DAY for k in dates)
    return CallSettings(
        year=year,
        title="Budget",
        description="",
        budget_cents=rules.DEFAULT_BUDGET_CENTS,
        proposals_open_at=a,
        review_open_at=b,
        voting_open_at=c,
        voting_close_at=d,
    )


# --- services -------------------------------------------------------------------------------


def test_an_mp_cannot_skip_the_vote_by_moving_its_dates_into_the_past(session, now):
    """The attack of issue 13: during review, the vote's dates put in the past so results publish with no ballot."""
    mp = builders.mp(session, now)
    call = builders.call(session, now, rules.REVIEW)
    session.commit()
    before = dates_of(call)
    skip = changed(call, voting_open_at=now - timedelta(hours=2), voting_close_at=now - timedelta(hours=1))
    with pytest.raises(CallError) as error:
        update_call(session, mp, now, call, skip)
    assert error.value.code == "date_in_past" and error.value.status == 400
    assert "dans le passé" in error.value.message
    session.rollback()
    assert dates_of(call) == before and events(session, "call.rescheduled") == []
    assert results.close_call(session, call.id, now) is None  # still no results
    # Nor by moving every date back (proposals and review have started: their dates are frozen).
    every = changed(call, **{n: getattr(before, n) - 10 * DAY for n in rules.DATES})
    with pytest.raises(Conflict) as error:
        update_call(session, mp, now, call, every)
    assert error.value.code == "proposals_started" and error.value.status == 409
    assert session.scalar(select(func.count()).select_from(CallResult)) == 0


def test_a_running_vote_is_extended_and_the_change_is_logged_with_old_and_new_dates(session, now):
    mp = builders.mp(session, now)
    call = builders.call(session, now, rules.VOTING)
    session.commit()
    old_close = dates_of(call).voting_close_at
    update_call(session, mp, now, call, changed(call, voting_close_at=old_close + 3 * DAY))
    session.commit()
    assert rules.aware(call.voting_close_at) == old_close + 3 * DAY
    [event] = events(session, "call.rescheduled")
    assert event.actor == mp.pseudonym and event.object_id == str(call.id)
    assert event.details == {
        "phase": "voting",
        "dates": {
            "voting_close_at": {"old": old_close.isoformat(), "new": (old_close + 3 * DAY).isoformat()},
        },
    }
    assert events(session, "call.changed") == []  # nothing but the date changed
    assert verify(session).ok
    [entry] = schedule_history(session, call)
    assert entry.at == now and entry.phase == "voting"
    assert [(c.field, c.old, c.new) for c in entry.changes] == [("voting_close_at", old_close, old_close + 3 * DAY)]


@pytest.mark.parametrize(
    ("close", "code"),
    [
        (lambda now, close: close - timedelta(minutes=1), "voting_shortened"),
        (lambda now, close: now + timedelta(minutes=1), "voting_shortened"),  # closing early
        (lambda now, close: now, "voting_shortened"),
    ],
)
def test_a_running_vote_is_never_shortened_nor_closed_early(session, now, close, code):
    mp = builders.mp(session, now)
    call = builders.call(session, now, rules.VOTING)
    session.commit()
    before = dates_of(call)
    with pytest.raises(Conflict) as error:
        update_call(session, mp, now, call, changed(call, voting_close_at=close(now, before.voting_close_at)))
    assert error.value.code == code
    session.rollback()
    assert dates_of(call) == before and events(session, "call.rescheduled") == []


def test_a_closed_vote_never_reopens(session, now):
    mp = builders.mp(session, now)
    call = builders.call(session, now, rules.RESULTS)
    session.commit()
    with pytest.raises(Conflict) as error:
        update_call(session, mp, now, call, changed(call, voting_close_at=now + 7 * DAY))
    assert error.value.code == "voting_closed"
    assert "ne peut pas être rouvert" in error.value.message


def test_the_rest_of_a_running_vote_stays_frozen_while_its_close_moves(session, now):
    mp = builders.mp(session, now)
    call = builders.call(session, now, rules.VOTING)
    session.commit()
    with pytest.raises(Conflict) as error:  # the extension is fine, the budget is not
        update_call(
            session,
            mp,
            now,
            call,
            changed(call, voting_close_at=rules.aware(call.voting_close_at) + DAY, budget_cents=1_00),
        )
    assert error.value.code == "frozen"


def test_a_vote_that_has_not_started_can_move_with_the_minimum_duration(session, now):
    mp = builders.mp(session, now)
    call = create_call(session, mp, now, "33-04", new_settings(now, 1, 30, 45, 60))
    session.commit()
    with pytest.raises(CallError) as error:  # a week minus a minute
        update_call(session, mp, now, call, changed(call, voting_close_at=now + 52 * DAY - timedelta(minutes=1)))
    assert error.value.code == "voting_too_short"
    assert error.value.message == "Le vote doit durer au moins 7 jours, de son ouverture à sa clôture."
    session.rollback()
    update_call(session, mp, now, call, changed(call, voting_open_at=now + 50 * DAY, voting_close_at=now + 57 * DAY))
    session.commit()
    [event] = events(session, "call.rescheduled")
    assert sorted(event.details["dates"]) == ["voting_close_at", "voting_open_at"]
    assert event.details["phase"] == "upcoming"


def test_the_minimum_duration_is_a_parameter_of_the_services(session, now):
    mp = builders.mp(session, now)
    with pytest.raises(CallError) as error:
        create_call(session, mp, now, "33-04", new_settings(now, 1, 30, 45, 55), min_voting=timedelta(days=14))
    assert error.value.code == "voting_too_short" and "14 jours" in error.value.message
    call = create_call(session, mp, now, "33-04", new_settings(now, 1, 30, 45, 46), min_voting=DAY)
    assert call.id is not None


@pytest.mark.parametrize(
    ("dates", "code"),
    [
        ((-4, -3, -2, -1), "date_in_past"),  # born closed: results with no vote
        ((-3, -2, -1, 10), "date_in_past"),  # a vote already running when the call is created
        ((1, 10, 20, 25), "voting_too_short"),
    ],
)
def test_a_new_call_cannot_skip_a_phase_nor_have_a_short_vote(session, now, dates, code):
    mp = builders.mp(session, now)
    with pytest.raises(CallError) as error:
        create_call(session, mp, now, "33-04", new_settings(now, *dates))
    assert error.value.code == code
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Call)) == 0
    assert events(session, "call.created") == []


def test_only_the_dates_that_changed_are_in_the_history_and_other_fields_in_call_changed(session, now):
    mp = builders.mp(session, now)
    call = create_call(session, mp, now, "33-04", new_settings(now, 1, 30, 45, 60))
    session.commit()
    later = now + 5 * DAY
    update_call(session, mp, later, call, changed(call, review_open_at=now + 31 * DAY, title="Autre titre"))
    update_call(session, mp, later + DAY, call, changed(call, title="Encore un titre"))
    session.commit()
    history = schedule_history(session, call)
    assert len(history) == 1 and history[0].at == later and history[0].phase == "proposals"
    assert [(c.field, c.old, c.new) for c in history[0].changes] == [("review_open_at", now + 30 * DAY, now + 31 * DAY)]
    assert [e.details["changed"] for e in events(session, "call.changed")] == [
        {"title": "Autre titre"},
        {"title": "Encore un titre"},
    ]


# --- pages ----------------------------------------------------------------------------------


def local(moment) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def form_of(call: Call, **dates) -> dict:
    values = {n: rules.aware(getattr(call, n)) for n in rules.DATES} | dates
    return {
        "year": str(call.year),
        "title": call.title,
        "description": call.description,
        "budget": str(call.budget_cents / 100),
        **{n: local(v) for n, v in values.items()},
        "min_projects": str(call.min_projects),
        "knapsack": "y" if call.knapsack else "",
        "rule": call.rule,
        "verification_level": call.verification_level,
    }


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        ("fr", "Une date nouvelle ou modifiée ne peut pas être dans le passé"),
        ("en", "A new or changed date cannot be in the past"),
    ],
)
def test_an_mp_trying_to_skip_the_vote_gets_a_clear_refusal_and_nothing_changes(app, session, locale, message):
    now = clock.now()
    mp = builders.mp(session, now)
    call = builders.call(session, now, rules.REVIEW)
    session.commit()
    before = dates_of(call)
    client = app.test_client()
    client.get(f"/lang/{locale}")
    sign_in(client, mp)
    response = client.post(
        f"/appels/{call.id}/modifier",
        data=form_of(call, voting_open_at=now - timedelta(hours=2), voting_close_at=now - timedelta(hours=1)),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page.replace("&#39;", "'")
    assert 'id="schedule-rules"' in page  # the form says the rules
    session.expire_all()
    assert dates_of(session.get(Call, call.id)) == before
    assert events(session, "call.rescheduled") == []


def test_shortening_a_running_vote_through_the_form_is_refused_with_409(app, session):
    now = clock.now()
    mp = builders.mp(session, now)
    call = builders.call(session, now, rules.VOTING)
    session.commit()
    client = app.test_client()
    sign_in(client, mp)
    response = client.post(f"/appels/{call.id}/modifier", data=form_of(call, voting_close_at=now + timedelta(hours=1)))
    assert response.status_code == 409
    assert "ni écourté ni clos avant la date annoncée" in response.get_data(as_text=True)


def test_the_minimum_comes_from_the_configuration(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "VOTING_MIN_DAYS", 10)
    now = clock.now()
    mp = builders.mp(session, now)
    session.commit()
    client = app.test_client()
    sign_in(client, mp)
    assert "au moins 10 jours" in client.get("/circonscriptions/33-04/appel/nouveau").get_data(as_text=True)
    start = now + DAY
    data = {
        "year": "2027",
        "title": "Budget 2027",
        "description": "",
        "budget": "130000",
        "proposals_open_at": local(start),
        "review_open_at": local(start + 10 * DAY),
        "voting_open_at": local(start + 20 * DAY),
        "voting_close_at": local(start + 29 * DAY),  # nine days
        "min_projects": "1",
        "knapsack": "y",
        "rule": "greedy",
        "verification_level": "residence",
    }
    response = client.post("/circonscriptions/33-04/appel/nouveau", data=data)
    assert response.status_code == 400
    assert "Le vote doit durer au moins 10 jours" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Call)) == 0
    data["voting_close_at"] = local(start + 30 * DAY)
    assert client.post("/circonscriptions/33-04/appel/nouveau", data=data).status_code == 302


@pytest.mark.parametrize(
    ("locale", "title", "label"),
    [
        ("fr", "Modifications du calendrier", "Clôture du vote et résultats"),
        ("en", "Changes to the schedule", "Voting closes, results"),
    ],
)
def test_an_extension_shows_in_the_public_history_of_the_call_page(app, session, locale, title, label):
    now = clock.now()
    mp = builders.mp(session, now)
    call = builders.call(session, now, rules.VOTING)
    call.voting_close_at = now.replace(hour=18, minute=0) + DAY  # 19:00 in Paris (winter time)
    session.commit()
    client = app.test_client()
    sign_in(client, mp)
    new_close = now.replace(hour=18, minute=0) + 4 * DAY
    response = client.post(f"/appels/{call.id}/modifier", data=form_of(call, voting_close_at=new_close))
    assert response.status_code == 302
    visitor = app.test_client()  # anyone, signed out
    visitor.get(f"/lang/{locale}")
    page = visitor.get(f"/appels/{call.id}").get_data(as_text=True)
    history = page[page.index('id="schedule-history"') :]
    assert title in history
    old_text, new_text = (
        ("23 novembre 2026, 19:00", "26 novembre 2026, 19:00")
        if locale == "fr"
        else ("23 November 2026, 19:00", "26 November 2026, 19:00")
    )
    assert "<del><time" in history and old_text in history and new_text in history, history[:2000]
    assert label in history
    assert mp.pseudonym not in history  # the public history names no one


def test_a_call_without_changes_says_so(client, session):
    call = builders.call(session, clock.now(), rules.PROPOSALS)
    session.commit()
    page = client.get(f"/appels/{call.id}").get_data(as_text=True)
    assert "Aucune modification depuis la création de l" in page


# --- configuration --------------------------------------------------------------------------


def test_the_minimum_vote_is_read_from_the_environment_and_checked(monkeypatch, tmp_path):
    assert settings.from_environment(tmp_path)["VOTING_MIN_DAYS"] == rules.DEFAULT_VOTING_MIN_DAYS == 7
    monkeypatch.setenv("VOTING_MIN_DAYS", "14")
    assert settings.from_environment(tmp_path)["VOTING_MIN_DAYS"] == 14
    with pytest.raises(settings.ConfigError, match="VOTING_MIN_DAYS"):
        create_app({"TESTING": True, "VOTING_MIN_DAYS": 0})
