"""Console fixtures: an account of each role, and a logged-in test client that sends real CSRF tokens."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from werkzeug.security import generate_password_hash

from server import schema, users

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


class Console:
    """A test client of one browser: logs in through the login form and posts forms with their token."""

    def __init__(self, client) -> None:
        self.client = client

    def login(self, name: str, password: str = PASSWORD):
        token = csrf_token(self.client.get("/login").get_data(as_text=True))
        return self.client.post("/login", data={"username": name, "password": password, "csrf_token": token})

    def token(self, page: str = "/today") -> str:
        return csrf_token(self.client.get(page).get_data(as_text=True))

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, url: str, data: dict, page: str = "/today", **kwargs):
        return self.client.post(url, data={"csrf_token": self.token(page), **data}, **kwargs)


_HASH: dict[str, str] = {}


def add_account(app, name: str, role: str, password: str = PASSWORD) -> users.User:
    """An account; the standard password's scrypt hash is computed once per test session (it takes 0.15 s)."""
    if password != PASSWORD:
        with app.extensions["db_engine"].connect() as conn:
            user = users.add_user(conn, name, role, password)
            conn.commit()
        return user
    if PASSWORD not in _HASH:
        _HASH[PASSWORD] = generate_password_hash(PASSWORD)
    with app.extensions["db_engine"].connect() as conn:
        conn.execute(
            schema.users.insert().values(
                name=name, password_hash=_HASH[PASSWORD], role=role, created_at=datetime.now(), session_gen=0
            )
        )
        conn.commit()
        return users.get_by_name(conn, name)


@pytest.fixture
def accounts(app):
    return {role: add_account(app, role, role) for role in users.ROLES}


@pytest.fixture
def console(app, accounts):
    """A client logged in as ``admin`` (use ``as_role`` for another role)."""
    c = Console(app.test_client())
    assert c.login("admin").status_code == 302
    return c


@pytest.fixture
def as_role(app, accounts):
    def make(role: str) -> Console:
        c = Console(app.test_client())
        assert c.login(role).status_code == 302
        return c

    return make
