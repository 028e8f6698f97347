"""Server configuration: defaults -> environment -> ``test_config``, then validated once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_SECRET = "dev"  # noqa: S105 - the value we refuse outside testing

#: name -> (default, type); every key may be set from an environment variable of the same name.
SETTINGS: dict[str, tuple[Any, type]] = {
    "SECRET_KEY": (DEFAULT_SECRET, str),
    "DATABASE_URL": ("", str),  # "" -> sqlite:///<instance>/attendance.db
    "REDIS_URL": ("", str),  # "" -> no cache
    "MAX_CONTENT_LENGTH": (2 * 1024 * 1024, int),
    "MAX_BATCH_EVENTS": (500, int),
    "MAX_EMBEDDINGS_PER_PERSON": (64, int),
    "PEOPLE_PAGE_SIZE": (500, int),
    "PEOPLE_PAGE_BYTES": (1 << 20, int),  # about this much JSON per people-changes page (at least one person)
    "ATTENDANCE_MAX_ROWS": (100_000, int),
    "DB_POOL_SIZE": (5, int),
    "SQLITE_BUSY_TIMEOUT_MS": (10_000, int),
    "REDIS_TIMEOUT_SECONDS": (0.25, float),
    "REDIS_PREFIX": ("faceattend:", str),
    "AUTO_MIGRATE": (True, bool),
    "EMBEDDINGS_KEY_FILE": ("", str),  # "" -> <instance>/embeddings.key, created only in testing/debug
    "ERASURE_CHECKINS": ("pseudonymise", str),  # keep | pseudonymise | delete
    "RETENTION_CHECKIN_DAYS": (0, int),  # 0 -> keep check-ins forever
    "RETENTION_TEMPLATE_DAYS": (0, int),  # 0 -> keep templates of people who stopped coming
    "PURGE_INTERVAL_SECONDS": (3600, int),  # how often the retention purge runs by itself (0 -> never)
    # The web console (server/console)
    "SITE_TIMEZONE": ("UTC", str),  # an IANA zone, e.g. Europe/Berlin: reports and Today use it
    "WORKDAY_START": ("09:00", str),  # HH:MM in SITE_TIMEZONE: a first check-in after it is late
    "CONSOLE_IDLE_MINUTES": (30, int),  # a console session ends after this long without a page view
    "KIOSK_OFFLINE_SECONDS": (300, int),  # no heartbeat for this long: the kiosk is offline (as the alert)
    "REVIEW_DISTANCE": (0.38, float),  # doubtful from here: about 0.04 under the kiosk's 0.4225 threshold
    "REVIEW_MARGIN": (0.06, float),  # ... and so are those whose lead over the next person was below this
    "REPORT_MAX_DAYS": (366, int),  # the longest report range
    "TRUSTED_PROXIES": (0, int),  # reverse proxies in front (nginx: 1): trust their X-Forwarded-For/-Proto
}

ERASURE_POLICIES = ("keep", "pseudonymise", "delete")


class ConfigurationError(RuntimeError):
    """The server's configuration is unusable; the message says which setting to fix."""


def _coerce(name: str, raw: str, kind: type) -> Any:
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    try:
        return kind(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name}={raw!r} is not a valid {kind.__name__}") from exc


def load(instance_path: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings from defaults and the environment (``environ``, default ``os.environ``)."""
    environ = os.environ if environ is None else environ
    config = {name: default for name, (default, _) in SETTINGS.items()}
    for name, (_, kind) in SETTINGS.items():
        if environ.get(name, "") != "":
            config[name] = _coerce(name, environ[name], kind)
    if not config["EMBEDDINGS_KEY_FILE"]:
        config["EMBEDDINGS_KEY_FILE"] = str(Path(instance_path) / "embeddings.key")
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / 'attendance.db'}"
    return config


def embeddings_key(config: Mapping[str, Any]) -> bytes:
    """The embeddings key from EMBEDDINGS_KEY_FILE, created when missing only in testing or debug.

    Raises ConfigurationError when the file is missing (outside testing/debug), readable by others or
    damaged.
    """
    from server.crypto import KeyFileError, read_key_file

    create = bool(config.get("TESTING") or config.get("DEBUG"))
    try:
        return read_key_file(config["EMBEDDINGS_KEY_FILE"], create=create)
    except KeyFileError as exc:
        raise ConfigurationError(str(exc)) from exc


def instance_path() -> str:
    """The instance folder the app uses: INSTANCE_PATH, else Flask's default for the server package."""
    from flask import Flask

    return Flask("server", instance_path=os.environ.get("INSTANCE_PATH") or None).instance_path


def check_environment() -> dict[str, Any]:
    """The settings from the environment, validated, with a readable embeddings key; touches no file
    except creating the key where testing allows it. Raises ConfigurationError."""
    settings = load(instance_path())
    validate(settings)
    embeddings_key(settings)
    return settings


def validate(config: Mapping[str, Any]) -> None:
    """Raise ConfigurationError for a configuration that must not serve real traffic."""
    if not config.get("TESTING"):
        secret = config.get("SECRET_KEY") or ""
        if secret == DEFAULT_SECRET or len(secret) < 16:
            raise ConfigurationError(
                "SECRET_KEY is missing or the default: set the SECRET_KEY environment variable to a random "
                'string of at least 16 characters (python -c "import secrets; print(secrets.token_hex(32))")'
            )
    if config.get("ERASURE_CHECKINS") not in ERASURE_POLICIES:
        raise ConfigurationError(f"ERASURE_CHECKINS must be one of {', '.join(ERASURE_POLICIES)}")
    for name in ("RETENTION_CHECKIN_DAYS", "RETENTION_TEMPLATE_DAYS", "PURGE_INTERVAL_SECONDS"):
        if int(config[name]) < 0:
            raise ConfigurationError(f"{name} must be 0 (off) or more")
    _validate_console(config)
    for name in ("MAX_BATCH_EVENTS", "MAX_CONTENT_LENGTH", "MAX_EMBEDDINGS_PER_PERSON", "PEOPLE_PAGE_SIZE",
                 "PEOPLE_PAGE_BYTES"):  # fmt: skip
        if int(config[name]) < 1:
            raise ConfigurationError(f"{name} must be at least 1")


def _validate_console(config: Mapping[str, Any]) -> None:
    from datetime import time as clock
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(config["SITE_TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        zone = config["SITE_TIMEZONE"]
        raise ConfigurationError(f"SITE_TIMEZONE={zone!r} is not a time zone like Europe/Berlin") from exc
    try:
        clock.fromisoformat(str(config["WORKDAY_START"]))
    except ValueError as exc:
        raise ConfigurationError(f"WORKDAY_START={config['WORKDAY_START']!r} is not a time like 09:00") from exc
    for name in ("CONSOLE_IDLE_MINUTES", "KIOSK_OFFLINE_SECONDS", "REPORT_MAX_DAYS"):
        if int(config[name]) < 1:
            raise ConfigurationError(f"{name} must be at least 1")
    if int(config["TRUSTED_PROXIES"]) < 0:
        raise ConfigurationError("TRUSTED_PROXIES must be 0 or more")
