"""Logging in and out of the console, and sessions that end after CONSOLE_IDLE_MINUTES without a page view.

A failed login doubles the wait before the next try for that name and that address (server.users);
while a wait runs, every try is refused with 429 and the seconds left, without checking the password.
Logins, failed logins and logouts are audited.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from server import audit, users
from server.console import bp
from server.db import get_db

login_manager = LoginManager()
login_manager.login_view = "console.login"
login_manager.login_message = "Log in to see this page."
login_manager.login_message_category = "info"
LIVE_ENDPOINTS = ("console.today_live",)  # refreshes by themselves: not activity


class Account(UserMixin):
    """The Flask-Login user: a server.users.User whose id carries its session generation."""

    def __init__(self, user: users.User) -> None:
        self.user = user
        self.name = user.name
        self.role = user.role

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_gen}"

    def may(self, role: str) -> bool:
        return self.user.may(role)


class LoginForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=users.MAX_PASSWORD)])


@login_manager.user_loader
def _load(session_id: str) -> Account | None:
    user_id, _, gen = session_id.partition(":")
    try:
        user = users.get_by_id(get_db(), int(user_id))
    except ValueError:
        return None
    if user is None or user.disabled or str(user.session_gen) != gen:
        return None  # disabled, or the password changed since: the session is over
    return Account(user)


@bp.before_request
def _idle_check() -> Any:
    """End the session after CONSOLE_IDLE_MINUTES without a page view (auto-refresh does not count)."""
    if request.endpoint in ("console.static", "console.login"):
        return None
    now = time.time()
    seen = session.get("seen")
    limit = bp_idle_seconds()
    if current_user.is_authenticated and seen is not None and now - float(seen) > limit:
        name = current_user.name
        logout_user()
        session.clear()
        conn = get_db()
        audit.record(conn, f"user:{name}", "logout", name, {"idle_minutes": limit // 60})
        conn.commit()
        flash("Your session ended after a time without activity. Log in again.", "warning")
        return login_manager.unauthorized()
    if current_user.is_authenticated and request.endpoint not in LIVE_ENDPOINTS:
        session["seen"] = now
        session.permanent = True
    return None


def bp_idle_seconds() -> int:
    from flask import current_app

    return int(current_app.config["CONSOLE_IDLE_MINUTES"]) * 60


def _client() -> str:
    return request.remote_addr or "unknown"


def _safe_next(target: str | None) -> str:
    """Only a local path (never another site) as the page after login."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("console.today")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("console.today"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        name = form.username.data.strip()
        keys = [f"user:{name[:64]}", f"ip:{_client()[:64]}"]
        conn = get_db()
        wait = users.login_wait(conn, keys)
        if wait > 0:
            conn.commit()
            form.password.errors = [f"Too many failed logins. Wait {int(wait) + 1} seconds, then try again."]
            status = 429
        else:
            user = users.authenticate(conn, name, form.password.data)
            if user is None:
                users.note_failure(conn, keys)
                audit.record(conn, f"ip:{_client()}", "login-failed", name[:64])
                conn.commit()
                form.password.errors = ["Wrong user name or password (or the account is disabled)."]
                status = 401
            else:
                users.clear_failures(conn, keys)
                audit.record(conn, f"user:{user.name}", "login", user.name, {"ip": _client()})
                conn.commit()
                session.clear()  # a fresh session (and CSRF token) for the new login
                login_user(Account(user))
                session["seen"] = time.time()
                session.permanent = True
                return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("console/login.html", form=form), status


@bp.post("/logout")
def logout() -> Any:
    if current_user.is_authenticated:
        conn = get_db()
        audit.record(conn, f"user:{current_user.name}", "logout", current_user.name)
        conn.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("console.login"))


@bp.get("/")
def index() -> Any:
    return redirect(url_for("console.today"))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
