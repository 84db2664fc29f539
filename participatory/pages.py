"""What every domain's views share: answering a refused action (the clock is participatory.clock)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, render_template
from werkzeug.wrappers import Response

from participatory.domain_errors import DomainError
from participatory.extensions import db


def refused(error: DomainError, page: str | Response | Callable[[], Any], /, **context: Any) -> Any:
    """The one answer to a DomainError in a view: nothing the action did is stored, and the person is told why.

    The transaction rolls back (or commits, when the refusal itself must be kept: `error.commit`). The
    message goes onto the field `error.field` of the form in `context["form"]` when there is one, and is
    flashed otherwise. `page` is a template, rendered again with `context` under the error's status; or
    a response already made (a redirect back); or a function making one, called after the rollback.
    A template also gets the error's code as `refusal`, to offer the next step (templates/calls/refused.html).
    """
    if error.commit:
        db.session.commit()
    else:
        db.session.rollback()
    field = getattr(context.get("form"), error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")
    if isinstance(page, str):
        return render_template(page, **{"refusal": error.code, **context}), error.status
    if isinstance(page, Response):
        return page
    return page()
