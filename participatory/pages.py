"""What every domain's views share: re-rendering a refused action (the clock is participatory.clock)."""

from __future__ import annotations

from flask import flash, render_template

from participatory.extensions import db


def refused(error, template: str, **context):
    """Render the page again with a domain error's reason, under its status; nothing is stored.

    `error` is any domain error with `message` and `status` (CallError, CrowdfundingError).
    """
    db.session.rollback()
    flash(error.message, "error")
    return render_template(template, **context), error.status
