"""People and embeddings, shared by every kiosk.

Kiosks push (PUT) and delete people; every kiosk pulls the changes since its cursor. A change's cursor is
a sequence number given under a write lock (SQLite's database lock; a PostgreSQL advisory lock), so changes
commit in cursor order and a reader never skips one. Deletion leaves a tombstone (the person id only) and
removes the name, employee number, consent and embeddings. Embeddings leave the server only for kiosks.
"""

from __future__ import annotations

import json
import math
import struct
from datetime import datetime, timezone
from typing import Any

from flask import current_app, g, jsonify, request
from sqlalchemy import Connection, delete, select, text
from werkzeug.exceptions import BadRequest

from server import auth, schema
from server.api import bp
from server.db import get_db, upsert
from server.validation import Invalid, identifier, json_object, timestamp
from server.validation import text as text_value

DIM = 128
_PACK = struct.Struct(f"<{DIM}d")
_PEOPLE_LOCK_KEY = 7_340_022


def _vector(value: Any, index: int) -> bytes:
    if not isinstance(value, list) or len(value) != DIM:
        raise Invalid(f"embeddings[{index}] must be a list of {DIM} numbers")
    for x in value:
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or abs(x) > 100:
            raise Invalid(f"embeddings[{index}] must hold finite numbers between -100 and 100")
    return _PACK.pack(*(float(x) for x in value))


def _parse_person(body: dict[str, Any]) -> dict[str, Any]:
    consent = body.get("consent")
    if not isinstance(consent, dict) or consent.get("given") is not True:
        raise Invalid('consent must be {"given": true, "at": ISO-8601 date-time, "version": text}')
    consent_clean = {
        "given": True,
        "at": timestamp(consent.get("at"), "consent.at").isoformat(),
        "version": text_value(consent.get("version", ""), "consent.version", 64, allow_empty=True),
    }
    employee_no = body.get("employee_no")
    if employee_no is not None:
        employee_no = text_value(employee_no, "employee_no", 64, allow_empty=True)
    vectors = body.get("embeddings")
    cap = current_app.config["MAX_EMBEDDINGS_PER_PERSON"]
    if not isinstance(vectors, list) or not 1 <= len(vectors) <= cap:
        raise Invalid(f"embeddings must be a list of 1 to {cap} vectors")
    return {
        "name": text_value(body.get("name"), "name", 200),
        "employee_no": employee_no,
        "consent": json.dumps(consent_clean, sort_keys=True),
        "vectors": [_vector(v, i) for i, v in enumerate(vectors)],
    }


def _record_change(conn: Connection, person_id: str) -> int:
    """Take the people write lock and the next cursor value (the first write of the transaction)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PEOPLE_LOCK_KEY})
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    result = conn.execute(schema.person_changes.insert().values(person_id=person_id, changed_at=now))
    return int(result.inserted_primary_key[0])


def _store(conn: Connection, person_id: str, fields: dict[str, Any] | None) -> int:
    seq = _record_change(conn, person_id)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    values = {
        "person_id": person_id,
        "name": fields["name"] if fields else "",
        "employee_no": fields["employee_no"] if fields else None,
        "consent": fields["consent"] if fields else None,
        "deleted": fields is None,
        "seq": seq,
        "updated_at": now,
        "updated_by": g.kiosk or g.admin,
    }
    upsert(conn, schema.people, values, key="person_id")
    conn.execute(delete(schema.embeddings).where(schema.embeddings.c.person_id == person_id))
    if fields:
        conn.execute(schema.embeddings.insert(), [{"person_id": person_id, "vector": v} for v in fields["vectors"]])
    conn.commit()
    return seq


def _person_id(raw: str) -> str:
    try:
        return identifier(raw, "person_id")
    except Invalid as exc:
        raise BadRequest(str(exc)) from exc


@bp.put("/people/<person_id>")
@auth.require("kiosk")
def put_person(person_id: str) -> Any:
    person_id = _person_id(person_id)
    try:
        fields = _parse_person(json_object())
    except Invalid as exc:
        raise BadRequest(str(exc)) from exc
    seq = _store(get_db(), person_id, fields)
    return jsonify(person_id=person_id, status="stored", cursor=seq)


@bp.delete("/people/<person_id>")
@auth.require("kiosk", "admin")
def delete_person(person_id: str) -> Any:
    person_id = _person_id(person_id)
    seq = _store(get_db(), person_id, None)
    return jsonify(person_id=person_id, status="deleted", cursor=seq)


def _public(row: Any) -> dict[str, Any]:
    return {
        "person_id": row.person_id,
        "name": row.name,
        "employee_no": row.employee_no,
        "consent": json.loads(row.consent) if row.consent else None,
        "updated_at": row.updated_at.replace(tzinfo=timezone.utc).isoformat(),
    }


def _embeddings(conn: Connection, person_ids: list[str]) -> dict[str, list[list[float]]]:
    out: dict[str, list[list[float]]] = {pid: [] for pid in person_ids}
    if person_ids:
        e = schema.embeddings
        rows = conn.execute(select(e.c.person_id, e.c.vector).where(e.c.person_id.in_(person_ids)).order_by(e.c.id))
        for row in rows:
            out[row.person_id].append(list(_PACK.unpack(row.vector)))
    return out


@bp.get("/people/changes")
@auth.require("kiosk", "admin")
def people_changes() -> Any:
    try:
        since = int(request.args.get("since", "0"))
    except ValueError as exc:
        raise BadRequest("since must be an integer cursor") from exc
    if not 0 <= since < 2**62:
        raise BadRequest("since must be a cursor this server gave out")
    page = current_app.config["PEOPLE_PAGE_SIZE"]
    p = schema.people
    conn = get_db()
    rows = conn.execute(select(p).where(p.c.seq > since).order_by(p.c.seq).limit(page + 1)).all()
    more = len(rows) > page
    rows = rows[:page]
    upserts = [_public(r) for r in rows if not r.deleted]
    if g.kiosk:
        vectors = _embeddings(conn, [u["person_id"] for u in upserts])
        for u in upserts:
            u["embeddings"] = vectors[u["person_id"]]
    return jsonify(
        upserts=upserts,
        deletions=[r.person_id for r in rows if r.deleted],
        cursor=rows[-1].seq if rows else since,
        more=more,
    )


@bp.get("/people")
@auth.require("admin")
def list_people() -> Any:
    p, e = schema.people, schema.embeddings
    conn = get_db()
    rows = conn.execute(select(p).where(p.c.deleted.is_(False)).order_by(p.c.person_id)).all()
    counts = dict(conn.execute(select(e.c.person_id, text("count(*)")).select_from(e).group_by(e.c.person_id)).all())
    return jsonify(people=[{**_public(r), "embedding_count": counts.get(r.person_id, 0)} for r in rows])
