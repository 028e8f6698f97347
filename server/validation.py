"""Validation at the API's edge: turn untrusted JSON into checked values or a reason to reject."""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from werkzeug.exceptions import BadRequest

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
FUTURE_SLACK = timedelta(days=2)
DIRECTIONS = ("in", "out")
METHODS = ("face", "pin", "badge")  # contract C1; absent or empty means "face"
MAX_REASON = 200


class Invalid(ValueError):
    """One value is invalid; the message says which and why. The app answers it with 400 (server.errors)."""


@dataclass(frozen=True, slots=True)
class Event:
    """A validated check-in, ready to store."""

    event_id: str
    person_id: str
    name: str
    timestamp: str
    ts_utc: datetime
    local_date: date
    distance: float
    direction: str
    method: str = "face"
    voids: str | None = None  # the event_id this event cancels (a kiosk's "Not you?"), contract C1
    reason: str = ""
    margin: float | None = None  # the best match's lead over the next person, when the kiosk sends it


def text(value: Any, field: str, max_len: int, allow_empty: bool = False) -> str:
    """``value`` as a clean string: no NUL or other control characters except in names, valid UTF-8."""
    if not isinstance(value, str):
        raise Invalid(f"{field} must be a string")
    if not value and not allow_empty:
        raise Invalid(f"{field} must not be empty")
    if len(value) > max_len:
        raise Invalid(f"{field} is longer than {max_len} characters")
    if "\x00" in value:
        raise Invalid(f"{field} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Invalid(f"{field} is not valid Unicode") from exc
    return value


#: Bidirectional formatting characters: embeddings and overrides (U+202A..U+202E), isolates
#: (U+2066..U+2069) and the marks (U+200E, U+200F, U+061C). In a name they reorder what a terminal, a
#: spreadsheet or a report shows around it.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def unsafe_in_name(ch: str) -> bool:
    """C0 and C1 control characters (escape sequences, carriage returns, tabs...), DEL, the line and
    paragraph separators, and the bidi formatting characters."""
    code = ord(ch)
    return code < 0x20 or 0x7F <= code <= 0x9F or ch in "\u2028\u2029" or ch in BIDI_CONTROLS


def name(value: Any, field: str = "name", max_len: int = 200, allow_empty: bool = False) -> str:
    """A person's name (or another label shown to people): ``text`` without control or bidi characters."""
    value = text(value, field, max_len, allow_empty)
    bad = next((ch for ch in value if unsafe_in_name(ch)), None)
    if bad is not None:
        raise Invalid(f"{field} contains a control or text-direction character (U+{ord(bad):04X})")
    return value


def displayable(value: str) -> str:
    """``value`` with every character ``name`` refuses replaced by U+FFFD (for text stored before the rule)."""
    return "".join("\ufffd" if unsafe_in_name(ch) else ch for ch in value)


def identifier(value: Any, field: str, max_len: int = 128) -> str:
    value = text(value, field, max_len)
    if not value.isprintable() or value != value.strip():
        raise Invalid(f"{field} must be printable without surrounding spaces")
    return value


def number(value: Any, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(f"{field} must be a number")
    try:
        value = float(value)
    except OverflowError as exc:
        raise Invalid(f"{field} is out of range") from exc
    if not math.isfinite(value) or not low <= value <= high:
        raise Invalid(f"{field} must be between {low} and {high}")
    return value


def integer(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(f"{field} must be an integer between {low} and {high}")
    return value


def timestamp(value: Any, field: str = "timestamp") -> datetime:
    """An aware datetime from an ISO-8601 string with a UTC offset, between 2000 and now + 2 days."""
    raw = text(value, field, 40)
    try:
        ts = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise Invalid(f"{field} is not an ISO-8601 date-time") from exc
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise Invalid(f"{field} must carry a UTC offset, e.g. 2024-05-01T08:30:00+02:00")
    try:
        in_range = EARLIEST <= ts <= datetime.now(timezone.utc) + FUTURE_SLACK
    except (OverflowError, ValueError):
        in_range = False
    if not in_range:
        raise Invalid(f"{field} is before 2000 or in the future")
    return ts


#: The longest text ``canonical_time`` renders: 2024-05-01T08:30:00.123456+02:00.
TIMESTAMP_WIDTH = 32


@dataclass(frozen=True, slots=True)
class CanonicalTime:
    """A check-in's time as stored: the text shown (the kiosk's local time and offset, rendered by the
    server, at most TIMESTAMP_WIDTH characters), the UTC instant (naive, for ordering) and the local date."""

    text: str
    utc: datetime
    local_date: date


def canonical_time(ts: datetime) -> CanonicalTime:
    """The canonical form of the aware ``ts``: its offset rounded to the nearest whole minute (ISO 8601 and RFC 3339
    know no offset seconds; the instant itself is kept to the microsecond), the local time in that offset
    rendered as ``YYYY-MM-DDTHH:MM:SS[.ffffff]+HH:MM``."""
    offset = ts.utcoffset()
    if offset is None:
        raise ValueError("canonical_time needs an aware datetime")
    utc = ts.astimezone(timezone.utc)
    seconds = offset.total_seconds()
    minutes = int(math.copysign(math.floor(abs(seconds) / 60 + 0.5), seconds))  # half a minute rounds away from 0
    local = utc.astimezone(timezone(timedelta(minutes=minutes)))
    text_form = local.isoformat(timespec="microseconds" if local.microsecond else "seconds")
    return CanonicalTime(text_form, utc.replace(tzinfo=None), local.date())


def event_id(value: Any) -> str:
    raw = text(value, "event_id", 36)
    try:
        return str(uuid.UUID(raw))
    except ValueError as exc:
        raise Invalid("event_id must be a UUID") from exc


def parse_event(raw: Any) -> Event:
    """A validated Event. Raises Invalid with the first problem found."""
    if not isinstance(raw, dict):
        raise Invalid("an event must be a JSON object")
    eid = event_id(raw.get("event_id"))
    when = canonical_time(timestamp(raw.get("timestamp")))
    direction = raw.get("direction")
    if direction not in DIRECTIONS:
        raise Invalid('direction must be "in" or "out"')
    method = raw.get("method") or "face"
    if method not in METHODS:
        raise Invalid(f"method must be one of {', '.join(METHODS)}")
    voids = raw.get("voids") or None
    if voids is not None:
        try:
            voids = event_id(voids)
        except Invalid as exc:
            raise Invalid("voids must be the event_id (a UUID) of the check-in it cancels") from exc
        if voids == eid:
            raise Invalid("an event cannot void itself")
    margin = raw.get("margin")
    return Event(
        event_id=eid,
        person_id=identifier(raw.get("person_id"), "person_id"),
        name=name(raw.get("name"), "name", 200),
        timestamp=when.text,
        ts_utc=when.utc,
        local_date=when.local_date,
        distance=number(raw.get("distance"), "distance", 0.0, 4.0),
        direction=direction,
        method=method,
        voids=voids,
        reason=text(raw.get("reason") or "", "reason", MAX_REASON, allow_empty=True),
        margin=None if margin is None else number(margin, "margin", 0.0, 4.0),
    )


def json_object() -> dict[str, Any]:
    """The request body as a JSON object, or 400."""
    from flask import request

    if not request.is_json:
        raise BadRequest("send a JSON body with Content-Type: application/json")
    try:
        body = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError) as exc:
        raise BadRequest("the body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def query_date(value: str | None, field: str) -> date | None:
    """An optional date from the query string. Raises Invalid."""
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f"{field} must be a date like 2024-05-01") from exc


def query_identifier(value: str | None, field: str) -> str | None:
    """An optional id from the query string (NUL bytes and the like never reach the database)."""
    if value is None or value == "":
        return None
    return identifier(value, field)
