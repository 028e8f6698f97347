"""Kiosk writes: POST /api/v1/events (a batch of check-ins) and POST /api/v1/heartbeat."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import current_app, g, jsonify
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from server import auth, ingest
from server.api import bp
from server.db import get_db
from server.validation import json_object


@bp.post("/events")
@auth.require("kiosk")
def post_events() -> Any:
    raw_events = json_object().get("events")
    if not isinstance(raw_events, list):
        raise BadRequest('the body must be {"events": [...]}')
    limit = current_app.config["MAX_BATCH_EVENTS"]
    if len(raw_events) > limit:
        raise RequestEntityTooLarge(f"at most {limit} events per batch")
    return jsonify(results=ingest.store_events(get_db(), g.kiosk, raw_events))


@bp.post("/heartbeat")
@auth.require("kiosk")
def post_heartbeat() -> Any:
    ingest.store_heartbeat(get_db(), g.kiosk, json_object())
    return jsonify(status="ok", kiosk=g.kiosk, server_time=datetime.now(timezone.utc).isoformat())
