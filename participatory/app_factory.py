"""create_app built from register_* steps, each small and testable on its own."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from flask import Flask

from participatory import config as settings
from participatory.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = settings.PROJECT_ROOT


def build_app(config: dict | None = None) -> Flask:
    app = Flask(
        "participatory",
        root_path=str(ROOT / "participatory"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    register_config(app, config)
    register_extensions(app)
    register_i18n(app)
    register_converters(app)
    register_blueprints(app)
    register_cli(app)
    register_security_headers(app)
    register_errors(app)
    return app


def register_converters(app: Flask) -> None:
    from participatory.routing import register_converters as bounded_ids

    bounded_ids(app)


def register_config(app: Flask, overrides: dict | None) -> None:
    from participatory.audit import signing as audit_signing

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings.from_environment(Path(app.instance_path)))
    app.config.update(overrides or {})
    settings.check(app.config)
    audit_signing.check_config(app.config)
    # The signed cookie is refused once older than a session may live (Flask's default: 31 days).
    if "PERMANENT_SESSION_LIFETIME" not in (overrides or {}):
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_MAX_HOURS"])
    if app.config["PROXY_FIX_HOPS"]:  # client address and scheme from the trusted proxies (rate limits, HTTPS)
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        # Flask's documented way to wrap its WSGI app in a middleware.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    # Redis down must not stop voting: the limits then count in this process's memory (Flask-Limiter logs
    # "falling back to in-memory storage"), and go back to Redis once it answers a ping again (checked
    # after 2, 4, 8, 16 then 32 s). A request never waits long on an unreachable Redis.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    if app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 2, "socket_timeout": 5})
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    # Import models so that metadata (and Alembic autogenerate) sees every table.
    import constituencies.models  # noqa: F401
    import participatory.audit.models  # noqa: F401
    import participatory.calls.models  # noqa: F401
    import participatory.crowdfunding.models  # noqa: F401
    import participatory.discussion.models  # noqa: F401
    import participatory.mandate.models  # noqa: F401
    import participatory.outbox  # noqa: F401
    from participatory.accounts import signin

    login_manager.user_loader(signin.load_user)
    signin.init_app(app)


def register_i18n(app: Flask) -> None:
    from participatory.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(ROOT / "translations"))

    @app.context_processor
    def inject_locale() -> dict:
        from flask_babel import get_locale

        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}


def register_blueprints(app: Flask) -> None:
    from constituencies.views import bp as constituencies_bp
    from participatory.accounts.views import bp as accounts_bp
    from participatory.api import audit, calls, campaign_accounts, donations, exports, mandate, openapi, opendata  # noqa: F401  (routes on the API blueprint)  # noqa: F401  (issue 7: call exports, national CSVs)
    from participatory.api.views import bp as api_bp
    from participatory.auditing.views import bp as audit_bp
    from participatory.calls.views import bp as calls_bp
    from participatory.crowdfunding.views import bp as crowdfunding_bp
    from participatory.discussion import personal_data  # noqa: F401  (the personal-data part, deletion)
    from participatory.discussion.views import bp as discussion_bp
    from participatory.health import bp as health_bp
    from participatory.i18n import bp as i18n_bp
    from participatory.mandate.views import bp as mandate_bp
    from participatory.vendor import bp as vendor_bp

    for blueprint in (
        constituencies_bp,
        accounts_bp,
        calls_bp,
        crowdfunding_bp,
        discussion_bp,
        mandate_bp,
        audit_bp,
        api_bp,
        i18n_bp,
        vendor_bp,
        health_bp,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # read-only GET API
    from participatory.vendor import register_assets

    register_assets(app)  # static/ and /vendor/ compressed, with versioned URLs cached for a year
    from participatory.page_cache import register_page_cache

    register_page_cache(app)  # the map and results pages for visitors without a session (PAGE_CACHE_SECONDS)


def register_cli(app: Flask) -> None:
    from constituencies.cli import group as constituencies_cli
    from participatory.accounts.cli import group as users_cli
    from participatory.audit.cli import group as audit_cli
    from participatory.calls.cli import export_group as export_cli
    from participatory.calls.cli import group as calls_cli
    from participatory.crowdfunding.cli import group as donations_cli
    from participatory.demo.cli import group as demo_cli
    from participatory.discussion.cli import group as discussion_cli
    from participatory.jobs import group as jobs_cli
    from participatory.mandate.cli import group as mandate_cli
    from participatory.outbox import group as mail_cli

    app.cli.add_command(constituencies_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(calls_cli)
    app.cli.add_command(donations_cli)
    app.cli.add_command(discussion_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(mandate_cli)


def register_security_headers(app: Flask) -> None:
    from participatory.accounts import franceconnect
    from participatory.vendor import critical_css

    @app.after_request
    def headers(response):
        config = app.config
        identity = franceconnect.issuer(config) if franceconnect.enabled(config) else ""
        policy = _security_headers(
            config.get("MAP_TILE_URL", ""),
            config.get("STRIPE_JS_URL", ""),
            config.get("STRIPE_CONNECT_ONBOARDING_URL") or "",
            identity,
            critical_css()[1],
            # Outside development on every response: browsers ignore it over plain HTTP, and behind a
            # TLS-terminating proxy the request itself may look insecure.
            config["ENV_NAME"] != "development",
        )
        for name, value in policy:
            response.headers.setdefault(name, value)
        return response


@lru_cache(maxsize=16)
def _security_headers(
    tiles: str, stripe_js_url: str, onboarding_url: str, identity_url: str, inline_css: str, hsts: bool
) -> tuple[tuple[str, str], ...]:
    """Every response's security headers, built once per configuration rather than per response."""
    tile_origin = _origin(tiles) if tiles else ""
    stripe_js, stripe_api, stripe_frames = _stripe_origins(stripe_js_url)
    # Some forms end, through redirects, outside the site: the mandataire's "connect" form on Stripe's hosted
    # onboarding, the FranceConnect forms (sign in, link, sign out) on FranceConnect. form-action governs both.
    forms_to = " ".join(
        o for o in ("'self'", _origin(onboarding_url), _origin(identity_url) if identity_url else "") if o
    )
    policy = (
        f"default-src 'self'; script-src 'self' {stripe_js}".rstrip()
        + f"; style-src 'self' {inline_css}; img-src 'self' data: {tile_origin}".rstrip()
        + f"; connect-src 'self' {stripe_api}".rstrip()
        + "; "
        + (f"frame-src 'self' {stripe_frames}; " if stripe_frames else "")
        + f"object-src 'none'; base-uri 'self'; form-action {forms_to}; frame-ancestors 'none'"
    )
    headers = [
        ("Content-Security-Policy", policy),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "geolocation=(self), camera=(), microphone=()"),
    ]
    if hsts:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return tuple(headers)


def _stripe_origins(js_url: str) -> tuple[str, str, str]:
    """Stripe.js needs its script, API and frame origins; localstripe serves all three from one origin."""
    origin = _origin(js_url) if js_url else ""
    if origin == "https://js.stripe.com":
        return origin, "https://api.stripe.com", f"{origin} https://hooks.stripe.com"
    return origin, origin, origin


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "a").replace("{z}", "0").replace("{x}", "0").replace("{y}", "0"))
    host = parts.netloc.replace("a.", "*.", 1) if "{s}" in url else parts.netloc
    return f"{parts.scheme}://{host}" if parts.scheme else ""


def register_errors(app: Flask) -> None:
    from sqlalchemy.exc import InterfaceError, OperationalError
    from werkzeug.exceptions import HTTPException

    from participatory.domain_errors import DomainError
    from participatory.errors import handle_database_unavailable, handle_domain_error, handle_http_error

    app.register_error_handler(HTTPException, handle_http_error)
    # A refusal no view answered itself (views that only show an error page let it through).
    app.register_error_handler(DomainError, handle_domain_error)
    # Connection errors only: other database errors are bugs, and stay 500s.
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InterfaceError, handle_database_unavailable)
