"""GET /api/v1/audit (admin token): the audit log, oldest first, paged by id."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from server import audit, auth
from server.api import bp
from server.db import get_db
from server.validation import Invalid, query_identifier

_PAGE = 1000


@bp.get("/audit")
@auth.require("admin")
def get_audit() -> Any:
    try:
        since = int(request.args.get("since", "0"))
        limit = int(request.args.get("limit", str(_PAGE)))
    except ValueError as exc:
        raise Invalid("since and limit must be integers") from exc
    if not 0 <= since < 2**62 or not 1 <= limit <= _PAGE:
        raise Invalid(f"since must be 0 or more and limit 1..{_PAGE}")
    subject = query_identifier(request.args.get("subject"), "subject")
    entries = audit.read(get_db(), since, limit, subject)
    return jsonify(entries=entries, cursor=entries[-1]["id"] if entries else since)
