"""Audit (admins): the audit log, newest first, filtered by actor, action, subject and date."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from sqlalchemy import select

from server import audit, schema
from server.console import bp, role_required
from server.db import get_db

PAGE = 200


@bp.get("/audit")
@role_required("admin")
def audit_log() -> Any:
    a = schema.audit
    args = {k: request.args.get(k, "").strip()[:128] for k in ("actor", "action", "subject", "from", "to")}
    stmt = select(a)
    error = None
    if args["actor"]:
        stmt = stmt.where(a.c.actor.contains(args["actor"], autoescape=True))
    if args["action"]:
        stmt = stmt.where(a.c.action == args["action"])
    if args["subject"]:
        stmt = stmt.where(a.c.subject == args["subject"])
    tz = ZoneInfo(current_app.config["SITE_TIMEZONE"])
    for key, op in (("from", "ge"), ("to", "lt")):
        if not args[key]:
            continue
        try:
            day = date.fromisoformat(args[key]) + timedelta(days=1 if key == "to" else 0)
        except ValueError:
            error = f"“{args[key]}” is not a date: use YYYY-MM-DD"
            continue
        bound = datetime.combine(day, time(0), tz).astimezone(timezone.utc).replace(tzinfo=None)
        stmt = stmt.where(a.c.at >= bound if op == "ge" else a.c.at < bound)
    try:
        before = int(request.args.get("before", "0") or 0)
    except ValueError:
        before = 0
    if before > 0:
        stmt = stmt.where(a.c.id < before)
    conn = get_db()
    rows = [] if error else conn.execute(stmt.order_by(a.c.id.desc()).limit(PAGE + 1)).all()
    conn.commit()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    entries = [(r, json.loads(r.details) if r.details else {}) for r in rows]
    return render_template(
        "console/audit.html", entries=entries, args=args, actions=audit.ACTIONS, error=error,
        next_before=rows[-1].id if more and rows else None,
    ), 400 if error else 200  # fmt: skip
