"""The ballot page (live budget bar in static/js/ballot.js; the server re-checks everything),
changing and cancelling a ballot, and checking a receipt code."""

from __future__ import annotations

from collections import OrderedDict
from functools import partial

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from participatory import clock, outbox
from participatory.accounts.policy import authorize
from participatory.accounts.ratelimits import vote_limit
from participatory.audit.jobs import request_seal
from participatory.calls import forms, rules
from participatory.calls.errors import CallError, Forbidden
from participatory.calls.jobs import close_if_due
from participatory.calls.mail import receipt_mail, receipt_params
from participatory.calls.services import ballots as services
from participatory.calls.services.calls import phase_of
from participatory.calls.services.proposals import ballot_proposals
from participatory.calls.views import bp, call_or_404, money, refused
from participatory.extensions import db


def _chosen() -> list[int] | None:
    values = request.form.getlist("projects")
    if not all(v.isascii() and v.isdigit() and len(v) < 10 for v in values):
        return None
    return [int(v) for v in values]


@bp.route("/appels/<int:call_id>/vote", methods=["GET", "POST"])
@vote_limit  # per account: voters behind one address do not share a budget
def ballot(call_id: int):
    authorize("account")
    if request.method == "POST":
        return _submit(call_id)
    call = call_or_404(call_id)
    now = clock.now()
    close_if_due(call, now)
    refusal = rules.vote_refusal(
        phase_of(call, now),
        call.constituency_code,
        current_user.constituency_code,
        current_user.meets_verification(call.verification_level),
    )
    if refusal:
        return refused(Forbidden(refusal), "calls/refused.html", call=call)
    return _ballot_page(call)


def _ballot_page(call, chosen: list[int] | None = None, status: int = 200):
    current = services.ballot_of(db.session, call, current_user)
    selected = set(chosen if chosen is not None else current.proposal_ids if current else [])
    return render_template(
        "calls/ballot.html",
        call=call,
        form=forms.ActionForm(),
        ballot=current,
        chosen=selected,
        projects=ballot_proposals(db.session, call),
    ), status


def _submit(call_id: int):
    """The busiest write of a national vote: the service checks and stores in a few statements,
    and the ballot page is only rebuilt when the ballot is refused."""
    chosen = _chosen()
    if not forms.ActionForm().validate_on_submit() or chosen is None:
        call = call_or_404(call_id)
        flash(_("Le bulletin envoyé n'est pas valide."), "error")
        return _ballot_page(call, status=400)
    now = clock.now()
    try:
        receipt = services.cast(db.session, current_user, now, call_id, chosen)
    except CallError as error:
        return refused(error, partial(_refused_ballot, error, call_id, chosen))
    if current_user.email:  # the receipt mail is committed with the ballot, or neither is; the worker renders it
        params = receipt_params(current_user.email, receipt.call, receipt.code, receipt.changed)
        outbox.add_deferred(db.session, receipt_mail, params, now)
    # What the page shows was just written by this transaction: no need to read it back after the commit.
    db.session().expire_on_commit = False  # type: ignore[operator]  # the scoped_session called: the Session
    db.session.commit()
    request_seal()
    outbox.dispatch()
    return _receipt_page(receipt.call, receipt.code, receipt.choices, changed=receipt.changed)


# Rendered receipt pages with markers for the voter's code and choices, per call, language and kind of receipt.
_PAGES: OrderedDict[tuple, str] = OrderedDict()
_PAGES_KEPT = 256
_CODE, _CHOICES = "\x00receipt-code\x00", "\x00receipt-choices\x00"


def _receipt_page(call, code: str, projects, changed: bool, renewed: bool = False) -> str:
    """The receipt page: the layout and text are rendered once per call, language and kind of receipt
    (every voter of a call sees the same page but for the code and the choices), then filled in."""
    choices = Markup("").join(Markup("<li>%s — %s</li>") % (p.title, money(p.final_cost_cents)) for p in projects)
    if session.get("_flashes"):  # a message waits to be shown: a page of its own
        return render_template(
            "calls/receipt_issued.html", call=call, code=code, changed=changed, renewed=renewed, choices=choices
        )
    key = (str(get_locale()), call.id, call.title, changed, renewed, request.full_path)
    page = _PAGES.get(key)
    if page is None:
        page = render_template(
            "calls/receipt_issued.html", call=call, code=_CODE, changed=changed, renewed=renewed, choices=_CHOICES
        )
        _PAGES[key] = page
        if len(_PAGES) > _PAGES_KEPT:
            _PAGES.popitem(last=False)
    return page.replace(_CODE, str(escape(code)), 1).replace(_CHOICES, str(choices), 1)


def _refused_ballot(error: CallError, call_id: int, chosen: list[int]):
    """After the rollback: the ballot page again with the voter's choice, or why they cannot vote."""
    call = call_or_404(call_id)
    if isinstance(error, Forbidden):
        return render_template("calls/refused.html", call=call, refusal=error.code), error.status
    return _ballot_page(call, chosen, error.status)


@bp.post("/appels/<int:call_id>/vote/annuler")
@vote_limit
def cancel_ballot(call_id: int):
    call = call_or_404(call_id)
    authorize("account")
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        services.cancel(db.session, current_user, clock.now(), call.id)
    except CallError as error:
        return refused(error, "calls/refused.html", call=call)
    db.session.commit()
    flash(_("Votre bulletin est annulé. Vous pouvez voter à nouveau tant que le vote est ouvert."), "success")
    return redirect(url_for("calls.show", call_id=call.id))


@bp.post("/appels/<int:call_id>/vote/nouveau-code")
@vote_limit
def renew_receipt(call_id: int):
    """A new receipt code for the signed-in voter's recorded ballot (the old one no longer matches)."""
    call = call_or_404(call_id)
    authorize("account")
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    now = clock.now()
    try:
        receipt = services.renew_receipt(db.session, current_user, now, call.id)
    except CallError as error:
        return refused(error, "calls/refused.html", call=call)
    if current_user.email:
        params = receipt_params(current_user.email, receipt.call, receipt.code, changed=False, renewed=True)
        outbox.add_deferred(db.session, receipt_mail, params, now)
    db.session().expire_on_commit = False  # type: ignore[operator]  # the scoped_session called: the Session
    db.session.commit()
    request_seal()
    outbox.dispatch()
    return _receipt_page(receipt.call, receipt.code, receipt.choices, changed=False, renewed=True)


@bp.route("/appels/<int:call_id>/recu", methods=["GET", "POST"])
def receipt(call_id: int):
    """Check a receipt code: is a ballot with it counted (or, before the count, recorded)? Never what it holds."""
    call = call_or_404(call_id)
    close_if_due(call, clock.now())
    form = forms.ReceiptForm()
    found = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            found = services.receipt_counted(db.session, call, form.code.data)
        else:
            status = 400
    return render_template("calls/receipt.html", call=call, form=form, found=found), status
