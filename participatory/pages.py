"""What every domain's views share: the request clock and re-rendering a refused action."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, render_template

from participatory.extensions import db


def utcnow() -> datetime:
    """The `now` views pass to services (services never read the clock themselves)."""
    return datetime.now(UTC)


def refused(error, template: str, **context):
    """Render the page again with a domain error's reason, under its status; nothing is stored.

    `error` is any domain error with `message` and `status` (CallError, CrowdfundingError).
    """
    db.session.rollback()
    flash(error.message, "error")
    return render_template(template, **context), error.status
