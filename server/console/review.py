"""Review (managers): doubtful check-ins to confirm, reassign or void; missed check-ins to add; and the
corrections made so far, kiosks' "Not you?" voids included. Every change is a new correction record
(server.corrections), audited; a form carries a nonce, so a double submit records it once."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from server import corrections, schema
from server.cache import get_cache
from server.console import actor, bp, role_required
from server.db import get_db

REVIEW_DAYS = 14
LIST_LIMIT = 100


def _person(raw: str) -> tuple[str, str]:
    """(person_id, name) of the enrolled person ``raw`` names (an id, or an exact unique name).

    Raises CorrectionError for an unknown or erased person.
    """
    raw = raw.strip()
    if not raw or len(raw) > 200:
        raise corrections.CorrectionError("choose a person")
    p = schema.people
    conn = get_db()
    row = conn.execute(select(p.c.person_id, p.c.name, p.c.deleted).where(p.c.person_id == raw)).first()
    if row is None:
        rows = conn.execute(
            select(p.c.person_id, p.c.name, p.c.deleted).where(p.c.name == raw, p.c.deleted.is_(False))
        ).all()
        if len(rows) > 1:
            raise corrections.CorrectionError(f"several people are called “{raw}”: choose one by id")
        row = rows[0] if rows else None
    if row is None:
        raise corrections.CorrectionError(f"nobody called or numbered “{raw}” is enrolled")
    if row.deleted:
        raise corrections.CorrectionError(f"{row.person_id} was erased: choose somebody else")
    return row.person_id, row.name


def _nonce() -> str:
    raw = request.form.get("nonce", "")
    try:
        return str(uuid.UUID(raw))
    except ValueError as exc:
        raise corrections.CorrectionError("the form is damaged: reload the page and try again") from exc


def _done(created: bool, what: str) -> Any:
    conn = get_db()
    conn.commit()
    if created:
        get_cache().forget_all_presence()
        flash(what, "success")
    else:
        flash("That correction was already recorded (the form was sent twice); nothing changed.", "info")
    return redirect(url_for("console.review", show=request.args.get("show", "")), code=303)


def _failed(message: str) -> Any:
    get_db().rollback()
    flash(message, "danger")
    return redirect(url_for("console.review", show=request.args.get("show", "")), code=303)


@bp.get("/review")
@role_required("manager")
def review() -> Any:
    config = current_app.config
    conn = get_db()
    show_all = request.args.get("show") == "all"
    start = datetime.now(timezone.utc).date() - timedelta(days=REVIEW_DAYS)
    a, c, p = schema.attendance, schema.corrections, schema.people
    if show_all:
        stmt = (
            select(a)
            .where(a.c.local_date >= start, ~select(c.c.id).where(c.c.event_id == a.c.event_id).exists())
            .order_by(a.c.ts_utc.desc())
        )
    else:
        stmt = corrections.doubtful_select(config["REVIEW_DISTANCE"], config["REVIEW_MARGIN"], start)
    checkins = conn.execute(stmt.limit(LIST_LIMIT)).all()
    recent = conn.execute(
        select(c, a.c.name.label("original_name"), a.c.kiosk, a.c.ts_utc)
        .select_from(c.outerjoin(a, a.c.event_id == c.c.event_id))
        .order_by(c.c.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    people = conn.execute(select(p.c.person_id, p.c.name).where(p.c.deleted.is_(False)).order_by(p.c.name)).all()
    conn.commit()
    now = datetime.now(timezone.utc).astimezone(ZoneInfo(config["SITE_TIMEZONE"]))
    return render_template(
        "console/review.html", checkins=checkins, recent=recent, people=people, show_all=show_all,
        new_nonce=lambda: str(uuid.uuid4()), today=now.date().isoformat(), now=now.strftime("%H:%M"),
        review_distance=config["REVIEW_DISTANCE"], review_margin=config["REVIEW_MARGIN"],
    )  # fmt: skip


@bp.post("/review/<event_id>")
@role_required("manager")
def correct(event_id: str) -> Any:
    action = request.form.get("action", "")
    try:
        nonce = _nonce()
        a = schema.attendance
        row = get_db().execute(select(a.c.person_id, a.c.name).where(a.c.event_id == event_id[:64])).first()
        if row is None:
            raise corrections.CorrectionError("that check-in does not exist (any more)")
        person_id = name = None
        reason = request.form.get("reason", "").strip()
        if action == "confirm":
            reason = reason or "confirmed"
        elif action == "reassign":
            person_id, name = _person(request.form.get("person", ""))
            if person_id == row.person_id:
                raise corrections.CorrectionError(f"the check-in is already {name}'s")
        elif action != "void":
            raise corrections.CorrectionError("choose confirm, reassign or void")
        if corrections.latest_for(get_db(), event_id) == (action, person_id):
            get_db().rollback()
            flash("That check-in already has this correction; nothing changed.", "info")
            return redirect(url_for("console.review", show=request.args.get("show", "")), code=303)
        created = corrections.record(
            get_db(), corrections.Correction(nonce, event_id, action, reason, actor(), person_id, name)
        )
    except corrections.CorrectionError as exc:
        return _failed(f"Not recorded: {exc}.")
    verb = {"confirm": "confirmed", "reassign": f"reassigned to {name}", "void": "voided"}[action]
    return _done(created, f"{row.name}'s check-in {verb}.")


def _when(day: str, clock: str, tz: ZoneInfo) -> datetime:
    try:
        when = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tz)
    except ValueError as exc:
        raise corrections.CorrectionError("give the date as YYYY-MM-DD and the time as HH:MM") from exc
    if when.year < 2000 or when > datetime.now(timezone.utc) + timedelta(minutes=5):
        raise corrections.CorrectionError("the time is in the future or before 2000")
    return when


@bp.post("/review/add")
@role_required("manager")
def add_missed() -> Any:
    tz = ZoneInfo(current_app.config["SITE_TIMEZONE"])
    try:
        nonce = _nonce()
        person_id, name = _person(request.form.get("person", ""))
        when = _when(request.form.get("date", ""), request.form.get("time", ""), tz)
        direction = request.form.get("direction", "")
        if direction not in ("in", "out"):
            raise corrections.CorrectionError("choose in or out")
        created = corrections.add_checkin(
            get_db(), nonce, person_id, name, when, direction, request.form.get("reason", ""), actor()
        )
    except corrections.CorrectionError as exc:
        return _failed(f"Not recorded: {exc}.")
    return _done(created, f"Added a check-{direction} for {name} at {when:%Y-%m-%d %H:%M}.")
