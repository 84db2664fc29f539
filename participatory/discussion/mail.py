"""Emails of discussion, in French then English (the recipient's language is not known): one event at
once, or a digest. Every one carries a one-click unsubscribe (RFC 8058): `List-Unsubscribe` with the
signed link and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from participatory.discussion import forms, rules, subjects
from participatory.mail import Mail


def _bilingual(render) -> tuple[str, str]:
    parts = []
    for locale in ("fr", "en"):
        with force_locale(locale):
            parts.append(render())
    return f"{parts[0][0]} / {parts[1][0]}", f"{parts[0][1]}\n\n----\n\n{parts[1][1]}"


def unsubscribe_url(token: str) -> str:
    return subjects.link("discussion.unsubscribe", True, token=token)


def _with_unsubscribe(to: str, subject: str, body: str, token: str) -> Mail:
    url = unsubscribe_url(token)
    footer = _footer(url)
    return Mail(
        to=to,
        subject=subject,
        body=f"{body}\n\n{footer}",
        headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def _footer(url: str) -> str:
    parts = []
    for locale in ("fr", "en"):
        with force_locale(locale):
            parts.append(
                _(
                    "Vous recevez ce courriel parce que vous suivez ce sujet. Ne plus recevoir aucun courriel de "
                    "suivi (les notifications restent sur le site) : %(url)s",
                    url=url,
                )
            )
    return "\n".join(parts)


def notification_mail(to: str, notification, token: str) -> Mail:
    link = subjects.url_of(notification.subject_kind, notification.subject_id, external=True)

    def render():
        subject = _("Du nouveau : %(title)s", title=notification.title)
        return subject, f"{forms.sentence(notification.event, notification.title, notification.detail)}\n{link}"

    subject, body = _bilingual(render)
    return _with_unsubscribe(to, subject, body, token)


def digest_mail(to: str, delivery: str, groups: list[rules.DigestGroup], details: dict, token: str) -> Mail:
    """`details` maps (kind, id, event, at) to each event's detail."""
    count = sum(len(group.items) for group in groups)

    def render():
        if delivery == rules.WEEKLY:
            subject = _("Votre résumé de la semaine : %(count)s nouveautés", count=count)
        else:
            subject = _("Votre résumé du jour : %(count)s nouveautés", count=count)
        blocks = []
        for group in groups:
            lines = [f"{group.title}\n{subjects.url_of(*group.subject, external=True)}"]
            for item in group.items:
                detail = details.get((*item.subject, item.event, item.at), "")
                lines.append(f"  - {forms.sentence(item.event, item.title, detail)}")
            blocks.append("\n".join(lines))
        return subject, "\n\n".join(blocks)

    subject, body = _bilingual(render)
    return _with_unsubscribe(to, subject, body, token)
