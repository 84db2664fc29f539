"""Emails of the calls domain, in French then English (the recipient's language is not known).

Built after the service succeeded and written in the outbox (participatory/outbox.py) by the view, in the
transaction that commits the change; the send_* functions send at once (no outbox), for older callers.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from participatory.calls.models import Proposal
from participatory.mail import Mail, send


def _bilingual(render) -> tuple[str, str]:
    parts = []
    for locale in ("fr", "en"):
        with force_locale(locale):
            parts.append(render())
    subject = f"{parts[0][0]} / {parts[1][0]}"
    body = f"{parts[0][1]}\n\n----\n\n{parts[1][1]}"
    return subject, body


def send_review_notice(to: str, proposal: Proposal) -> None:
    send(review_notice(to, proposal))


def review_notice(to: str, proposal: Proposal) -> Mail:
    link = url_for("calls.proposal", proposal_id=proposal.id, _external=True)

    def render():
        if proposal.feasibility == "feasible":
            subject = _("Votre projet « %(title)s » est réalisable", title=proposal.title)
            body = _(
                "L'équipe de votre député a examiné votre projet « %(title)s » : il est réalisable et sera "
                "soumis au vote.",
                title=proposal.title,
            )
        else:
            subject = _("Votre projet « %(title)s » n'est pas réalisable", title=proposal.title)
            body = _(
                "L'équipe de votre député a examiné votre projet « %(title)s » : il n'est pas réalisable. "
                "Motif publié : %(reason)s",
                title=proposal.title,
                reason=proposal.review_reason,
            )
        return subject, f"{body}\n\n{link}"

    subject, body = _bilingual(render)
    return Mail(to=to, subject=subject, body=body)


def send_ballot_receipt(to: str, call, code: str, changed: bool) -> None:
    send(ballot_receipt(to, call, code, changed))


def ballot_receipt(to: str, call, code: str, changed: bool, renewed: bool = False) -> Mail:
    """`call`: the call, or the row the ballot service read it as (id and title are what is used)."""
    return receipt_mail(**receipt_params(to, call, code, changed, renewed))


def receipt_params(to: str, call, code: str, changed: bool, renewed: bool = False) -> dict[str, Any]:
    """What the receipt mail is made of, as plain values: the ballot view promises the mail with them
    (outbox.add_deferred) and the worker renders it (`receipt_mail`); the link needs the request."""
    link = url_for("calls.receipt", call_id=call.id, _external=True)
    return {"to": to, "title": call.title, "code": code, "changed": changed, "renewed": renewed, "link": link}


def receipt_mail(to: str, title: str, code: str, changed: bool, renewed: bool, link: str) -> Mail:
    """The receipt mail, in French then English (rendered by the outbox's sender for the ballot view)."""

    def render():
        subject = _("Votre bulletin pour « %(title)s »", title=title)
        if renewed:
            intro = _(
                "Voici le nouveau code de reçu de votre bulletin, qui reste inchangé ; l'ancien n'est plus valable."
            )
        else:
            intro = _("Votre bulletin a été modifié.") if changed else _("Votre bulletin a été enregistré.")
        body = _(
            "%(intro)s Votre code de reçu : %(code)s\n\nGardez-le : après la publication des résultats, il "
            "vous permet de vérifier que votre bulletin est bien compté. Il n'est pas conservé par la "
            "plateforme et ne sera pas renvoyé.",
            intro=intro,
            code=code,
        )
        return subject, f"{body}\n\n{link}"

    subject, body = _bilingual(render)
    return Mail(to=to, subject=subject, body=body)
