"""The admin PIN: hashing, rules, and the growing lockout after wrong guesses."""

from __future__ import annotations

import pytest

from kiosk.core.config import load_config
from kiosk.core.pin import (
    MAX_DELAY_S,
    PinGuard,
    check_pin_rules,
    hash_pin,
    lockout_delay,
    set_pin_in_config,
    verify_pin,
)


class FakeClock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, s: float) -> None:
        self.t += s


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_pin("2468")


def test_hash_has_the_documented_format_and_a_fresh_salt(stored):
    parts = stored.split("$")
    assert parts[0] == "scrypt" and len(parts) == 6
    assert hash_pin("2468") != stored  # random salt


def test_right_pin_verifies_and_wrong_ones_do_not(stored):
    assert verify_pin("2468", stored)
    assert not verify_pin("2469", stored)
    assert not verify_pin("", stored)
    assert not verify_pin("2468", "")
    assert not verify_pin("2468", "scrypt$bad")
    assert not verify_pin("2468", "bcrypt$1$2$3$4$5")


@pytest.mark.parametrize(
    ("pin", "words"),
    [("", "empty"), ("123", "too short"), ("1234567890123", "too long"), ("12a4", "digits only"), ("١٢٣٤", "digits")],
)
def test_pin_rules_explain_what_is_wrong(pin, words):
    with pytest.raises(ValueError, match=words):
        check_pin_rules(pin)
    with pytest.raises(ValueError):
        hash_pin(pin)


def test_pin_rules_accept_4_to_12_digits():
    assert check_pin_rules("0000") == "0000"
    assert check_pin_rules("123456789012") == "123456789012"


def test_delay_grows_after_three_failures_and_is_capped():
    assert [lockout_delay(n) for n in range(1, 7)] == [0, 0, 5, 10, 20, 40]
    assert lockout_delay(50) == MAX_DELAY_S


def test_wrong_pins_lock_out_with_a_growing_delay_and_refuse_even_the_right_pin(stored):
    clock = FakeClock()
    guard = PinGuard(stored, clock=clock)
    assert guard.attempt("0000").message.startswith("Wrong PIN. 2 more tries")
    assert guard.attempt("0000").wait_s == 0
    third = guard.attempt("0000")
    assert not third.ok and third.wait_s == 5
    assert third.message == "Too many wrong PINs. Try again in 5 s."

    clock.advance(4)
    refused = guard.attempt("2468")  # right PIN, but still locked: not even checked
    assert not refused.ok and refused.wait_s == pytest.approx(1)

    clock.advance(1)
    assert guard.attempt("1111").wait_s == 10
    clock.advance(10)
    assert guard.attempt("1111").wait_s == 20
    clock.advance(20)
    res = guard.attempt("1111")
    assert res.wait_s == 40 and res.message == "Too many wrong PINs. Try again in 40 s."


def test_success_resets_the_count(stored):
    clock = FakeClock()
    guard = PinGuard(stored, clock=clock)
    for _ in range(3):
        guard.attempt("0000")
    clock.advance(5)
    assert guard.attempt("2468").ok
    assert guard.failures == 0
    assert guard.attempt("0000").wait_s == 0  # back to free tries


def test_lockout_survives_a_restart_through_the_state_file(stored, tmp_path):
    state = tmp_path / "pin_state.json"
    wall = FakeClock(1_700_000_000.0)
    guard = PinGuard(stored, clock=FakeClock(), state_file=state, wall_clock=wall)
    for _ in range(3):
        guard.attempt("0000")
    assert guard.attempt("0000").wait_s == 5  # refused while locked: the count stays at 3
    assert guard.failures == 3

    wall.advance(2)
    restarted = PinGuard(stored, clock=FakeClock(50.0), state_file=state, wall_clock=wall)
    res = restarted.attempt("2468")
    assert not res.ok and res.wait_s == pytest.approx(3)
    assert restarted.failures == 3


def test_unreadable_state_file_is_ignored(stored, tmp_path):
    state = tmp_path / "pin_state.json"
    state.write_text("{not json")
    assert PinGuard(stored, state_file=state).attempt("2468").ok


def test_without_a_pin_set_every_attempt_fails_with_a_hint():
    res = PinGuard("").attempt("1234")
    assert not res.ok and "set-pin" in res.message


def test_set_pin_in_config_writes_a_hash_the_config_loads(tmp_path):
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[kiosk]\nkiosk_id = "front-door"\n')
    set_pin_in_config("97531", cfg)
    config = load_config(cfg, env={})
    assert config.kiosk_id == "front-door"
    assert verify_pin("97531", config.admin_pin_hash)
    assert "97531" not in cfg.read_text()
    with pytest.raises(ValueError, match="too short"):
        set_pin_in_config("12", cfg)
