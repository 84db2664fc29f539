"""Pages of the accounts domain: one blueprint, split by topic.

Views are thin: check the policy, validate the form, call one service, commit once,
then send email (after the commit) and redirect; an invalid form is re-rendered with
the person's input and a 400 status.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from participatory.extensions import login_manager
from participatory.i18n import safe_next

bp = Blueprint("accounts", __name__)


@bp.record_once
def _configure_login(state) -> None:
    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"


@bp.after_request
def private_pages(response):
    # Account pages carry personal data: never kept by a shared cache or the browser's history cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def show(template: str, form=None, **context):
    """Render a page; a submitted form that did not go through is answered 400."""
    status = 400 if form is not None and request.method == "POST" else 200
    return render_template(template, form=form, **context), status


def next_page(default_endpoint: str = "accounts.home") -> str:
    target = request.args.get("next")
    return safe_next(target) if target else url_for(default_endpoint)


def back_to(endpoint: str, **values):
    return redirect(url_for(endpoint, **values))


# The routes, registered on `bp` when imported.
from participatory.accounts.views import account, admin, auth, franceconnect, letters, residence  # noqa: E402,F401
