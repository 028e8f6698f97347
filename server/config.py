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
    "ATTENDANCE_MAX_ROWS": (100_000, int),
    "DB_POOL_SIZE": (5, int),
    "SQLITE_BUSY_TIMEOUT_MS": (10_000, int),
    "REDIS_TIMEOUT_SECONDS": (0.25, float),
    "REDIS_PREFIX": ("faceattend:", str),
    "TOKEN_CACHE_SECONDS": (5.0, float),
    "AUTO_MIGRATE": (True, bool),
}


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
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{Path(instance_path) / 'attendance.db'}"
    return config


def validate(config: Mapping[str, Any]) -> None:
    """Raise ConfigurationError for a configuration that must not serve real traffic."""
    if not config.get("TESTING"):
        secret = config.get("SECRET_KEY") or ""
        if secret == DEFAULT_SECRET or len(secret) < 16:
            raise ConfigurationError(
                "SECRET_KEY is missing or the default: set the SECRET_KEY environment variable to a random "
                'string of at least 16 characters (python -c "import secrets; print(secrets.token_hex(32))")'
            )
    for name in ("MAX_BATCH_EVENTS", "MAX_CONTENT_LENGTH", "MAX_EMBEDDINGS_PER_PERSON", "PEOPLE_PAGE_SIZE"):
        if int(config[name]) < 1:
            raise ConfigurationError(f"{name} must be at least 1")
