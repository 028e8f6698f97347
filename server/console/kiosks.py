"""Kiosks (admins): online or not, last heartbeat, backlog, version, scopes, observed false accepts; add a
kiosk (its token is shown once, on the answer page, never stored in a cookie), revoke one, let it enrol or
not (contract C2: the same server.auth functions as ``python -m server kiosk``)."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from server import auth, schema
from server.console import actor, bp, role_required
from server.corrections import false_accepts_by_kiosk
from server.db import get_db


def _page(token: tuple[str, str] | None = None, error: str | None = None, status: int = 200) -> Any:
    k, hb = schema.kiosks, schema.heartbeats
    conn = get_db()
    rows = conn.execute(
        select(
            k.c.name, k.c.created_at, k.c.revoked_at, k.c.scopes, hb.c.received_at, hb.c.sync_backlog, hb.c.version,
            hb.c.fps,
        )  # fmt: skip
        .select_from(k.outerjoin(hb, hb.c.kiosk == k.c.name))
        .order_by(k.c.revoked_at.is_not(None), k.c.name)
    ).all()
    false_accepts = false_accepts_by_kiosk(conn)
    conn.commit()
    return render_template(
        "console/kiosks.html", rows=rows, false_accepts=false_accepts, token=token, error=error, now=time.time(),
        offline_after=current_app.config["KIOSK_OFFLINE_SECONDS"],
    ), status  # fmt: skip


@bp.get("/kiosks")
@role_required("admin")
def kiosks() -> Any:
    return _page()


@bp.post("/kiosks")
@role_required("admin")
def add_kiosk() -> Any:
    name = request.form.get("name", "").strip()
    conn = get_db()
    try:
        token = auth.create_principal(conn, "kiosk", name, enrol=request.form.get("enrol") == "on", actor=actor())
    except ValueError as exc:
        conn.rollback()
        return _page(error=f"Not added: {exc}.", status=400)
    return _page(token=(name, token), status=201)


@bp.post("/kiosks/<name>/revoke")
@role_required("admin")
def revoke_kiosk(name: str) -> Any:
    conn = get_db()
    if request.form.get("confirm", "") != name:
        flash("Not revoked: type the kiosk's name exactly to confirm.", "danger")
    elif auth.revoke(conn, "kiosk", name, actor=actor()):
        flash(f"Kiosk {name} revoked: its token stops working within seconds.", "success")
    else:
        flash(f"There is no active kiosk called {name}; nothing changed.", "info")
    return redirect(url_for("console.kiosks"), code=303)


@bp.post("/kiosks/<name>/scopes")
@role_required("admin")
def kiosk_scopes(name: str) -> Any:
    enrol = request.form.get("enrol") == "on"
    try:
        granted = auth.set_kiosk_scopes(get_db(), name, enrol=enrol, actor=actor())
    except LookupError:
        flash(f"There is no active kiosk called {name}; nothing changed.", "info")
    else:
        flash(f"Kiosk {name} may now: {', '.join(granted)}.", "success")
    return redirect(url_for("console.kiosks"), code=303)
