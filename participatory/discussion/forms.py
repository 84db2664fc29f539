"""Forms of discussion (the shared Form refuses control characters in every field) and the labels pages
and mail show."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from participatory.discussion import rules
from participatory.forms import Form, options

DELIVERY_LABELS = {
    rules.SITE: _l("Sur le site seulement"),
    rules.IMMEDIATE: _l("Par courriel, à chaque événement"),
    rules.DAILY: _l("Par courriel, un résumé quotidien"),
    rules.WEEKLY: _l("Par courriel, un résumé hebdomadaire"),
}
# What happened, as a sentence about the subject's title and the event's detail.
EVENT_SENTENCES = {
    rules.PHASE: _l("« %(title)s » entre dans une nouvelle phase : %(detail)s."),
    rules.REVIEW: _l("Le projet « %(title)s » a été examiné : %(detail)s."),
    rules.IMPLEMENTATION: _l("Nouvelle étape de réalisation pour « %(title)s » : %(detail)s."),
    rules.REPLY: _l("Quelqu'un a répondu à votre commentaire sur « %(title)s »."),
    rules.RESULTS: _l("Les résultats de « %(title)s » sont publiés."),
}
# Details other domains put in their events (a phase, a review decision, an implementation status).
DETAIL_LABELS = {
    "proposals": _l("dépôt des projets"),
    "review": _l("examen des projets"),
    "voting": _l("vote"),
    "results": _l("résultats"),
    "feasible": _l("réalisable"),
    "infeasible": _l("non réalisable"),
    "planned": _l("prévu"),
    "in_progress": _l("en cours"),
    "done": _l("réalisé"),
    "cancelled": _l("annulé"),
}
KIND_LABELS = {
    "proposal": _l("Projet"),
    "call": _l("Appel à projets"),
    "constituency": _l("Circonscription"),
}


def sentence(event: str, title: str, detail: str) -> str:
    template = EVENT_SENTENCES.get(event)
    if template is None:
        return title
    return str(template) % {"title": title, "detail": str(DETAIL_LABELS.get(detail, detail))}


class CommentForm(Form):
    body = TextAreaField(
        _l("Votre commentaire"),
        validators=[DataRequired(), Length(max=rules.MAX_COMMENT_CHARS)],
        render_kw={"rows": 3, "maxlength": rules.MAX_COMMENT_CHARS},
    )
    parent_id = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,10}$")])


class ReasonForm(Form):
    reason = StringField(
        _l("Motif"), validators=[DataRequired(), Length(max=rules.MAX_REASON_CHARS)], render_kw={"maxlength": 500}
    )


class ActionForm(Form):
    """A button that only needs the CSRF token."""


class PreferencesForm(Form):
    delivery = RadioField(
        _l("Comment être prévenu"),
        choices=options(DELIVERY_LABELS.items()),
        validators=[DataRequired()],
    )
