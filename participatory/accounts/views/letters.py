"""Letter codes for the MP's team (own constituency only) and admins: review requests, print a batch."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from constituencies import queries
from participatory import clock
from participatory.accounts import printing
from participatory.accounts.errors import AccountError
from participatory.accounts.forms import GENERATE, REJECT, LetterBatchForm
from participatory.accounts.policy import allowed, authorize
from participatory.accounts.rules import postcode_matches_department
from participatory.accounts.services import letters
from participatory.accounts.views import bp, show
from participatory.extensions import db
from participatory.pages import refused


@bp.get("/gestion/courriers")
def letters_index():
    """An MP goes straight to their constituency; an admin sees where requests wait."""
    own = current_user.mp_constituencies() if current_user.is_authenticated else []
    authorize("letters.manage", constituency_code=own[0] if own else None)
    if own and not allowed(current_user, "admin"):
        return redirect(url_for("accounts.letters_page", code=own[0]))
    counts = letters.pending_counts(db.session)
    waiting = [(queries.get(db.session, code), count) for code, count in sorted(counts.items())]
    return render_template("accounts/letters_index.html", waiting=waiting)


def _context(constituency) -> dict:
    pending = letters.pending_letters(db.session, constituency.code)
    history = letters.batches(db.session, constituency.code)
    return {
        "constituency": constituency,
        "pending": [
            (letter, postcode_matches_department(letter.postcode or "", constituency.department_code))
            for letter in pending
        ],
        "history": history,
        "used": letters.batch_usage(db.session, [batch.id for batch in history]),
    }


@bp.route("/gestion/courriers/<code>", methods=["GET", "POST"])
def letters_page(code: str):
    code = code.upper()
    authorize("letters.manage", constituency_code=code)
    constituency = queries.get(db.session, code)
    if constituency is None:
        abort(404)
    form = LetterBatchForm()
    if not form.validate_on_submit() or form.action.data not in (GENERATE, REJECT):
        if form.is_submitted() and not form.errors:
            form.form_errors.append(_("Choisissez d'imprimer ou de refuser les demandes sélectionnées."))
        return show("accounts/letters.html", form, **_context(constituency))
    now = clock.now()
    try:
        if form.action.data == REJECT:
            count = letters.reject_requests(
                db.session, current_user, constituency_code=code, letter_ids=form.letters.data, now=now
            )
        else:
            batch, printable = letters.issue_batch(
                db.session,
                current_user,
                constituency_code=code,
                letter_ids=form.letters.data,
                validity_days=form.validity_days.data,
                file_format=form.file_format.data,
                secret=current_app.config["SECRET_KEY"],
                now=now,
            )
    except AccountError as error:
        return refused(error, "accounts/letters.html", form=form, **_context(constituency))
    if form.action.data == REJECT:
        db.session.commit()
        flash(
            ngettext(
                "%(refused)s demande refusée ; son adresse est effacée.",
                "%(refused)s demandes refusées ; leurs adresses sont effacées.",
                count,
                refused=format_decimal(count),
            ),
            "info",
        )
        return redirect(url_for("accounts.letters_page", code=code))
    context = printing.LetterContext(
        constituency_name=constituency.name,
        verify_url=url_for("accounts.verification", _external=True),
        locale=str(get_locale()),
        font_path=current_app.config["LETTER_FONT"],
    )
    render = printing.render_pdf if batch.file_format == "pdf" else printing.render_csv
    content = render(printable, context)  # built before the commit: a failure leaves the requests pending
    db.session.commit()
    name = printing.filename(code, batch.id, batch.file_format, now)
    return Response(
        content,
        mimetype="application/pdf" if batch.file_format == "pdf" else "text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
