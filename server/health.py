"""GET /health: 200 when the database answers (Redis down is "degraded"), 503 when it does not."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import text

from server.cache import get_cache
from server.db import get_engine

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> Any:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means the database is not usable
        log.warning("health: database check failed: %s", exc)
        database = "down"
    redis = get_cache().ping()
    healthy = database == "ok" and redis in ("ok", "disabled")
    response = jsonify(status="ok" if healthy else "degraded", database=database, redis=redis)
    response.status_code = 200 if database == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response
