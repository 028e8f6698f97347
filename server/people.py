"""People and embeddings, shared by every kiosk: store, erase, list, and the change feed kiosks pull.

A change's cursor is a sequence number given under a write lock (SQLite's database lock; a PostgreSQL
advisory lock, server.locks.PEOPLE), so changes commit in cursor order and a reader never skips one.
Erasure leaves a tombstone (the person id only), removes the name, employee number, consent, embeddings
and cached presence, and applies ERASURE_CHECKINS to the check-in history. Embeddings are stored sealed
(server.crypto) and leave the server only for kiosks. Every change is written to the audit log in the same
transaction. These functions serve the JSON API, the web console and the command line alike.
"""

from __future__ import annotations

import json
import math
import struct
from datetime import datetime, timezone
from typing import Any, NoReturn

from flask import current_app
from sqlalchemy import Connection, delete, func, select, update

from server import audit, auth, locks, schema
from server.auth import Principal
from server.cache import get_cache
from server.db import upsert
from server.errors import Erased, NotAllowed, Unknown
from server.privacy import erase_checkins, get_sealer
from server.validation import Invalid, timestamp
from server.validation import name as name_value
from server.validation import text as text_value

DIM = 128
_PACK = struct.Struct(f"<{DIM}d")


def _vector(value: Any, index: int) -> bytes:
    if not isinstance(value, list) or len(value) != DIM:
        raise Invalid(f"embeddings[{index}] must be a list of {DIM} numbers")
    for x in value:
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or abs(x) > 100:
            raise Invalid(f"embeddings[{index}] must hold finite numbers between -100 and 100")
    return _PACK.pack(*(float(x) for x in value))


def parse_person(body: dict[str, Any], max_embeddings: int) -> dict[str, Any]:
    """The fields of a person from an untrusted JSON object. Raises Invalid with the first problem."""
    consent = body.get("consent")
    if not isinstance(consent, dict) or consent.get("given") is not True:
        raise Invalid('consent must be {"given": true, "at": ISO-8601 date-time, "version": text}')
    consent_clean = {
        "given": True,
        "at": timestamp(consent.get("at"), "consent.at").isoformat(),
        "version": text_value(consent.get("version", ""), "consent.version", 64, allow_empty=True),
    }
    for key, limit in (("given_by", 200), ("text", 4000)):  # who confirmed it, and the text agreed to
        if consent.get(key) is not None:
            check = name_value if key == "given_by" else text_value  # the consent text may hold line breaks
            consent_clean[key] = check(consent[key], f"consent.{key}", limit, allow_empty=True)
    employee_no = body.get("employee_no")
    if employee_no is not None:
        employee_no = name_value(employee_no, "employee_no", 64, allow_empty=True)
    vectors = body.get("embeddings")
    if not isinstance(vectors, list) or not 1 <= len(vectors) <= max_embeddings:
        raise Invalid(f"embeddings must be a list of 1 to {max_embeddings} vectors")
    return {
        "name": name_value(body.get("name"), "name", 200),
        "employee_no": employee_no,
        "consent": json.dumps(consent_clean, sort_keys=True),
        "vectors": [_vector(v, i) for i, v in enumerate(vectors)],
    }


def _begin_change(conn: Connection, person_id: str) -> tuple[int, Any]:
    """Take the people write lock and the next cursor value (the first write of the transaction), then
    read the person as it is now (so that no other change can slip in between the check and the write)."""
    locks.hold_for_transaction(conn, locks.PEOPLE)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    result = conn.execute(schema.person_changes.insert().values(person_id=person_id, changed_at=now))
    p = schema.people
    row = conn.execute(
        select(p.c.seq, p.c.deleted, p.c.erased, p.c.enrolled_by, p.c.updated_at).where(p.c.person_id == person_id)
    ).first()
    return int(result.inserted_primary_key[0]), row


def _refuse(conn: Connection, who: Principal, action: str, person_id: str, exc: Exception) -> NoReturn:
    """Undo the change begun, audit the refusal, raise ``exc``."""
    conn.rollback()
    audit.record(conn, who.actor, "denied", person_id, {"wanted": action, "reason": type(exc).__name__})
    conn.commit()
    raise exc


def _owner_check(who: Principal, row: Any, person_id: str, what: str) -> Exception | None:
    """Why ``who`` may not ``what`` ("change", "erase") the existing person, or None when it may."""
    if who.is_admin or row.enrolled_by == who.name:
        return None
    where = f"enrolled at {row.enrolled_by}" if row.enrolled_by else "enrolled before enrolments were recorded"
    return NotAllowed(f"{person_id} was {where}: only that kiosk or an administrator can {what} them; "
                      "ask an administrator")  # fmt: skip


def _no_enrol_scope(who: Principal) -> NotAllowed:
    return NotAllowed(
        f"kiosk {who.name} may check people in but not enrol, change or erase them (its token has no enrol "
        f"scope): ask an administrator (python -m server kiosk scopes {who.name} --enrol)"
    )


def enrol(conn: Connection, person_id: str, fields: dict[str, Any], who: Principal, *, reenrol: bool = False) -> int:
    """Create or change ``person_id`` on behalf of ``who``; commits; returns the change's cursor.

    A kiosk needs the enrol scope and may change only the people it enrolled; an admin may change anyone.
    An erased person stays erased (raises Erased) unless an admin passes ``reenrol``. Raises NotAllowed.
    """
    if not who.may(auth.ENROL):
        _refuse(conn, who, "enrol", person_id, _no_enrol_scope(who))
    if reenrol and not who.is_admin:
        _refuse(conn, who, "enrol", person_id, NotAllowed("only an administrator can re-enrol an erased person"))
    seq, row = _begin_change(conn, person_id)
    enrolled_by = who.enrolled_by
    if row is not None and row.erased:
        if not reenrol:
            when = row.updated_at.replace(tzinfo=timezone.utc).isoformat(timespec="seconds")
            _refuse(conn, who, "enrol", person_id, Erased(
                f"{person_id} was erased at {when}; an erasure is final (enrol them again under a new id, or an "
                "administrator re-enrols this id explicitly with ?reenrol=true)"
            ))  # fmt: skip
    elif row is not None:
        refusal = _owner_check(who, row, person_id, "change")
        if refusal is not None:
            _refuse(conn, who, "enrol", person_id, refusal)
        enrolled_by = row.enrolled_by or enrolled_by
    return _write(conn, seq, person_id, fields, who.actor, enrolled_by=enrolled_by,
                  action="re-enrol" if row is not None and row.erased else "enrol")  # fmt: skip


def erase(conn: Connection, person_id: str, who: Principal) -> int:
    """Erase ``person_id`` on behalf of ``who``; commits; returns the cursor (the tombstone's, when the
    person was erased already). A kiosk needs the enrol scope and may erase only the people it enrolled;
    a kiosk erasing someone the server never had gets Unknown. Raises NotAllowed, Unknown."""
    if not who.may(auth.ENROL):
        _refuse(conn, who, "delete", person_id, _no_enrol_scope(who))
    seq, row = _begin_change(conn, person_id)
    if row is None and not who.is_admin:
        _refuse(conn, who, "delete", person_id, Unknown(f"the server has no person {person_id}"))
    if row is not None and row.erased:
        conn.rollback()
        return int(row.seq)
    if row is not None:
        refusal = _owner_check(who, row, person_id, "erase")
        if refusal is not None:
            _refuse(conn, who, "delete", person_id, refusal)
    config = current_app.config
    return _write(conn, seq, person_id, None, who.actor, enrolled_by=row.enrolled_by if row else None,
                  erasure=(config["ERASURE_CHECKINS"], config["SECRET_KEY"]))  # fmt: skip


def _write(
    conn: Connection,
    seq: int,
    person_id: str,
    fields: dict[str, Any] | None,
    actor: str,
    *,
    enrolled_by: str | None,
    erasure: tuple[str, str] | None = None,
    action: str | None = None,
) -> int:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    values = {
        "person_id": person_id,
        "name": fields["name"] if fields else "",
        "employee_no": fields["employee_no"] if fields else None,
        "consent": fields["consent"] if fields else None,
        "deleted": fields is None,
        "erased": fields is None and erasure is not None,
        "enrolled_by": enrolled_by[:80] if enrolled_by else None,
        "seq": seq,
        "updated_at": now,
        "updated_by": actor[:64],
    }
    if fields is None:
        values["department"] = None  # set in the console; an erasure removes it too
    upsert(conn, schema.people, values, key="person_id")
    removed = conn.execute(delete(schema.embeddings).where(schema.embeddings.c.person_id == person_id)).rowcount
    details: dict[str, Any] = {"cursor": seq}
    if fields:
        sealer = get_sealer()
        rows = [{"person_id": person_id, "vector": sealer.seal(person_id, v)} for v in fields["vectors"]]
        conn.execute(schema.embeddings.insert(), rows)
        details["embeddings"] = len(rows)
    else:
        details["embeddings_removed"] = removed
        if erasure is not None:
            details["checkins_policy"] = erasure[0]
            details["checkins_changed"] = erase_checkins(conn, person_id, *erasure)
    audit.record(conn, actor, action or ("enrol" if fields else "delete"), person_id, details)
    conn.commit()
    if not fields:
        get_cache().forget_person(person_id)
    return seq


def store_person(
    conn: Connection,
    person_id: str,
    fields: dict[str, Any] | None,
    actor: str,
    *,
    erasure: tuple[str, str] | None = None,
    action: str | None = None,
) -> int:
    """Store ``fields`` (from parse_person) for ``person_id``, or remove the person when None, without any
    permission check (the command line, retention); commits; returns the change's cursor.

    ``erasure`` is (ERASURE_CHECKINS policy, SECRET_KEY) for an erasure, None for a template expiry.
    Needs an app context (the embeddings key and the cache).
    """
    seq, row = _begin_change(conn, person_id)
    enrolled_by = row.enrolled_by if row is not None else (actor.removeprefix("kiosk:") if fields else None)
    return _write(conn, seq, person_id, fields, actor, enrolled_by=enrolled_by, erasure=erasure, action=action)


def erase_person(conn: Connection, person_id: str, actor: str) -> int:
    """Erase ``person_id`` under the app's ERASURE_CHECKINS policy, without a permission check (the command
    line); commits; returns the cursor."""
    config = current_app.config
    return store_person(conn, person_id, None, actor, erasure=(config["ERASURE_CHECKINS"], config["SECRET_KEY"]))


def _public(row: Any) -> dict[str, Any]:
    return {
        "person_id": row.person_id,
        "name": row.name,
        "employee_no": row.employee_no,
        "consent": json.loads(row.consent) if row.consent else None,
        "updated_at": row.updated_at.replace(tzinfo=timezone.utc).isoformat(),
        "enrolled_by": row.enrolled_by,
    }


def _embeddings_of(conn: Connection, person_id: str) -> list[list[float]]:
    e = schema.embeddings
    sealer = get_sealer()
    rows = conn.execute(select(e.c.vector).where(e.c.person_id == person_id).order_by(e.c.id)).scalars()
    return [list(_PACK.unpack(sealer.open(person_id, blob))) for blob in rows]


def changes_since(
    conn: Connection, since: int, page: int, *, with_embeddings: bool, page_bytes: int = 1 << 20
) -> dict[str, Any]:
    """One page of the change feed after cursor ``since``: upserts, deletions, the new cursor, ``more``.

    A page holds at most ``page`` people and about ``page_bytes`` of JSON (always at least one person, who
    may be larger on their own), so the server's memory per request stays flat however large the gallery
    grows: people are read one at a time and the page stops when the next one would not fit. Embeddings
    are included only ``with_embeddings`` (for kiosks; never for admins).
    """
    if not 0 <= since < 2**62:
        raise Invalid("since must be a cursor this server gave out")
    p = schema.people
    rows = conn.execute(select(p).where(p.c.seq > since).order_by(p.c.seq).limit(page + 1)).all()
    more = len(rows) > page
    upserts: list[dict[str, Any]] = []
    deletions: list[str] = []
    cursor, used = since, 0
    for row in rows[:page]:
        item: Any = row.person_id
        if not row.deleted:
            item = _public(row)
            if with_embeddings:
                item["embeddings"] = _embeddings_of(conn, row.person_id)
        size = len(json.dumps(item, separators=(",", ":"))) + 1
        if cursor != since and used + size > page_bytes:
            more = True
            break
        (deletions if row.deleted else upserts).append(item)
        cursor, used = row.seq, used + size
    return {"upserts": upserts, "deletions": deletions, "cursor": cursor, "more": more}


def list_people(conn: Connection) -> list[dict[str, Any]]:
    """Everyone enrolled (not erased), by person id, with how many embeddings each has (never the vectors)."""
    p, e = schema.people, schema.embeddings
    rows = conn.execute(select(p).where(p.c.deleted.is_(False)).order_by(p.c.person_id)).all()
    counts = dict(conn.execute(select(e.c.person_id, func.count()).select_from(e).group_by(e.c.person_id)).all())
    return [{**_public(r), "embedding_count": counts.get(r.person_id, 0)} for r in rows]


def update_details(
    conn: Connection, person_id: str, name: str, employee_no: str, department: str, actor: str
) -> int | None:
    """Rename a person and set the employee number and department (the console's People page); commits.

    Kiosks pull the new name with the next change (a new cursor). Returns the cursor, or None when the
    person is not enrolled (unknown or erased). Raises Invalid for a bad value.
    """
    name = name_value(name.strip(), "name", 200)
    employee_no = name_value(employee_no.strip(), "employee number", 64, allow_empty=True)
    department = name_value(department.strip(), "department", 100, allow_empty=True)
    p = schema.people
    seq, row = _begin_change(conn, person_id)
    if row is None or row.deleted:
        conn.rollback()
        return None
    conn.execute(
        update(p)
        .where(p.c.person_id == person_id)
        .values(
            name=name,
            employee_no=employee_no or None,
            department=department or None,
            seq=seq,
            updated_at=datetime.now(timezone.utc).replace(tzinfo=None),
            updated_by=actor[:64],
        )
    )
    audit.record(conn, actor, "rename", person_id, {"cursor": seq})
    conn.commit()
    return seq
