"""Check-ins posted the way kiosks post them: through POST /api/v1/events with a kiosk token."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from tests.server.conftest import bearer


def post_events(client, token: str, *events: dict) -> list[dict]:
    response = client.post("/api/v1/events", json={"events": list(events)}, headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def checkin(person_id: str, name: str, at: datetime, direction: str = "in", distance: float = 0.3, **extra) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "person_id": person_id,
        "name": name,
        "timestamp": at.isoformat(),
        "distance": distance,
        "direction": direction,
        **extra,
    }


def void_of(event: dict, reason: str = "not_me") -> dict:
    """A kiosk's "Not you?" event for ``event`` (contract C1)."""
    return {
        **event,
        "event_id": str(uuid.uuid4()),
        "timestamp": datetime.now(timezone.utc).isoformat(),
        "distance": 0,
        "voids": event["event_id"],
        "reason": reason,
    }


def minutes_ago(n: int) -> datetime:
    return datetime.now(timezone.utc) - timedelta(minutes=n)


def enrol(client, token: str, person_id: str, name: str, employee_no: str = "", samples: int = 2) -> None:
    """Enrol ``person_id`` through the API, as a kiosk does (made-up templates: the console never reads them)."""
    body = {
        "name": name,
        "employee_no": employee_no or None,
        "consent": {"given": True, "at": "2024-05-01T08:00:00+02:00", "version": "v1"},
        "embeddings": [[0.01 * (i + 1)] * 128 for i in range(samples)],
    }
    response = client.put(f"/api/v1/people/{person_id}", json=body, headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)


def midday_zone(now: datetime | None = None) -> str:
    """A zone (a city's when one fits) in which it is now between 07:00 and 17:00: "today" cannot roll over."""
    from zoneinfo import ZoneInfo

    now = now or datetime.now(timezone.utc)
    cities = ["Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Asia/Kolkata"]
    etc = ["Etc/GMT" + (f"{-hours:+d}" if hours else "") for hours in range(-12, 15)]
    for name in cities + etc:
        if 7 <= now.astimezone(ZoneInfo(name)).hour < 17:
            return name
    raise AssertionError("no zone found")
