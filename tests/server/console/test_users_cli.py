"""python -m server user add/list/disable/passwd."""

from __future__ import annotations

from click.testing import CliRunner

from server.__main__ import cli


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def test_user_add_prints_a_generated_password_alone_on_the_last_line(runner, tmp_path):
    result = run("user", "add", "ann", "--role", "manager")
    assert result.exit_code == 0, result.output
    password = result.output.splitlines()[-1]
    assert len(password) >= 16 and " " not in password
    from server import create_app, users

    app = create_app()
    with app.extensions["db_engine"].connect() as conn:
        assert users.authenticate(conn, "ann", password).role == "manager"
        assert users.authenticate(conn, "ann", password + "x") is None


def test_user_add_with_password_stdin_list_passwd_and_disable(runner):
    assert run("user", "add", "bob", "--role", "viewer", "--password-stdin", stdin="bob's password 1\n").exit_code == 0
    assert run("user", "add", "bob", "--role", "admin", "--password-stdin", stdin="another one 12\n").exit_code == 1
    assert (
        "already exists"
        in run("user", "add", "bob", "--role", "admin", "--password-stdin", stdin="xxxxxxxxxxxx\n").output
    )
    short = run("user", "add", "cy", "--role", "viewer", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1 and "10 to 200 characters" in short.output
    assert run("user", "add", "dee", "--role", "boss").exit_code == 2
    listing = run("user", "list").output
    assert "bob\tviewer\tactive" in listing and "cy" not in listing
    new = run("user", "passwd", "bob").output.splitlines()[-1]
    from server import create_app, users

    app = create_app()
    with app.extensions["db_engine"].connect() as conn:
        assert users.authenticate(conn, "bob", "bob's password 1") is None
        assert users.authenticate(conn, "bob", new) is not None
    assert run("user", "disable", "bob").exit_code == 0
    assert "bob\tviewer\tdisabled" in run("user", "list").output
    assert run("user", "disable", "bob").exit_code == 1
    assert run("user", "passwd", "nobody").exit_code == 1
    audit = run("audit").output
    assert '"action": "user-add"' in audit and '"action": "user-disable"' in audit and "password" not in audit.lower()
