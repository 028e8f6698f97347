from datetime import datetime, timedelta, timezone

import pytest

from kiosk.core.checkin import CheckInPolicy
from kiosk.core.types import CheckIn, Direction

T0 = datetime(2026, 11, 30, 8, 57, tzinfo=timezone(timedelta(hours=1)))


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


def test_second_sighting_within_cooldown_is_not_a_new_checkin():
    clock = Clock()
    p = CheckInPolicy("k1", cooldown_s=300, clock=clock)
    first = p.decide("ada", "Ada", 0.31)
    assert first.is_new and first.checkin.person_id == "ada" and first.checkin.kiosk_id == "k1"
    assert first.checkin.timestamp.utcoffset() is not None
    clock.now += timedelta(seconds=120)
    again = p.decide("ada", "Ada", 0.3)
    assert not again.is_new and again.previous == T0
    clock.now += timedelta(seconds=181)
    assert p.decide("ada", "Ada", 0.3).is_new


def test_cooldown_is_per_person_and_events_have_unique_ids():
    p = CheckInPolicy("k1", cooldown_s=300, clock=Clock())
    a, b = p.decide("ada", "Ada", 0.3), p.decide("bob", "Bob", 0.3)
    assert a.is_new and b.is_new and a.checkin.event_id != b.checkin.event_id


def test_history_from_the_csv_prevents_a_double_checkin_after_restart():
    clock = Clock()
    p = CheckInPolicy("k1", cooldown_s=300, direction=Direction.OUT, clock=clock)
    p.seed([CheckIn("e", "ada", "Ada", T0 - timedelta(seconds=60), "k1", 0.3)])
    assert not p.decide("ada", "Ada", 0.3).is_new
    assert p.decide("bob", "Bob", 0.3).checkin.direction is Direction.OUT


def test_forget_lets_the_next_sighting_retry():
    p = CheckInPolicy("k1", cooldown_s=300, clock=Clock())
    p.decide("ada", "Ada", 0.3)
    p.forget("ada")
    assert p.decide("ada", "Ada", 0.3).is_new


def test_negative_cooldown_is_refused():
    with pytest.raises(ValueError):
        CheckInPolicy("k1", cooldown_s=-1)


def test_reconfigure_takes_a_new_cooldown_and_direction_from_the_next_decision():
    clock = Clock()
    p = CheckInPolicy("k1", cooldown_s=300, clock=clock)
    assert p.decide("ada", "Ada", 0.3).checkin.direction is Direction.IN
    clock.now += timedelta(seconds=61)
    p.reconfigure(cooldown_s=60, direction=Direction.OUT)
    again = p.decide("ada", "Ada", 0.3)
    assert again.is_new and again.checkin.direction is Direction.OUT
    with pytest.raises(ValueError, match="negative"):
        p.reconfigure(cooldown_s=-1, direction=Direction.IN)
    assert p.cooldown == timedelta(seconds=60)  # a refused change leaves the policy as it was
