"""Chaining the deferred audit events (ballots) in the background: `request_seal` after each commit.

With a queue, one Redis flag per queue says "a sealing job is on its way": a writer that finds it set
has nothing to do, since the job clears the flag before it reads the pending events, so it will see
that writer's event (committed before the writer looked at the flag). A writer that finds the flag
clear sets it and queues the job. The flag expires, so a lost job is replaced a minute later at most;
`flask audit seal` does the same by hand or from cron. Without a queue, sealing runs inline.
"""

from __future__ import annotations

import contextlib
import logging

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from participatory import jobs
from participatory.audit.services import seal
from participatory.extensions import db

log = logging.getLogger(__name__)
FLAG_SECONDS = 60


def _flag() -> str:
    return jobs.job_id("audit-seal-wanted")


def request_seal() -> None:
    """Have the pending audit events chained soon; call it after committing a deferred event."""
    if jobs.queued_mode():
        try:
            if not jobs.connection().set(_flag(), 1, nx=True, ex=FLAG_SECONDS):
                return  # a job is queued and has not started: it will chain this event too
        except RedisError:
            pass  # enqueue below finds Redis down too, and seals inline
    try:
        jobs.enqueue(seal_pending)
    except SQLAlchemyError as exc:  # inline: the caller's change is committed; the next seal chains the rest
        db.session.rollback()
        log.warning("audit events left pending, sealing failed: %s", type(exc).__name__)


def seal_pending() -> int:
    """The job: chain every pending event, a batch per transaction; how many were chained."""
    if jobs.queued_mode():
        with contextlib.suppress(RedisError):  # the flag expires on its own
            jobs.connection().delete(_flag())
    total = 0
    while True:
        count = seal(db.session)
        db.session.commit()
        total += count
        if not count:
            return total
