"""The web console: HR and managers see who is in, run reports, correct mistakes and manage people.

Server-rendered pages (Jinja, Bootstrap 5 served from ``static/``), sessions with Flask-Login, CSRF on
every form with Flask-WTF. Roles: a viewer reads Today and Reports, a manager also Review, an admin all.
Pages call the same domain functions as the JSON API (server.reports, server.corrections, server.today,
server.people ...). Errors on console pages are HTML pages, never JSON and never a traceback.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, Response, current_app, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException

log = logging.getLogger(__name__)

bp = Blueprint(
    "console",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/console/static",
)
csrf = CSRFProtect()

CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

#: (endpoint, label, least role) in navigation order; a page the user's role may not use is not shown.
NAV = (
    ("console.today", "Today", "viewer"),
    ("console.report", "Reports", "viewer"),
    ("console.review", "Review", "manager"),
    ("console.people", "People", "admin"),
    ("console.kiosks", "Kiosks", "admin"),
    ("console.audit_log", "Audit", "admin"),
)


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when SESSION_COOKIE_SECURE is set or the request came over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def role_required(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator: logged in (else to the login page) with ``role`` or above (else 403)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from server.console.session import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.may(role):
                raise Forbidden(f"This page is for the {role} role or above; you are a {current_user.role}.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def actor() -> str:
    """The audit actor of the logged-in user."""
    return f"user:{current_user.name}"


@bp.before_request
def _csrf() -> None:
    csrf.protect()


@bp.before_request
def _no_nul() -> None:
    """A NUL character in any parameter is refused here, before a database (PostgreSQL) refuses it with an
    error page nobody understands."""
    values = [*request.args.values(), *request.form.values(), *(request.view_args or {}).values()]
    if any("\x00" in str(v) for v in values):
        raise BadRequest("A value on this page contains a NUL character; remove it and try again.")


@bp.context_processor
def _nav() -> dict[str, Any]:
    items = []
    if current_user.is_authenticated:
        items = [(endpoint, label) for endpoint, label, role in NAV if current_user.may(role)]
    return {"nav_items": items}


@bp.app_template_filter("unixtime")
def _unixtime(value: float | None) -> str:
    """A unix time as a date and time in the site's time zone, with how long ago; "never" for None."""
    if value is None:
        return "never"
    tz = ZoneInfo(current_app.config["SITE_TIMEZONE"])
    at = datetime.fromtimestamp(value, tz)
    ago = max(0, int(time.time() - value))
    span = f"{ago} s" if ago < 120 else f"{ago // 60} min" if ago < 7200 else f"{ago // 3600} h"
    return f"{at:%Y-%m-%d %H:%M:%S} ({span} ago)"


@bp.app_template_filter("hours")
def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f}"


@bp.app_template_filter("localtime")
def _localtime(value: datetime | None) -> str:
    """A naive UTC datetime from the database in the site's time zone."""
    if value is None:
        return ""
    tz = ZoneInfo(current_app.config["SITE_TIMEZONE"])
    return f"{value.replace(tzinfo=timezone.utc).astimezone(tz):%Y-%m-%d %H:%M:%S}"


@bp.errorhandler(OperationalError)
def _database_down(exc: OperationalError) -> tuple[str, int]:
    log.error("database unavailable during %s %s: %s", request.method, request.path, exc.orig)
    message = "The database is unavailable. Try again in a minute; nothing was changed."
    return render_template("console/error.html", code=503, title="Service unavailable", message=message), 503


@bp.errorhandler(HTTPException)
def _error_page(exc: HTTPException) -> tuple[str, int]:
    code = exc.code or 500
    if isinstance(exc, CSRFError):
        message = "The form was too old or not sent from this site. Reload the page and try again."
    else:
        message = exc.description or exc.name
    return render_template("console/error.html", code=code, title=exc.name, message=message), code


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONSOLE_CSP
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.config["SESSION_COOKIE_NAME"] = "faceattend_console"
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=int(app.config["CONSOLE_IDLE_MINUTES"]))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the (idle-limited) session
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # only console forms: the JSON API uses bearer tokens
    # Responses say Referrer-Policy: no-referrer, so browsers send no Referer for Flask-WTF's HTTPS check
    # to compare; the per-session token and the SameSite cookie carry the protection.
    app.config["WTF_CSRF_SSL_STRICT"] = False
    app.session_interface = _SessionInterface()
    if int(app.config["TRUSTED_PROXIES"]):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    csrf.init_app(app)
    session.init_app(app)
    app.register_blueprint(bp)


from server.console import audit_page, kiosks, people, reports, review, session, today  # noqa: E402,F401 - routes
