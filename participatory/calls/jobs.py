"""Background jobs of the calls domain, run by `flask jobs worker` or inline (participatory/jobs.py),
and when pages and the API start them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from participatory import clock, jobs, outbox
from participatory.calls import rules
from participatory.calls.models import Call
from participatory.calls.services.calls import phase_of
from participatory.calls.services.results import close_call
from participatory.extensions import db

CLOSE_TIMEOUT = 1800  # seconds: a national call's tally takes seconds; leave room for a loaded database


def close_due_call(call_id: int) -> None:
    """Compute and store a closed call's results (nothing when not due or already stored), then commit."""
    try:
        close_call(db.session, call_id, clock.now())
        db.session.commit()
        outbox.dispatch()  # followers who asked to be told at once (discussion)
    except IntegrityError:  # another closer stored them first: theirs are the results
        db.session.rollback()


def close_if_due(call: Call, now: datetime) -> None:
    """Results are computed after the close date by the first request that sees it (inline), or by a worker
    (one job per call however many requests ask; the page says "pending" meanwhile); the CLI runs on schedule."""
    if call.result is not None or phase_of(call, now) != rules.RESULTS:
        return
    if jobs.enqueue(close_due_call, call.id, key=f"close-call-{call.id}", timeout=CLOSE_TIMEOUT):
        return
    db.session.refresh(call)
