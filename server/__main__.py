"""Command line: ``python -m server kiosk add NAME``, ``admin add NAME``, ``export``, ``serve`` ..."""

from __future__ import annotations

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

    @group.command("add", help=f"create a {role}; prints its token alone on the last line")
    @click.argument("name")
    def add(name: str) -> None:
        from server import auth

        app = _app()
        with _conn(app) as conn:
            try:
                token = auth.create_principal(conn, role, name)
            except ValueError as exc:
                raise click.ClickException(str(exc)) from exc
        click.echo(f"{role} {name!r} created; its token (shown only now):")
        click.echo(token)

    @group.command("revoke", help=f"revoke a {role}'s token")
    @click.argument("name")
    def revoke(name: str) -> None:
        from server import auth

        app = _app()
        with _conn(app) as conn:
            if not auth.revoke(conn, role, name):
                raise click.ClickException(f"no active {role} called {name!r}")
        click.echo(f"{role} {name!r} revoked")

    @group.command("list", help=f"list {role}s")
    def list_() -> None:
        from sqlalchemy import select

        from server import schema

        table = schema.kiosks if role == "kiosk" else schema.admins
        app = _app()
        with _conn(app) as conn:
            rows = conn.execute(select(table).order_by(table.c.name)).all()
        for row in rows:
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
            click.echo(f"{row.name}\t{state}\tcreated {row.created_at:%Y-%m-%d %H:%M}")

    return group


cli.add_command(_principal_group("kiosk"))
cli.add_command(_principal_group("admin"))


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
    from server.api.attendance import query_attendance, write_csv

    app = _app()
    with _conn(app) as conn:
        rows = query_attendance(conn, start, end, person_id, kiosk)
    write_csv(rows, sys.stdout)


@cli.command(help="create or migrate the database schema, then exit")
def migrate() -> None:
    from server import migrations

    app = _app()
    with _conn(app) as conn:
        click.echo(f"schema version {migrations.current_version(conn)}")


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
