"""The admin PIN: hashing, checking, and a lockout that grows with every wrong guess. No Qt here.

A stored PIN is ``scrypt$n$r$p$salt_b64$hash_b64`` (a random 16-byte salt per hash). ``PinGuard`` refuses
attempts, without checking them, for a growing while after three wrong PINs in a row: 5 s, 10 s, 20 s, ...
up to 5 minutes. Its state may live in a small JSON file so that restarting the app does not reset the
lockout.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.atomic import OWNER_ONLY, replace_json

log = logging.getLogger(__name__)

MIN_DIGITS = 4
MAX_DIGITS = 12
FREE_ATTEMPTS = 3  # wrong PINs allowed before the first delay
BASE_DELAY_S = 5.0
MAX_DELAY_S = 300.0

_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
_DKLEN = 32
_SALT_BYTES = 16


def check_pin_rules(pin: str) -> str:
    """Return ``pin`` when it is 4-12 digits; raise ValueError with a sentence saying what is wrong."""
    if not isinstance(pin, str):
        raise ValueError("The PIN must be text made of digits.")
    if not pin:
        raise ValueError("The PIN is empty; use 4 to 12 digits.")
    if not pin.isascii() or not pin.isdigit():
        raise ValueError("The PIN may contain digits only (0-9).")
    if len(pin) < MIN_DIGITS:
        raise ValueError(f"The PIN is too short ({len(pin)} digits); use at least {MIN_DIGITS}.")
    if len(pin) > MAX_DIGITS:
        raise ValueError(f"The PIN is too long ({len(pin)} digits); use at most {MAX_DIGITS}.")
    return pin


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=dklen)


def hash_pin(pin: str) -> str:
    """Hash a PIN that follows the rules; returns ``scrypt$n$r$p$salt_b64$hash_b64``. Raises ValueError."""
    check_pin_rules(pin)
    salt = os.urandom(_SALT_BYTES)
    digest = _scrypt(pin, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _DKLEN)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when ``pin`` matches the ``stored`` hash (constant-time compare). Malformed hashes never match."""
    if not isinstance(pin, str) or not pin or not stored:
        return False
    try:
        scheme, n, r, p, salt_b64, hash_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(hash_b64, validate=True)
        n_i, r_i, p_i = int(n), int(r), int(p)
        if not (2 <= n_i <= 2**20 and 1 <= r_i <= 32 and 1 <= p_i <= 16 and 16 <= len(expected) <= 64):
            return False
        digest = _scrypt(pin, salt, n_i, r_i, p_i, len(expected))
    except (ValueError, TypeError):
        log.warning("the stored admin PIN hash is malformed")
        return False
    return hmac.compare_digest(digest, expected)


def lockout_delay(failures: int) -> float:
    """Seconds to wait after ``failures`` wrong PINs in a row: 0 for the first three, then 5 s doubling, <= 5 min."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return min(MAX_DELAY_S, BASE_DELAY_S * 2.0 ** (failures - FREE_ATTEMPTS))


def format_wait(seconds: float) -> str:
    """A wait as people say it: "40 s", "2 min 5 s"."""
    s = max(1, math.ceil(seconds))
    if s < 60:
        return f"{s} s"
    minutes, rest = divmod(s, 60)
    return f"{minutes} min" if rest == 0 else f"{minutes} min {rest} s"


def locked_message(wait_s: float) -> str:
    return f"Too many wrong PINs. Try again in {format_wait(wait_s)}."


@dataclass(frozen=True, slots=True)
class PinResult:
    """The answer to one attempt: ``ok``, how long the next attempt must wait, and a sentence to show."""

    ok: bool
    wait_s: float
    message: str


class PinGuard:
    """Checks admin PIN attempts against ``stored_hash`` and locks out after repeated failures.

    ``clock`` is monotonic seconds (inject one in tests). With ``state_file`` the failure count and the
    remaining lockout survive a restart (stored as wall-clock time, since a monotonic clock restarts too).
    """

    def __init__(
        self,
        stored_hash: str,
        clock: Callable[[], float] = time.monotonic,
        *,
        state_file: str | os.PathLike[str] | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.stored_hash = stored_hash
        self._clock = clock
        self._wall = wall_clock
        self._state_file = Path(state_file) if state_file else None
        self.failures = 0
        self._locked_until = 0.0  # in self._clock's time
        self._load_state()

    @property
    def configured(self) -> bool:
        """False when no admin PIN has been set (every attempt then fails with a hint to set one)."""
        return bool(self.stored_hash)

    def remaining(self) -> float:
        """Seconds until the next attempt is allowed (0 when not locked)."""
        return max(0.0, self._locked_until - self._clock())

    def attempt(self, pin: str) -> PinResult:
        """Check one PIN. While locked out the PIN is not even looked at."""
        wait = self.remaining()
        if wait > 0:
            return PinResult(False, wait, locked_message(wait))
        if not self.configured:
            return PinResult(False, 0.0, "No admin PIN is set. Set one with 'kiosk set-pin'.")
        if verify_pin(pin, self.stored_hash):
            self.failures = 0
            self._locked_until = 0.0
            self._save_state()
            return PinResult(True, 0.0, "")
        self.failures += 1
        delay = lockout_delay(self.failures)
        self._locked_until = self._clock() + delay
        self._save_state()
        log.warning("wrong admin PIN (%d in a row)", self.failures)
        if delay > 0:
            return PinResult(False, delay, locked_message(delay))
        left = FREE_ATTEMPTS - self.failures
        tries = "try" if left == 1 else "tries"
        return PinResult(False, 0.0, f"Wrong PIN. {left} more {tries} before a waiting time.")

    # Persistence --------------------------------------------------------------------------------------
    def _load_state(self) -> None:
        if self._state_file is None or not self._state_file.exists():
            return
        try:
            data = json.loads(self._state_file.read_text(encoding="utf-8"))
            failures = int(data.get("failures", 0))
            until_wall = float(data.get("locked_until", 0.0))
        except (OSError, ValueError, TypeError, AttributeError):
            log.warning("ignoring the unreadable PIN lockout file %s", self._state_file)
            return
        self.failures = max(0, failures)
        left = min(until_wall - self._wall(), MAX_DELAY_S)  # a clock set back cannot lock for longer
        self._locked_until = self._clock() + left if left > 0 else 0.0

    def _save_state(self) -> None:
        if self._state_file is None:
            return
        left = self.remaining()
        data = {"failures": self.failures, "locked_until": self._wall() + left if left > 0 else 0.0}
        try:
            replace_json(self._state_file, data, mode=OWNER_ONLY)  # crash-safe, readable by the owner only
        except OSError as exc:
            log.warning("cannot save the PIN lockout state to %s: %s", self._state_file, exc)


def set_pin_in_config(pin: str, config_file: str | os.PathLike[str] | None = None) -> Path:
    """Hash ``pin`` and save it as ``admin_pin_hash`` in the TOML config; returns the file. Raises ValueError."""
    from kiosk.core.config import save_settings

    return save_settings({"admin_pin_hash": hash_pin(pin)}, config_file)
