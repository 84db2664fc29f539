"""The MP's dashboard: for each of their constituencies, the call and its phase, what waits for them
(proposals to review, reports to moderate, verification letters to send, winners without news) and a
shortcut to each."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from participatory import clock
from participatory.accounts.policy import authorize
from participatory.accounts.services import letters
from participatory.calls import queries
from participatory.calls.views import bp
from participatory.extensions import db


@bp.get("/espace-depute")
def desk():
    authorize("mp.desk")
    now = clock.now()
    pending = letters.pending_counts(db.session)
    desks = [queries.desk(db.session, code, now) for code in sorted(set(current_user.mp_constituencies()))]
    return render_template(
        "calls/desk.html",
        desks=[d for d in desks if d is not None],
        letters=pending,
    )
