"""Pages of the mandate domain: one blueprint, routes by subject (agenda, consultations).
Views are thin: parse, call one service, commit once, redirect or render."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user

from participatory.accounts.policy import allowed
from participatory.extensions import db
from participatory.mandate import forms

bp = Blueprint("mandate", __name__)


def get_or_404(model, ident: int):
    item = db.session.get(model, ident)
    if item is None:
        abort(404)
    return item


def page_number() -> int:
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 7 and int(raw) >= 1):
        abort(400, description="page must be a number from 1")
    return int(raw)


@bp.app_context_processor
def mandate_helpers() -> dict:
    def may_publish_agenda(code: str) -> bool:
        return allowed(current_user, "agenda.publish", code)

    def may_manage_consultations(code: str) -> bool:
        return allowed(current_user, "consultation.manage", code)

    return {
        "may_publish_agenda": may_publish_agenda,
        "may_manage_consultations": may_manage_consultations,
        "amendment_status_labels": forms.STATUS_LABELS,
    }


from participatory.mandate import personal_data  # noqa: E402,F401  (the personal-data part, deletion)
from participatory.mandate.views import agenda, consultations  # noqa: E402,F401  (routes on bp)
