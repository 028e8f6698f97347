"""The JSON API under /api/v1: events and heartbeats from kiosks, attendance for admins, people sync."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from server.api import attendance, audit, events, people  # noqa: E402,F401 - registers the routes on bp
