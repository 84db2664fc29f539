"""Every route for every role gets exactly the expected status."""

from __future__ import annotations

import pytest

from participatory.extensions import db
from tests.conftest import open_session
from tests.permissions.framework import ROLES, all_cases, build_world

IGNORED_ENDPOINTS = {"static"}
CASES = all_cases()


def test_every_route_has_a_case(app):
    covered = {(c.endpoint, c.method) for c in CASES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in IGNORED_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "routes without a permission case in tests/permissions/routes_*.py:\n" + "\n".join(missing)


def test_cases_name_real_endpoints(app):
    endpoints = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods}
    unknown = [(c.endpoint, c.method) for c in CASES if (c.endpoint, c.method) not in endpoints]
    assert not unknown


@pytest.fixture
def world(app):
    with app.app_context():
        built = build_world(db.session)
        yield built
        db.session.remove()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.method}-{c.endpoint}-{i}" for i, c in enumerate(CASES)])
def test_route_for_every_role(app, world, case):
    failures = []
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            open_session(client, world.users[role].id)
        url = case.url(world)
        body = case.body(world)
        kwargs = {"json": body} if case.json else {"data": body}
        response = client.open(url, method=case.method, **kwargs)
        response.close()  # ends streamed bodies (the JSON Lines journal) inside this request's context
        if response.status_code != case.status_for(role):
            failures.append(f"{role}: got {response.status_code}, expected {case.status_for(role)}")
    assert not failures, f"{case.method} {case.endpoint}:\n" + "\n".join(failures)


def test_no_two_endpoints_answer_the_same_address(app):
    """Two domains may not claim one URL and method: the second would never be reached (Werkzeug takes
    the first), and its role cases would test the other's view."""
    seen: dict[tuple[str, str], str] = {}
    clashes = []
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            key = (method, rule.rule)
            if key in seen and seen[key] != rule.endpoint:
                clashes.append(f"{method} {rule.rule}: {seen[key]} and {rule.endpoint}")
            seen.setdefault(key, rule.endpoint)
    assert not clashes
