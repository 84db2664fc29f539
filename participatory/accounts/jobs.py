"""Account work that must not show in the answer's delay: run on the job queue (participatory.jobs).

The password-reset request looks the address up, issues the link and sends it here, so the page
answers the same, in the same time, whether or not an account has the address.
"""

from __future__ import annotations

from flask_babel import force_locale

from participatory import clock
from participatory.accounts import mail
from participatory.accounts.services import identity
from participatory.extensions import db

TOKEN_PLACEHOLDER = "--token--"


def send_password_reset(email: str, link_pattern: str, locale: str) -> None:
    """A reset link to the account of `email`, if there is one; nothing otherwise.

    `link_pattern` is the reset page's full URL with TOKEN_PLACEHOLDER (a worker has no request to build it).
    """
    found = identity.request_password_reset(db.session, email=email, now=clock.now())
    if found is None:
        return
    user, token = found
    with force_locale(locale):  # promised in the token's transaction: the durable outbox sends it
        mail.promise(mail.password_reset(user.email, link_pattern.replace(TOKEN_PLACEHOLDER, token)))
    db.session.commit()
    mail.sent()
