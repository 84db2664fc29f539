"""One domain error (participatory.domain_errors): codes, messages, statuses, and the two ways a page answers it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import get_flashed_messages
from wtforms import StringField

from participatory.accounts.errors import MESSAGES as ACCOUNT_MESSAGES
from participatory.accounts.errors import AccountError, TokenError
from participatory.calls.errors import CallError, Conflict, Forbidden, NotFound, raise_if
from participatory.crowdfunding.errors import CrowdfundingError, PaymentUnavailable
from participatory.domain_errors import DomainError
from participatory.errors import handle_domain_error
from participatory.forms import Form
from participatory.pages import refused

DOMAINS = [
    (CallError, "bad_year", "L'année doit être comprise entre 2000 et 2100."),
    (CrowdfundingError, "below_minimum", "Le don minimum est de 1 €."),
    (AccountError, "password_wrong", "Le mot de passe est incorrect."),
    (TokenError, "expired", "Ce lien a expiré : demandez-en un nouveau."),
]


@pytest.mark.parametrize(("kind", "code", "message"), DOMAINS)
def test_every_domain_error_is_a_domain_error_with_its_own_messages(app, kind, code, message):
    with app.test_request_context("/"):
        error = kind(code)
        assert isinstance(error, DomainError) and error.status == 400 and error.code == code
        assert error.message == message


def test_str_is_the_code_but_for_account_errors_which_print_their_message(app):
    with app.test_request_context("/"):
        assert str(CallError("bad_year")) == "bad_year"
        assert str(AccountError("password_wrong")) == "Le mot de passe est incorrect."


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Forbidden("not_author"), 403),
        (NotFound("not_found"), 404),
        (Conflict("no_ballot"), 409),
        (PaymentUnavailable("payment_unavailable"), 503),
        (CallError("frozen", status=409), 409),
    ],
)
def test_statuses_come_from_the_subclass_or_an_argument(error, status):
    assert error.status == status


def test_params_fill_the_message_and_a_code_without_message_shows_as_itself(app):
    with app.test_request_context("/"):
        assert "14 jours" in CallError("voting_too_short", days=14).message
        assert AccountError("letter_code_wrong_tries_left", n=2).message.endswith("Essais restants : 2.")
        # a param named like an argument of the error still reaches the message
        assert AccountError("unknown_constituency", code="99-99").message == "Circonscription inconnue : 99-99."
        assert CallError("no_such_code").message == "no_such_code"
        # params given to a message without placeholders change nothing (no stray % formatting)
        assert CrowdfundingError("over_cap", remaining_cents=10).message.startswith("Ce don dépasserait")


def test_raise_if_raises_the_class_it_is_called_on_or_the_kind_given():
    raise_if(None)
    with pytest.raises(CallError, match="bad_year"):
        raise_if("bad_year")
    with pytest.raises(Conflict):
        raise_if("no_ballot", Conflict)
    with pytest.raises(Forbidden):
        Forbidden.raise_if("not_author")
    with pytest.raises(CallError) as caught:
        CallError.raise_if("voting_too_short", days=9)
    assert caught.value.params == {"days": 9}


class _EmailForm(Form):
    email = StringField()


def test_refused_puts_a_field_error_on_the_form_and_flashes_the_others(app):
    with app.test_request_context("/", method="POST"):
        form = _EmailForm(meta={"csrf": False})
        error = AccountError("no_account_for_email", field="email", email="a@b.c")
        _, status = refused(error, "error.html", form=form, error={"code": 400})
        assert status == 400 and form.email.errors == ["Aucun compte n'a l'adresse a@b.c."]
        assert get_flashed_messages() == []
    with app.test_request_context("/"):
        response = refused(Conflict("no_ballot"), lambda: ("page", 200))
        assert response == ("page", 200) and get_flashed_messages() == ["Vous n'avez pas de bulletin à annuler."]


def test_an_unanswered_domain_error_is_json_under_the_api_and_an_error_page_elsewhere(app):
    with app.test_request_context("/api/v1/appels/1"):
        response = handle_domain_error(Forbidden("not_your_constituency"))
        assert response.status_code == 403
        assert response.get_json() == {
            "error": "not_your_constituency",
            "message": "Vous ne gérez pas cette circonscription.",
            "status": 403,
        }
    with app.test_request_context("/appels/1"):
        body, status = handle_domain_error(Conflict("no_ballot"))
        assert status == 409 and "pas de bulletin à annuler." in body


ROOT = Path(__file__).resolve().parent.parent
ACCOUNTS = ROOT / "participatory" / "accounts"


def _sources(*paths: Path) -> list[Path]:
    return [file for path in paths for file in ([path] if path.is_file() else sorted(path.rglob("*.py")))]


def test_the_accounts_rules_and_services_say_codes_and_import_no_translations():
    for file in _sources(ACCOUNTS / "rules.py", ACCOUNTS / "services"):
        imported = {
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8")))
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not {name for name in imported if name and name.startswith("flask_babel")}, file


def _literal_codes(file: Path, names: set[str]) -> set[str]:
    """The string codes given literally to the error classes `names` in `file`."""
    codes = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in names:
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                codes.add(first.value)
    return codes


def test_every_code_raised_or_returned_by_the_accounts_has_a_message():
    raised = set().union(*(_literal_codes(f, {"AccountError"}) for f in _sources(ACCOUNTS)))
    rules_tree = ast.parse((ACCOUNTS / "rules.py").read_text(encoding="utf-8"))
    returned = {
        node.value.value
        for function in rules_tree.body
        if isinstance(function, ast.FunctionDef)
        and function.name.endswith("_problem")
        and function.name != "identity_claims_problem"  # its codes go to the log, not to the person
        for node in ast.walk(function)
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }
    assert raised and returned
    assert (raised | returned) - set(ACCOUNT_MESSAGES) == set()
