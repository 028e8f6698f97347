"""People sync over HTTP: kiosks push (PUT) and erase people and pull the changes since their cursor;
admins list people. The logic and the rules (scopes, owners, tombstones) are in server.people."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, jsonify, request

from server import audit, auth, people
from server.api import bp
from server.db import get_db
from server.validation import Invalid, identifier, json_object


@bp.put("/people/<person_id>")
@auth.require("kiosk", "admin")
def put_person(person_id: str) -> Any:
    person_id = identifier(person_id, "person_id")
    reenrol = request.args.get("reenrol", "").lower() in ("1", "true", "yes")
    fields = people.parse_person(json_object(), current_app.config["MAX_EMBEDDINGS_PER_PERSON"])
    seq = people.enrol(get_db(), person_id, fields, auth.principal(), reenrol=reenrol)
    return jsonify(person_id=person_id, status="stored", cursor=seq)


@bp.delete("/people/<person_id>")
@auth.require("kiosk", "admin")
def delete_person(person_id: str) -> Any:
    person_id = identifier(person_id, "person_id")
    seq = people.erase(get_db(), person_id, auth.principal())
    return jsonify(person_id=person_id, status="deleted", cursor=seq)


@bp.get("/people/changes")
@auth.require("kiosk", "admin")
def people_changes() -> Any:
    try:
        since = int(request.args.get("since", "0"))
    except ValueError as exc:
        raise Invalid("since must be an integer cursor") from exc
    config = current_app.config
    conn = get_db()
    answer = people.changes_since(conn, since, config["PEOPLE_PAGE_SIZE"], with_embeddings=bool(g.kiosk),
                                  page_bytes=config["PEOPLE_PAGE_BYTES"])  # fmt: skip
    if g.admin:  # an admin reading the people is audited; kiosks pull them every minute to recognise them
        details = {"since": since, "people": len(answer["upserts"]), "deletions": len(answer["deletions"])}
        audit.record_read(conn, auth.actor(), "read-people", None, details)
    return jsonify(answer)


@bp.get("/people")
@auth.require("admin")
def list_people() -> Any:
    conn = get_db()
    listing = people.list_people(conn)
    audit.record_read(conn, auth.actor(), "read-people", None, {"people": len(listing)})
    return jsonify(people=listing)
