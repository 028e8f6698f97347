"""Accounts, login, sessions and CSRF on the console."""

from __future__ import annotations

import json

from sqlalchemy import text

from server import audit, users
from tests.server.console.conftest import PASSWORD, Console, add_account


def test_login_page_has_labelled_fields_and_a_csrf_token(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<label class="form-label" for="username">' in html
    assert '<label class="form-label" for="password">' in html
    assert 'name="csrf_token"' in html


def test_pages_send_an_anonymous_visitor_to_the_login_page(client):
    for page in ("/today", "/reports/attendance", "/review", "/people", "/kiosks", "/audit", "/today/live"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert "/login" in response.headers["Location"]


def test_right_password_logs_in_and_sets_a_hardened_cookie(app, accounts):
    c = Console(app.test_client())
    response = c.login("viewer")
    assert response.status_code == 302 and response.headers["Location"] == "/today"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http in the test
    assert c.get("/today").status_code == 200


def test_cookie_is_secure_behind_tls(app, accounts):
    c = Console(app.test_client())
    token_page = c.client.get("/login", base_url="https://console.example")
    from tests.server.console.conftest import csrf_token

    response = c.client.post(
        "/login",
        base_url="https://console.example",
        data={"username": "viewer", "password": PASSWORD, "csrf_token": csrf_token(token_page.get_data(as_text=True))},
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_login_without_csrf_token_is_refused(app, accounts):
    client = app.test_client()
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/today").status_code == 302


def test_forms_without_csrf_token_are_refused(console):
    response = console.client.post("/kiosks", data={"name": "door-9"})
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    assert "door-9" not in console.get("/kiosks").get_data(as_text=True)


def test_wrong_password_is_refused_and_audited(app, accounts):
    c = Console(app.test_client())
    response = c.login("admin", "not the password")
    assert response.status_code == 401
    assert "Wrong user name or password" in response.get_data(as_text=True)
    assert c.get("/today").status_code == 302
    with app.extensions["db_engine"].connect() as conn:
        entries = audit.read(conn)
    assert [e["action"] for e in entries] == ["login-failed"]
    assert entries[0]["subject"] == "admin"


def test_failed_logins_make_the_next_try_wait_longer(app, accounts):
    c = Console(app.test_client())
    for _ in range(users.LOGIN_DELAY_FREE["user"]):
        assert c.login("manager", "wrong password!").status_code == 401
    # Now even the right password waits: the delay has started.
    response = c.login("manager")
    assert response.status_code == 429
    assert "Too many failed logins" in response.get_data(as_text=True)
    with app.extensions["db_engine"].connect() as conn:
        keys = ["user:manager"]
        first = users.login_wait(conn, keys)
        users.note_failure(conn, keys)
        conn.commit()
        second = users.login_wait(conn, keys)
        # Once the wait has passed, the right password works and clears the count.
        conn.execute(text("UPDATE login_failures SET last_failed_at = last_failed_at - 1000"))
        conn.commit()
    assert 0 < first < second <= users.LOGIN_DELAY_MAX
    assert c.login("manager").status_code == 302
    with app.extensions["db_engine"].connect() as conn:
        assert users.login_wait(conn, ["user:manager"]) == 0


def test_logout_ends_the_session(console):
    response = console.post("/logout", {})
    assert response.status_code == 302
    assert console.get("/today").status_code == 302


def test_logout_needs_a_csrf_token(console):
    assert console.client.post("/logout").status_code == 400
    assert console.get("/today").status_code == 200


def test_session_ends_after_inactivity(app, accounts):
    c = Console(app.test_client())
    c.login("viewer")
    with c.client.session_transaction() as session:
        session["seen"] -= app.config["CONSOLE_IDLE_MINUTES"] * 60 + 1
    response = c.get("/today")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert c.get("/today").status_code == 302


def test_auto_refresh_does_not_keep_a_session_alive(app, accounts):
    c = Console(app.test_client())
    c.login("viewer")
    with c.client.session_transaction() as session:
        seen = session["seen"]
    assert c.get("/today/live").status_code == 200
    with c.client.session_transaction() as session:
        assert session["seen"] == seen


def test_password_change_and_disable_end_sessions(app, accounts):
    c = Console(app.test_client())
    c.login("manager")
    with app.extensions["db_engine"].connect() as conn:
        users.set_password(conn, "manager", "a new password 123")
        conn.commit()
    assert c.get("/today").status_code == 302
    assert c.login("manager").status_code == 401
    assert c.login("manager", "a new password 123").status_code == 302
    with app.extensions["db_engine"].connect() as conn:
        users.disable(conn, "manager")
        conn.commit()
    assert c.get("/today").status_code == 302
    assert c.login("manager", "a new password 123").status_code == 401


def test_login_redirects_only_to_local_pages(app, accounts):
    for target, expected in (
        ("/review", "/review"),
        ("//evil.example/x", "/today"),
        ("https://evil.example", "/today"),
    ):
        c = Console(app.test_client())
        token = c.token("/login")
        response = c.client.post(
            f"/login?next={target}", data={"username": "manager", "password": PASSWORD, "csrf_token": token}
        )
        assert response.headers["Location"] == expected


def test_passwords_are_stored_with_scrypt(app):
    add_account(app, "zoe", "viewer", "zoe's long password")
    with app.extensions["db_engine"].connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users WHERE name = 'zoe'")).scalar_one()
    assert stored.startswith("scrypt:") and "zoe's long password" not in stored


def test_login_is_audited_with_the_address(app, accounts):
    Console(app.test_client()).login("viewer")
    with app.extensions["db_engine"].connect() as conn:
        entry = audit.read(conn)[-1]
    assert entry["action"] == "login" and entry["actor"] == "user:viewer"
    assert json.dumps(entry["details"]) == '{"ip": "127.0.0.1"}'
