"""Pages of discussion: comments, supports and follows on any registered subject, the notifications page,
the preferences (shown on the account page) and the one-click unsubscribe (no sign-in: a signed token).

Views are thin: parse, call one service, commit once, redirect or render. A refusal renders
discussion/refused.html under the error's status, with nothing stored."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from participatory import clock, outbox
from participatory.accounts.policy import authorize
from participatory.accounts.ratelimits import account_or_address
from participatory.accounts.rules import utc
from participatory.discussion import forms, queries, rules, subjects
from participatory.discussion.errors import Conflict, DiscussionError, Forbidden
from participatory.discussion.models import Comment
from participatory.discussion.services import comments, follows, notifications, supports
from participatory.discussion.subjects import Subject
from participatory.extensions import csrf, db, limiter
from participatory.pages import refused

bp = Blueprint("discussion", __name__)

comment_limit = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_COMMENT"], scope="comment", methods=["POST"], key_func=account_or_address
)
support_limit = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_SUPPORT"], scope="support", methods=["POST"], key_func=account_or_address
)


def _subject_or_404(kind: str, subject_id: str) -> Subject:
    subject = subjects.load(db.session, kind, subject_id)
    if subject is None:
        abort(404)
    return subject


def _comment_or_404(comment_id: int) -> tuple[Comment, Subject]:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    return comment, _subject_or_404(comment.subject_kind, comment.subject_id)


def _page(subject: Subject, anchor: str = "") -> str:
    return subjects.url_of(subject.kind, subject.id) + anchor


def _refused(error: DiscussionError, subject: Subject | None, form=None):
    back = _page(subject) if subject is not None else url_for("discussion.notifications")
    return refused(error, "discussion/refused.html", back=back, form=form, subject=subject)


def _invalid(form, subject: Subject):
    db.session.rollback()
    return render_template("discussion/refused.html", back=_page(subject), form=form, subject=subject), 400


def _done(subject: Subject, message: str, anchor: str = ""):
    db.session.commit()
    outbox.dispatch()
    flash(message, "success")
    return redirect(_page(subject, anchor))


# --- Comments -----------------------------------------------------------------------------


@bp.post("/debats/<kind>/<subject_id>/commentaires")
@comment_limit
def post_comment(kind: str, subject_id: str):
    subject = _subject_or_404(kind, subject_id)
    authorize("account")
    form = forms.CommentForm()
    if not form.validate_on_submit():
        return _invalid(form, subject)
    parent_id = int(form.parent_id.data) if form.parent_id.data else None
    try:
        comment = comments.post(db.session, current_user, clock.now(), subject, form.body.data, parent_id)
    except DiscussionError as error:
        return _refused(error, subject, form)
    return _done(subject, _("Votre commentaire est publié."), f"#commentaire-{comment.id}")


@bp.route("/commentaires/<int:comment_id>/modifier", methods=["GET", "POST"])
@comment_limit
def edit_comment(comment_id: int):
    comment, subject = _comment_or_404(comment_id)
    authorize("account")
    form = forms.CommentForm(obj=comment if request.method == "GET" else None)
    refusal = rules.edit_refusal(
        comment.author_id == current_user.id, comment.hidden_at is not None, utc(comment.created_at), clock.now()
    )
    if refusal:
        kind = Forbidden if refusal == "not_author" else Conflict
        return _refused(kind(refusal, minutes=int(rules.EDIT_WINDOW.total_seconds() // 60)), subject)
    context = {"comment": comment, "subject": subject, "form": form, "back": _page(subject)}
    if not form.validate_on_submit():
        return render_template("discussion/edit.html", **context), 400 if request.method == "POST" else 200
    try:
        comments.edit(db.session, current_user, clock.now(), comment, subject, form.body.data)
    except DiscussionError as error:
        return _refused(error, subject, form)
    return _done(subject, _("Votre commentaire est modifié."), f"#commentaire-{comment.id}")


@bp.post("/commentaires/<int:comment_id>/signaler")
@comment_limit
def report_comment(comment_id: int):
    comment, subject = _comment_or_404(comment_id)
    authorize("account")
    form = forms.ReasonForm(prefix=f"report-{comment.id}")
    if not form.validate_on_submit():
        return _invalid(form, subject)
    try:
        comments.report(db.session, current_user, clock.now(), comment, form.reason.data)
    except DiscussionError as error:
        return _refused(error, subject, form)
    return _done(subject, _("Merci : le signalement est transmis à la modération."), f"#commentaire-{comment.id}")


@bp.post("/commentaires/<int:comment_id>/masquer")
def hide_comment(comment_id: int):
    comment, subject = _comment_or_404(comment_id)
    authorize("account")
    policy = subjects.policy_of(subject.kind)
    if policy is None or not policy.may_moderate(current_user, subject):
        abort(403)
    form = forms.ReasonForm(prefix=f"hide-{comment.id}")
    if not form.validate_on_submit():
        return _invalid(form, subject)
    try:
        comments.hide(db.session, current_user, clock.now(), comment, subject, form.reason.data)
    except DiscussionError as error:
        return _refused(error, subject, form)
    return _done(subject, _("Le commentaire est masqué ; le motif est publié."), f"#commentaire-{comment.id}")


# --- Supports and follows -------------------------------------------------------------------


def _act(kind: str, subject_id: str, service, message: str, anchor: str = ""):
    """One signed-in action on a subject (support, withdraw, follow): service(session, user, now, subject)."""
    subject = _subject_or_404(kind, subject_id)
    authorize("account")
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        service(db.session, current_user, clock.now(), subject)
    except DiscussionError as error:
        return _refused(error, subject)
    return _done(subject, message, anchor)


@bp.post("/debats/<kind>/<subject_id>/soutenir")
@support_limit
def support(kind: str, subject_id: str):
    return _act(kind, subject_id, supports.support, _("Votre soutien est enregistré."), "#soutiens")


@bp.post("/debats/<kind>/<subject_id>/retirer-soutien")
@support_limit
def withdraw_support(kind: str, subject_id: str):
    return _act(kind, subject_id, supports.withdraw, _("Votre soutien est retiré."), "#soutiens")


@bp.post("/debats/<kind>/<subject_id>/suivre")
@support_limit
def follow(kind: str, subject_id: str):
    message = _("Vous suivez désormais ce sujet. Réglez vos notifications depuis votre compte.")
    return _act(kind, subject_id, follows.follow, message)


@bp.post("/debats/<kind>/<subject_id>/ne-plus-suivre")
@support_limit
def unfollow(kind: str, subject_id: str):
    authorize("account")
    if subjects.policy_of(kind) is None or len(subject_id) > subjects.MAX_ID_CHARS:
        abort(404)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    follows.unfollow(db.session, current_user, clock.now(), kind, subject_id)
    db.session.commit()
    flash(_("Vous ne suivez plus ce sujet."), "success")
    subject = subjects.load(db.session, kind, subject_id)
    return redirect(
        _page(subject) if subject is not None and request.form.get("back") != "account" else url_for("accounts.home")
    )


# --- Notifications and preferences ----------------------------------------------------------


@bp.get("/notifications")
def notifications_page():
    authorize("account")
    items = queries.notifications_of(db.session, current_user.id)
    return render_template(
        "discussion/notifications.html",
        items=items,
        unread=sum(1 for n in items if n.read_at is None),
        action_form=forms.ActionForm(),
    )


@bp.post("/notifications/lues")
def mark_read():
    authorize("account")
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    notifications.mark_read(db.session, current_user, clock.now())
    db.session.commit()
    flash(_("Toutes vos notifications sont marquées comme lues."), "success")
    return redirect(url_for("discussion.notifications_page"))


@bp.post("/notifications/preferences")
def preferences():
    authorize("account")
    form = forms.PreferencesForm()
    if not form.validate_on_submit():
        return render_template("discussion/refused.html", back=url_for("accounts.home"), form=form, subject=None), 400
    try:
        follows.set_delivery(db.session, current_user, clock.now(), form.delivery.data)
    except DiscussionError as error:
        return _refused(error, None, form)
    db.session.commit()
    flash(_("Vos préférences de notification sont enregistrées."), "success")
    return redirect(url_for("accounts.home") + "#notifications")


@bp.route("/notifications/desabonnement/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail client posts without a session; the signed token is the authority
def unsubscribe(token: str):
    try:
        if request.method == "GET":
            notifications.user_of_token(db.session, token)  # a confirm page, changing nothing
        else:
            notifications.unsubscribe(db.session, token, clock.now())
    except DiscussionError as error:
        db.session.rollback()
        return render_template("discussion/unsubscribe.html", token=None, done=False, error=error.message), 404
    db.session.commit()
    return render_template("discussion/unsubscribe.html", token=token, done=request.method == "POST", error=None)


# --- What other domains' pages show ---------------------------------------------------------


@bp.app_context_processor
def discussion_helpers() -> dict:
    def discussion_panel(kind: str, subject_id) -> Markup:
        subject = subjects.load(db.session, kind, str(subject_id))
        policy = subjects.policy_of(kind)
        if subject is None or policy is None:
            return Markup("")
        now = clock.now()
        user_id = current_user.id if current_user.is_authenticated else None
        moderates = current_user.is_authenticated and policy.may_moderate(current_user, subject)
        comment_refusal = (
            rules.comment_refusal(user_id is not None, policy.comment_refusal(db.session, current_user, subject, now))
            if user_id is not None
            else ("sign_in" if policy.comments_open(subject, now) else "comments_closed")
        )
        support_refusal = (
            policy.support_refusal(db.session, current_user, subject, now) if user_id is not None else "sign_in"
        )
        return Markup(
            render_template(
                "discussion/_panel.html",
                subject=subject,
                policy=policy,
                threads=queries.threads(db.session, kind, subject.id) if policy.commentable else [],
                reports=queries.report_counts(db.session, kind, subject.id) if moderates else {},
                moderates=moderates,
                comments_open=policy.comments_open(subject, now),
                comment_refusal=comment_refusal,
                support_count=queries.support_count(db.session, kind, subject.id) if policy.supportable else 0,
                supported=queries.supports(db.session, user_id, kind, subject.id),
                support_refusal=support_refusal,
                followed=queries.follows(db.session, user_id, kind, subject.id),
                comment_form=forms.CommentForm(),
                action_form=forms.ActionForm(),
                now=now,
                edit_window=rules.EDIT_WINDOW,
                ReasonForm=forms.ReasonForm,
            )
        )

    def follow_button(kind: str, subject_id) -> Markup:
        subject = subjects.load(db.session, kind, str(subject_id))
        if subject is None:
            return Markup("")
        user_id = current_user.id if current_user.is_authenticated else None
        return Markup(
            render_template(
                "discussion/_follow.html",
                subject=subject,
                followed=queries.follows(db.session, user_id, kind, subject.id),
                action_form=forms.ActionForm(),
            )
        )

    def support_counts(kind: str, ids) -> dict[str, int]:
        return queries.support_counts(db.session, kind, [str(i) for i in ids])

    def unread_notifications() -> int:
        return queries.unread_count(db.session, current_user.id) if current_user.is_authenticated else 0

    def notification_settings() -> dict:
        form = forms.PreferencesForm()
        form.delivery.data = follows.delivery_of(db.session, current_user.id)
        items = []
        for item in queries.follows_of(db.session, current_user.id):
            subject = subjects.load(db.session, item.subject_kind, item.subject_id)
            items.append((item, subject, _page(subject) if subject else None))
        return {"form": form, "follows": items, "action_form": forms.ActionForm()}

    def notification_text(item) -> str:
        return forms.sentence(item.event, item.title, item.detail)

    def notification_url(item) -> str:
        return subjects.url_of(item.subject_kind, item.subject_id)

    return {
        "discussion_panel": discussion_panel,
        "follow_button": follow_button,
        "support_counts": support_counts,
        "unread_notifications": unread_notifications,
        "notification_settings": notification_settings,
        "notification_text": notification_text,
        "notification_url": notification_url,
        "kind_labels": forms.KIND_LABELS,
    }
