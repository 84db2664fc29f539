"""Background work of discussion, run by `flask discussion …` (cron) or by a worker: each commits, then
hands the new mail to the outbox's senders."""

from __future__ import annotations

from participatory import clock, outbox
from participatory.discussion.services import notifications
from participatory.extensions import db


def announce() -> int:
    made = notifications.run_sources(db.session, clock.now())
    db.session.commit()
    outbox.dispatch()
    return made


def send_digests() -> tuple[int, int]:
    made = announce()
    sent = notifications.send_digests(db.session, clock.now())
    db.session.commit()
    outbox.dispatch()
    return made, sent
