"""The report's wall-clock conversion (pure logic): per-hour offsets, exact inside an hour that changes."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from server.reports import local_seconds


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


@pytest.mark.parametrize(
    "zone, utc, offset_hours",
    [
        ("Europe/Berlin", "2024-03-31T00:59:59", 1),  # the last second of winter time
        ("Europe/Berlin", "2024-03-31T01:00:00", 2),  # summer time from 01:00 UTC
        ("Europe/Berlin", "2024-10-27T00:59:59", 2),
        ("Europe/Berlin", "2024-10-27T01:00:00", 1),
        ("America/St_Johns", "2024-03-10T05:15:00", -3.5),  # the change falls at 05:30 UTC, inside an hour
        ("America/St_Johns", "2024-03-10T05:45:00", -2.5),
        ("Asia/Kathmandu", "2024-06-01T12:00:00", 5.75),
        ("UTC", "2024-06-01T12:00:00", 0),
    ],
)
def test_local_seconds_matches_astimezone(zone, utc, offset_hours):
    convert = local_seconds(ZoneInfo(zone))
    for _ in range(2):  # the second call comes from the per-hour cache
        assert convert(epoch(utc)) - epoch(utc) == offset_hours * 3600
    expected = datetime.fromtimestamp(epoch(utc), timezone.utc).astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    assert epoch(expected.isoformat()) == convert(epoch(utc))
