"""Command line: ``python -m server kiosk add NAME``, ``admin add NAME``, ``export``, ``serve``,
``keygen``, ``purge``, ``person export ID``, ``person delete ID``, ``audit`` ...

Commands that change or read personal data write a row to the audit log (actor ``cli:<user>``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import date

import click


def _app():  # noqa: ANN202 - imported lazily: serve must set up metrics before the app is imported
    # Admin commands are not workers: keep their (unused) metrics out of gunicorn's multiprocess files.
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    from server import create_app
    from server.config import ConfigurationError

    try:
        return create_app()
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc


def _conn(app):  # noqa: ANN001,ANN202
    return app.extensions["db_engine"].connect()


def _audit(conn, action: str, subject: str | None = None, details: dict | None = None) -> None:  # noqa: ANN001
    from server import audit

    audit.record(conn, audit.cli_actor(), action, subject, details)
    conn.commit()


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="log debug messages")
def cli(verbose: bool) -> None:
    """The attendance server and its administration."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _principal_group(role: str) -> click.Group:
    @click.group(name=role, help=f"manage {role} tokens")
    def group() -> None:
        pass

    def add(name: str, enrol: bool = False) -> None:
        from server import audit, auth

        app = _app()
        with _conn(app) as conn:
            try:
                token = auth.create_principal(conn, role, name, enrol=enrol, actor=audit.cli_actor())
            except ValueError as exc:
                raise click.ClickException(str(exc)) from exc
        scopes = f" (scopes: {'checkin, enrol' if enrol else 'checkin'})" if role == "kiosk" else ""
        click.echo(f"{role} {name!r} created{scopes}; its token (shown only now):")
        click.echo(token)

    add_help = f"create a {role}; prints its token alone on the last line"
    if role == "kiosk":
        add_help = (
            "create a kiosk token that may post check-ins and heartbeats and pull people; with --enrol it may "
            "also enrol people and change or erase the people it enrolled. Prints the token alone on the last line"
        )
        add = click.option("--enrol", is_flag=True, help="also allow enrolling people")(add)
    group.command("add", help=add_help)(click.argument("name")(add))

    @group.command("revoke", help=f"revoke a {role}'s token")
    @click.argument("name")
    def revoke(name: str) -> None:
        from server import audit, auth

        app = _app()
        with _conn(app) as conn:
            if not auth.revoke(conn, role, name, actor=audit.cli_actor()):
                raise click.ClickException(f"no active {role} called {name!r}")
        click.echo(f"{role} {name!r} revoked")

    @group.command("list", help=f"list {role}s" + (" with their scopes" if role == "kiosk" else ""))
    def list_() -> None:
        from server import auth

        app = _app()
        with _conn(app) as conn:
            holders = auth.list_principals(conn, role)
        for h in holders:
            state = f"revoked {h.revoked_at:%Y-%m-%d %H:%M}" if h.revoked_at else "active"
            scopes = f"{','.join(h.scopes)}\t" if role == "kiosk" else ""
            click.echo(f"{h.name}\t{state}\t{scopes}created {h.created_at:%Y-%m-%d %H:%M}")

    if role == "kiosk":

        @group.command("scopes", help="allow or forbid a kiosk to enrol people, keeping its token")
        @click.argument("name")
        @click.option("--enrol/--no-enrol", required=True, help="allow (or forbid) enrolling people")
        def scopes(name: str, enrol: bool) -> None:
            from server import audit, auth

            app = _app()
            with _conn(app) as conn:
                try:
                    granted = auth.set_kiosk_scopes(conn, name, enrol=enrol, actor=audit.cli_actor())
                except LookupError as exc:
                    raise click.ClickException(str(exc)) from exc
            click.echo(f"kiosk {name!r} scopes: {', '.join(granted)}")

    return group


cli.add_command(_principal_group("kiosk"))
cli.add_command(_principal_group("admin"))


@cli.group(help="manage web console accounts (viewer, manager, admin)")
def user() -> None:
    pass


def _read_password(from_stdin: bool) -> str:
    from server import users

    if not from_stdin:
        return users.generate_password()
    line = sys.stdin.readline().rstrip("\r\n")
    try:
        return users.check_password(line)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from exc


@user.command("add", help="create an account; prints its generated password alone on the last line")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "manager", "admin"]), required=True)
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
def user_add(name: str, role: str, password_stdin: bool) -> None:
    from server import users

    password = _read_password(password_stdin)
    app = _app()
    with _conn(app) as conn:
        try:
            users.add_user(conn, name, role, password)
        except users.UserError as exc:
            raise click.ClickException(str(exc)) from exc
        _audit(conn, "user-add", name.strip(), {"role": role})
    if password_stdin:
        click.echo(f"user {name.strip()!r} ({role}) created")
    else:
        click.echo(f"user {name.strip()!r} ({role}) created; its password (shown only now):")
        click.echo(password)


@user.command("list", help="list accounts")
def user_list() -> None:
    from server import users

    app = _app()
    with _conn(app) as conn:
        rows = users.list_users(conn)
    for account, created in rows:
        state = "disabled" if account.disabled else "active"
        click.echo(f"{account.name}\t{account.role}\t{state}\tcreated {created:%Y-%m-%d %H:%M}")


@user.command("disable", help="disable an account and end its sessions")
@click.argument("name")
def user_disable(name: str) -> None:
    from server import users

    app = _app()
    with _conn(app) as conn:
        try:
            users.disable(conn, name)
        except users.UserError as exc:
            raise click.ClickException(str(exc)) from exc
        _audit(conn, "user-disable", name)
    click.echo(f"user {name!r} disabled")


@user.command("passwd", help="set a new password (generated, or --password-stdin); ends the account's sessions")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
def user_passwd(name: str, password_stdin: bool) -> None:
    from server import users

    password = _read_password(password_stdin)
    app = _app()
    with _conn(app) as conn:
        try:
            users.set_password(conn, name, password)
        except users.UserError as exc:
            raise click.ClickException(str(exc)) from exc
        _audit(conn, "user-passwd", name)
    if password_stdin:
        click.echo(f"password of {name!r} changed")
    else:
        click.echo(f"password of {name!r} changed; the new password (shown only now):")
        click.echo(password)


def _date(_ctx: object, _param: object, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter("use a date like 2024-05-01") from exc


@cli.command(help="write check-ins as CSV to stdout")
@click.option("--from", "start", callback=_date, help="first date (inclusive), YYYY-MM-DD")
@click.option("--to", "end", callback=_date, help="last date (inclusive), YYYY-MM-DD")
@click.option("--kiosk", default=None)
@click.option("--person", "person_id", default=None)
def export(start: date | None, end: date | None, kiosk: str | None, person_id: str | None) -> None:
    from server.attendance import query_attendance, write_csv

    app = _app()
    with _conn(app) as conn:
        rows = query_attendance(conn, start, end, person_id, kiosk)
        details = {"rows": len(rows), "from": str(start or ""), "to": str(end or ""), "kiosk": kiosk or ""}
        _audit(conn, "export", person_id, details)
    write_csv(rows, sys.stdout)


@cli.command(help="create or migrate the database schema, then exit")
def migrate() -> None:
    from server import migrations

    app = _app()
    with _conn(app) as conn:
        click.echo(f"schema version {migrations.current_version(conn)}")


@cli.command(help="create the embeddings key file (owner-only); refuses to overwrite one")
@click.argument("path", required=False)
def keygen(path: str | None) -> None:
    from server.crypto import create_key_file

    if not path:
        # The same default the server uses: EMBEDDINGS_KEY_FILE, else <instance>/embeddings.key.
        from server.config import instance_path, load

        instance = instance_path()
        os.makedirs(instance, exist_ok=True)
        path = load(instance)["EMBEDDINGS_KEY_FILE"]
    try:
        create_key_file(path)
    except FileExistsError as exc:
        raise click.ClickException(f"{path} exists; not overwriting a key (the embeddings need it)") from exc
    click.echo(f"created {path}; back it up apart from the database backups")


@cli.command(help="delete what is past the retention periods now (the server also does this by itself)")
def purge() -> None:
    from server import audit, retention

    app = _app()
    config = app.config
    if not (config["RETENTION_CHECKIN_DAYS"] or config["RETENTION_TEMPLATE_DAYS"]):
        click.echo("retention is off (RETENTION_CHECKIN_DAYS and RETENTION_TEMPLATE_DAYS are 0); nothing to do")
        return
    with app.app_context(), _conn(app) as conn:
        from datetime import datetime, timezone

        result = retention.purge(
            conn, datetime.now(timezone.utc), config["RETENTION_CHECKIN_DAYS"], config["RETENTION_TEMPLATE_DAYS"],
            actor=audit.cli_actor(),
        )  # fmt: skip
    click.echo(f"removed {result.checkins} check-ins and {result.templates} templates of {result.people} people")


@cli.group(help="answer access and erasure requests for one person")
def person() -> None:
    pass


@person.command("export", help="everything the server holds about a person, as JSON on stdout")
@click.argument("person_id")
def person_export(person_id: str) -> None:
    from server.privacy import export_person

    app = _app()
    with _conn(app) as conn:
        data = export_person(conn, person_id)
        _audit(conn, "person-export", person_id)
    if data["person"] is None and not data["checkins"]:
        raise click.ClickException(f"the server holds nothing about {person_id!r}")
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@person.command("delete", help="erase a person: templates, cached presence, check-ins per ERASURE_CHECKINS")
@click.argument("person_id")
def person_delete(person_id: str) -> None:
    from server import audit
    from server.people import erase_person

    app = _app()
    with app.app_context(), _conn(app) as conn:
        cursor = erase_person(conn, person_id, audit.cli_actor())
    policy = app.config["ERASURE_CHECKINS"]
    click.echo(f"erased {person_id} (check-ins: {policy}); kiosks drop it at their next sync (cursor {cursor})")


@cli.command("audit", help="print the audit log as JSON lines")
@click.option("--since", default=0, type=int, help="only entries after this id")
@click.option("--subject", default=None, help="only entries about this person id or name")
def audit_log(since: int, subject: str | None) -> None:
    from server import audit

    app = _app()
    with _conn(app) as conn:
        for entry in audit.read(conn, since, 1_000_000, subject):
            click.echo(json.dumps(entry, ensure_ascii=False))


@cli.command(help="serve under gunicorn")
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="HOST:PORT")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--timeout", default=30, show_default=True, type=click.IntRange(1, 3600))
def serve(bind: str, workers: int, threads: int, timeout: int) -> None:
    from server.config import ConfigurationError
    from server.gunicorn_app import serve as run

    try:
        run(bind, workers, threads, timeout)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="python -m server")


if __name__ == "__main__":
    main()
