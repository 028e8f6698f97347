"""People (admins): search, details (department, employee number, enrolment state), rename, erase.

Erasure needs the person's id typed again (``confirm``) and goes through server.people.erase_person,
the same path as the API and the command line. The server keeps templates (encrypted), never photos.
"""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select

from server import people as people_data
from server import schema
from server.console import actor, bp, role_required
from server.db import get_db
from server.validation import Invalid

LIST_LIMIT = 200


def _enrolled_by(row: Any) -> str:
    return getattr(row, "enrolled_by", None) or row.updated_by


@bp.get("/people")
@role_required("admin")
def people() -> Any:
    q = request.args.get("q", "").strip()[:200]
    p, e = schema.people, schema.embeddings
    conn = get_db()
    stmt = select(p).where(p.c.deleted.is_(False))
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            or_(
                p.c.name.ilike(like), p.c.person_id.ilike(like), p.c.employee_no.ilike(like), p.c.department.ilike(like)
            )
        )
    rows = conn.execute(stmt.order_by(p.c.name, p.c.person_id).limit(LIST_LIMIT + 1)).all()
    ids = [r.person_id for r in rows]
    counts = dict(
        conn.execute(select(e.c.person_id, func.count()).where(e.c.person_id.in_(ids)).group_by(e.c.person_id)).all()
    )
    total = conn.execute(select(func.count()).select_from(p).where(p.c.deleted.is_(False))).scalar_one()
    conn.commit()
    return render_template(
        "console/people.html", rows=rows[:LIST_LIMIT], more=len(rows) > LIST_LIMIT, q=q, counts=counts,
        total=total, enrolled_by=_enrolled_by,
    )  # fmt: skip


def _person_or_404(person_id: str) -> Any:
    p = schema.people
    row = get_db().execute(select(p).where(p.c.person_id == person_id, p.c.deleted.is_(False))).first()
    if row is None:
        abort(404, description=f"Nobody with the id “{person_id[:128]}” is enrolled (maybe they were erased).")
    return row


@bp.get("/people/<person_id>")
@role_required("admin")
def person(person_id: str) -> Any:
    row = _person_or_404(person_id)
    e = schema.embeddings
    conn = get_db()
    samples = conn.execute(select(func.count()).select_from(e).where(e.c.person_id == person_id)).scalar_one()
    conn.commit()
    consent = json.loads(row.consent) if row.consent else None
    return render_template(
        "console/person.html", row=row, samples=samples, consent=consent, enrolled_by=_enrolled_by(row)
    )


@bp.post("/people/<person_id>")
@role_required("admin")
def update_person(person_id: str) -> Any:
    _person_or_404(person_id)
    form = request.form
    try:
        seq = people_data.update_details(
            get_db(), person_id, form.get("name", ""), form.get("employee_no", ""), form.get("department", ""), actor()
        )
    except Invalid as exc:
        get_db().rollback()
        flash(f"Not saved: {exc}.", "danger")
        return redirect(url_for("console.person", person_id=person_id), code=303)
    if seq is None:
        abort(404, description="That person was erased meanwhile.")
    flash("Saved. Kiosks show the new name after their next sync.", "success")
    return redirect(url_for("console.person", person_id=person_id), code=303)


@bp.post("/people/<person_id>/erase")
@role_required("admin")
def erase_person(person_id: str) -> Any:
    p = schema.people
    conn = get_db()
    row = conn.execute(select(p.c.person_id, p.c.deleted).where(p.c.person_id == person_id)).first()
    if row is None:
        abort(404, description=f"Nobody with the id “{person_id[:128]}” is known.")
    if row.deleted:
        flash(f"{person_id} was already erased; nothing changed.", "info")
        return redirect(url_for("console.people"), code=303)
    if request.form.get("confirm", "") != person_id:
        flash("Not erased: type the person's id exactly to confirm.", "danger")
        return redirect(url_for("console.person", person_id=person_id), code=303)
    people_data.erase_person(conn, person_id, actor())
    flash(
        f"{person_id} erased: templates and personal details removed; kiosks drop them at their next sync.", "success"
    )
    return redirect(url_for("console.people"), code=303)
