"""The domain's errors, JSON errors everywhere, and the security headers on every response.

Domain code raises ``Invalid`` (server.validation: 400), ``NotAllowed`` (403), ``Erased`` (410) and
``Unknown`` (404); the handlers here turn them into ``{"error": code, "message": text}``.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from server.validation import Invalid

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


class NotAllowed(PermissionError):
    """The caller's token may not do this; the message says why and whom to ask."""


class Erased(LookupError):
    """The person was erased; an erasure is final unless an administrator re-enrols them explicitly."""


class Unknown(LookupError):
    """There is no such person (or kiosk)."""


def error_response(status: int, code: str, message: str) -> Response:
    response = jsonify(error=code, message=message)
    response.status_code = status
    return response


def _http_error(exc: HTTPException) -> Response:
    code = (exc.name or "error").lower().replace(" ", "_").replace("'", "")
    response = error_response(exc.code or 500, code, exc.description or exc.name)
    if exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    if exc.code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="faceattend"'
    return response


def _invalid(exc: Invalid) -> Response:
    """A value failed validation anywhere below the views: 400 with the reason."""
    return error_response(400, "bad_request", str(exc))


def _not_allowed(exc: NotAllowed) -> Response:
    return error_response(403, "forbidden", str(exc))


def _erased(exc: Erased) -> Response:
    return error_response(410, "erased", str(exc))


def _unknown(exc: Unknown) -> Response:
    return error_response(404, "not_found", str(exc))


def _database_error(exc: OperationalError) -> Response:
    log.error("database unavailable during %s %s: %s", request.method, request.path, exc.orig)
    response = error_response(503, "database_unavailable", "the database is unavailable; retry later")
    response.headers["Retry-After"] = "5"
    return response


def _unexpected(exc: Exception) -> Response:
    log.exception("unhandled error in %s %s", request.method, request.path)
    return error_response(500, "internal_server_error", "the server failed; the error was logged")


def _headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Invalid, _invalid)
    app.register_error_handler(NotAllowed, _not_allowed)
    app.register_error_handler(Erased, _erased)
    app.register_error_handler(Unknown, _unknown)
    app.register_error_handler(OperationalError, _database_error)
    app.register_error_handler(Exception, _unexpected)
    app.after_request(_headers)
