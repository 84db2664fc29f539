"""Language choice: French by default, English on request (cookie set by /lang/<code>)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, has_request_context, redirect, request
from flask_babel import format_decimal, gettext

from participatory.text import forbidden_character

bp = Blueprint("i18n", __name__)
COOKIE = "lang"


def select_locale() -> str:
    if not has_request_context():  # CLI commands and jobs: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = request.cookies.get(COOKIE, "")
    return wanted if wanted in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def safe_next(target: str | None) -> str:
    """A local path to go back to; anything pointing elsewhere becomes the home page."""
    if not target:
        return "/"
    if forbidden_character(target) is not None or "\\" in target:
        return "/"  # a header cannot carry a line break; browsers read "\\" as "/"
    if not target.startswith("/") or target.startswith("//"):
        return "/"
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unclosed "[" read as an IPv6 host
        return "/"
    return "/" if parts.scheme or parts.netloc else target


@bp.get("/lang/<code>")
def choose_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    response = redirect(safe_next(request.args.get("next")))
    response.set_cookie(
        COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.app_template_filter("number")
def number(value: int | float | None) -> str:
    """An integer or a count in the reader's language: "93 630" in French, "93,630" in English."""
    if value is None:
        return "—"
    return format_decimal(value)


@bp.app_template_filter("decimal")
def decimal(value: float | None, places: int = 2) -> str:
    """A decimal number with exactly `places` digits after the separator, in the reader's language."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0." + "0" * places) if places else format_decimal(round(value))


@bp.app_template_filter("author")
def author(public_name: str | None) -> str:
    """The name an author shows, or "Participant" once they deleted their account (or never gave one)."""
    return public_name or gettext("Participant")
