"""Ids and URL parameters a database or a header cannot hold: a 4xx (or the safe default), never a 500.

Every `<int:…>` route of the app is taken from the URL map, so a route added later is covered too.
Run on SQLite and PostgreSQL (TEST_DATABASE_URL): SQLite refuses ints past 2⁶³, PostgreSQL past 2³¹.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from participatory.accounts.rules import ADMIN, MP
from participatory.i18n import safe_next
from participatory.routing import MAX_ID
from participatory.text import forbidden_character
from tests.accounts.conftest import make_account, sign_in

TOO_BIG = [str(MAX_ID + 1), str(2**32), str(2**63 - 1), str(2**63), str(2**64), "9" * 19, "1" * 60, "7" * 5000]
NOT_ASCII = ["١٢٣", "²", "１２"]


def int_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if any(type(c).__name__ == "BoundedIntConverter" for c in rule._converters.values()):
            method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
            routes.append((rule.rule, method))
    return sorted(routes)


def _fill(rule: str, value: str) -> str:
    path = re.sub(r"<int:[^>]+>", value, rule)
    return re.sub(r"<(?:string:)?[a-z_]+>", "33-04", path)


@pytest.fixture
def admin_client(app):
    with app.app_context():
        admin = make_account("admin@example.org", roles=((ADMIN, None), (MP, "33-04")))
    client = app.test_client()
    sign_in(client, admin)
    return client


def test_every_int_route_uses_the_bounded_converter(app):
    from werkzeug.routing import IntegerConverter

    from participatory.routing import BoundedIntConverter

    converters = [c for r in app.url_map.iter_rules() for c in r._converters.values()]
    ints = [c for c in converters if isinstance(c, IntegerConverter)]
    assert len(ints) > 20 and all(isinstance(c, BoundedIntConverter) and c.max == MAX_ID for c in ints)


@pytest.mark.parametrize("value", [*TOO_BIG, *NOT_ASCII])
def test_ids_no_row_can_have_are_404_on_every_route(app, admin_client, value):
    for rule, method in int_routes(app):
        response = admin_client.open(_fill(rule, value), method=method)
        assert response.status_code == 404, (rule, method, value[:20], response.status_code)


@pytest.mark.parametrize("value", ["0", str(MAX_ID), "0000000001"])
def test_the_largest_id_that_fits_reaches_the_view_and_is_not_a_500(app, admin_client, value):
    for rule, method in int_routes(app):
        response = admin_client.open(_fill(rule, value), method=method)
        assert response.status_code < 500, (rule, method, value, response.status_code)


NEXT = [
    "/compte%0d%0aSet-Cookie:%20x=1",
    "/a%0Ab",
    "/a%00b",
    "/a%1bb",
    "/a%E2%80%A8b",  # U+2028
    "/a%E2%80%AEb",  # right-to-left override
    "/%5C%5Cevil.example",  # \\evil.example
    "/%5Cevil.example",
    "//evil.example",
    "https://evil.example/",
    "//[",
]


@pytest.mark.parametrize("value", NEXT)
def test_a_next_parameter_with_control_characters_falls_back_home(app, value):
    """Control characters are refused for every query (400); other hostile targets go home."""
    response = app.test_client().get(f"/lang/fr?next={value}")
    if response.status_code == 400:
        assert forbidden_character(unquote(value)) is not None
    else:
        assert response.status_code == 302 and response.headers["Location"] == "/"
    assert safe_next(unquote(value)) == "/"  # and the function itself, for any other caller


@pytest.mark.parametrize("value", NEXT)
def test_signing_in_again_with_a_hostile_next_goes_home(app, admin_client, value):
    response = admin_client.get(f"/compte/connexion?next={value}")
    assert response.status_code == 400 or response.headers["Location"] in ("/", "/compte")


@pytest.mark.parametrize("value", ["/appels", "/appels?phase=voting", "/propositions/3#x"])
def test_a_local_next_is_kept(value):
    assert safe_next(value) == value


@pytest.mark.parametrize(
    "ids",
    [["1" * 60], [str(2**31)], [str(2**63)], ["-1"], ["0"], ["١"], ["1", "abc"], ["7" * 5000]],
    ids=lambda v: v[0][:12],
)
def test_letter_ids_no_row_can_have_are_a_clear_400(app, ids):
    with app.app_context():
        mp = make_account("mp@example.org", roles=((MP, "33-04"),))
    team = app.test_client()
    sign_in(team, mp)
    response = team.post(
        "/gestion/courriers/33-04",
        data={"letters": ids, "validity_days": "30", "file_format": "csv", "action": "generate"},
    )
    assert response.status_code == 400
    assert "Sélection non valide" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 5000, "-1", "abc"])
def test_query_numbers_in_other_scripts_are_not_a_500(app, admin_client, value):
    assert admin_client.get(f"/admin/utilisateurs?page={value}").status_code == 200
    assert admin_client.get(f"/api/v1/calls/33-04/exports/results.json?year={value}").status_code in (
        400,
        404,
    )


def text_routes(app) -> list[str]:
    return sorted(
        r.rule
        for r in app.url_map.iter_rules()
        if "GET" in r.methods and any(type(c).__name__ == "TextConverter" for c in r._converters.values())
    )


@pytest.mark.parametrize("value", ["%00", "a%00b", "33-04%0A", "%0D%0A", "%1B", "%E2%80%AE", "%E2%80%A8"])
def test_text_path_segments_with_control_characters_are_404(app, admin_client, value):
    routes = text_routes(app)
    assert len(routes) > 5
    for rule in routes:
        path = re.sub(r"<int:[^>]+>", "1", rule)
        path = re.sub(r"<(?:string:|path:)?[a-z_]+>", value, path)
        assert admin_client.get(path).status_code == 404, path


@pytest.mark.parametrize("value", ["%00", "a%00b", "x%0Ay", "%1B[31m", "%E2%80%AE"])
@pytest.mark.parametrize("url", ["/appels?q={}", "/appels?departement={}", "/api/v1/calls?phase={}", "/?{}=1"])
def test_query_parameters_with_control_characters_are_a_400(app, admin_client, url, value):
    response = admin_client.get(url.format(value))
    assert response.status_code == 400
