"""The account emails (in the reader's current language): `promise` writes one in the outbox before the
view's commit, `sent` hands the promised ones to the sender after it (participatory/outbox.py)."""

from __future__ import annotations

import logging
import smtplib

from flask import url_for
from flask_babel import gettext as _

from participatory import clock, outbox
from participatory.extensions import db
from participatory.mail import Mail, send

log = logging.getLogger(__name__)


def promise(mail: Mail) -> None:
    """Write the mail in the outbox, in the transaction the view is about to commit."""
    outbox.add(db.session, mail, clock.now())


def sent() -> bool:
    """After the commit: send the promised mail; False if the relay failed (the outbox retries it)."""
    return outbox.dispatch()


def deliver(mail: Mail) -> bool:
    """Send; a mail server failure is logged (without the address) and reported as False, never a 500."""
    try:
        send(mail)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("account email not sent: %s", type(exc).__name__)
        return False
    return True


def confirmation(email: str, token: str) -> Mail:
    link = url_for("accounts.confirm_email", token=token, _external=True)
    return Mail(
        to=email,
        subject=_("Confirmez votre adresse électronique"),
        body=_(
            "Bonjour,\n\nPour confirmer votre adresse électronique sur la plateforme des budgets participatifs, "
            "ouvrez ce lien (valable 48 heures, une seule fois) :\n\n%(link)s\n\n"
            "Si vous n'avez pas créé de compte, ignorez ce message.",
            link=link,
        ),
    )


def already_registered(email: str) -> Mail:
    login = url_for("accounts.login", _external=True)
    reset = url_for("accounts.forgot_password", _external=True)
    return Mail(
        to=email,
        subject=_("Une inscription avec votre adresse"),
        body=_(
            "Bonjour,\n\nQuelqu'un a voulu créer un compte avec votre adresse, qui en a déjà un. "
            "Si c'était vous, connectez-vous : %(login)s\nMot de passe oublié : %(reset)s\n\n"
            "Sinon, ignorez ce message : rien n'a changé.",
            login=login,
            reset=reset,
        ),
    )


def password_reset(email: str, link: str) -> Mail:
    return Mail(
        to=email,
        subject=_("Réinitialisation de votre mot de passe"),
        body=_(
            "Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable une heure, une seule fois) :"
            "\n\n%(link)s\n\nSi vous n'avez rien demandé, ignorez ce message : votre mot de passe reste le même.",
            link=link,
        ),
    )
