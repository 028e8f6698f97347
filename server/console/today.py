"""Today (the landing page) and its live part, which the page fetches again every few seconds."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template

from server import today as board_data
from server.console import bp, role_required
from server.db import get_db

REFRESH_SECONDS = 5


def _board() -> board_data.Board:
    config = current_app.config
    conn = get_db()
    board = board_data.board(conn, config["SITE_TIMEZONE"], config["WORKDAY_START"], config["KIOSK_OFFLINE_SECONDS"])
    conn.commit()
    return board


@bp.get("/today")
@role_required("viewer")
def today() -> Any:
    return render_template(
        "console/today.html",
        board=_board(),
        refresh=REFRESH_SECONDS,
        workday_start=current_app.config["WORKDAY_START"],
        tz=current_app.config["SITE_TIMEZONE"],
    )


@bp.get("/today/live")
@role_required("viewer")
def today_live() -> Any:
    """The live part of Today as an HTML fragment (the page swaps it in without reloading)."""
    return render_template(
        "console/_today_live.html", board=_board(), workday_start=current_app.config["WORKDAY_START"]
    )
