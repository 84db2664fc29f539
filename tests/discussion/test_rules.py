"""Every rule of discussion, table by table (participatory/discussion/rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from participatory.discussion import rules

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("", "empty"),
        ("a", None),
        ("x" * rules.MAX_COMMENT_CHARS, None),
        ("x" * (rules.MAX_COMMENT_CHARS + 1), "too_long"),
    ],
)
def test_comment_problem(body, problem):
    assert rules.comment_problem(body) == problem


@pytest.mark.parametrize(
    ("reason", "problem"),
    [("", "reason_required"), ("Injurieux", None), ("x" * 501, "reason_too_long")],
)
def test_reason_problem(reason, problem):
    assert rules.reason_problem(reason) == problem


@pytest.mark.parametrize(
    ("signed_in", "subject_refusal", "refusal"),
    [
        (False, None, "sign_in"),
        (False, "comments_closed", "sign_in"),
        (True, None, None),
        (True, "comments_closed", "comments_closed"),
    ],
)
def test_comment_refusal(signed_in, subject_refusal, refusal):
    assert rules.comment_refusal(signed_in, subject_refusal) == refusal


@pytest.mark.parametrize(
    ("same_subject", "is_reply", "hidden", "problem"),
    [
        (True, False, False, None),
        (False, False, False, "parent_elsewhere"),
        (True, True, False, "reply_to_reply"),
        (True, False, True, "comment_hidden"),
    ],
)
def test_reply_problem(same_subject, is_reply, hidden, problem):
    assert rules.reply_problem(same_subject, is_reply, hidden) == problem


@pytest.mark.parametrize(
    ("is_author", "hidden", "age", "refusal"),
    [
        (True, False, timedelta(0), None),
        (True, False, rules.EDIT_WINDOW, None),
        (True, False, rules.EDIT_WINDOW + timedelta(seconds=1), "edit_window_over"),
        (False, False, timedelta(0), "not_author"),
        (True, True, timedelta(0), "comment_hidden"),
    ],
)
def test_edit_refusal(is_author, hidden, age, refusal):
    assert rules.edit_refusal(is_author, hidden, NOW - age, NOW) == refusal


@pytest.mark.parametrize(
    ("open_", "live", "here", "verified", "refusal"),
    [
        (True, True, True, True, None),
        (False, True, True, True, "supports_closed"),
        (True, False, True, True, "not_live"),
        (True, True, False, True, "wrong_constituency"),
        (True, True, True, False, "unverified"),
    ],
)
def test_support_refusal(open_, live, here, verified, refusal):
    assert rules.support_refusal(open_, live, here, verified) == refusal


@pytest.mark.parametrize(("supports", "minimum", "selected"), [(0, 0, True), (2, 3, False), (3, 3, True), (9, 3, True)])
def test_selected(supports, minimum, selected):
    assert rules.selected(supports, minimum) is selected


@pytest.mark.parametrize(
    ("followers", "addressed", "actor", "expected"),
    [
        ({1, 2}, (), None, {1, 2}),
        ({1, 2}, (), 2, {1}),
        (set(), (3,), None, {3}),
        ({1}, (1, 3), 3, {1}),
    ],
)
def test_recipients(followers, addressed, actor, expected):
    assert rules.recipients(followers, addressed, actor) == expected


@pytest.mark.parametrize(
    ("delivery", "now_", "digest"),
    [
        (rules.SITE, False, False),
        (rules.IMMEDIATE, True, False),
        (rules.DAILY, False, True),
        (rules.WEEKLY, False, True),
    ],
)
def test_delivery(delivery, now_, digest):
    assert rules.emails_now(delivery) is now_ and rules.waits_for_digest(delivery) is digest


@pytest.mark.parametrize(
    ("delivery", "last", "due"),
    [
        (rules.DAILY, None, True),
        (rules.DAILY, timedelta(hours=23), True),  # within the slack: a late timer does not skip a day
        (rules.DAILY, timedelta(hours=22), False),
        (rules.WEEKLY, timedelta(days=6), False),
        (rules.WEEKLY, timedelta(days=7), True),
        (rules.SITE, None, False),
        (rules.IMMEDIATE, None, False),
    ],
)
def test_digest_due(delivery, last, due):
    assert rules.digest_due(delivery, NOW - last if last is not None else None, NOW) is due


def test_digest_groups_events_by_subject_in_time_order():
    item = rules.DigestItem
    items = [
        item(("proposal", "2"), "Banc", rules.REVIEW, NOW + timedelta(hours=2)),
        item(("call", "1"), "Budget", rules.PHASE, NOW),
        item(("proposal", "2"), "Banc (renommé)", rules.REPLY, NOW + timedelta(hours=1)),
        item(("call", "1"), "Budget", rules.RESULTS, NOW + timedelta(hours=3)),
    ]
    groups = rules.group_digest(items)
    assert [g.subject for g in groups] == [("call", "1"), ("proposal", "2")]
    assert [i.event for i in groups[0].items] == [rules.PHASE, rules.RESULTS]
    assert [i.event for i in groups[1].items] == [rules.REPLY, rules.REVIEW]
    assert groups[1].title == "Banc"  # the newest title
    assert rules.group_digest([]) == []
