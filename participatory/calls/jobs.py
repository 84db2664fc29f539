"""Background jobs of the calls domain, run by `flask jobs worker` or inline (participatory/jobs.py)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from participatory import clock
from participatory.calls.services.results import close_call
from participatory.extensions import db

CLOSE_TIMEOUT = 1800  # seconds: a national call's tally takes seconds; leave room for a loaded database


def close_due_call(call_id: int) -> None:
    """Compute and store a closed call's results (nothing when not due or already stored), then commit."""
    try:
        close_call(db.session, call_id, clock.now())
        db.session.commit()
    except IntegrityError:  # another closer stored them first: theirs are the results
        db.session.rollback()
