"""The kiosk's configuration: one typed dataclass, loaded in one place.

Order: defaults -> TOML file (``--config``, ``KIOSK_CONFIG`` or ``kiosk.toml`` in the platform's config
folder) -> environment variables -> command-line flags. Settings the admin changes on the spot are saved
back to the TOML file (atomically).

Environment variables: ``KNOWN_FACES_PATH`` (gallery folder), ``ATTENDANCE_FILE``, ``LOG_LEVEL``,
``DEBUG``, and every field below as ``KIOSK_<FIELD>`` (for example ``KIOSK_SOURCE``,
``KIOSK_COOLDOWN_S``, ``KIOSK_SERVER_URL``).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, fields
from pathlib import Path

from kiosk.core.matching import DEFAULT_MARGIN, DEFAULT_THRESHOLD
from kiosk.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ENV_PREFIX = "KIOSK_"
ENV_ALIASES = {"KNOWN_FACES_PATH": "gallery", "ATTENDANCE_FILE": "attendance", "LOG_LEVEL": "log_level", "DEBUG": "debug"}


def _data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("faceattend"))


def config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("faceattend"))


@dataclass(frozen=True)
class KioskConfig:
    """Every setting of the kiosk, with its default. ``help`` metadata feeds ``kiosk run --help``."""

    source: str = dataclasses.field(default="0", metadata={"help": "camera: device index, video file, RTSP/HTTP URL or image folder"})
    loop: bool = dataclasses.field(default=False, metadata={"help": "loop a video file or image folder"})
    gallery: str = dataclasses.field(default="", metadata={"help": "gallery folder (default: data folder/gallery)"})
    attendance: str = dataclasses.field(default="", metadata={"help": "attendance CSV (default: data folder/attendance.csv)"})
    key_file: str = dataclasses.field(default="", metadata={"help": "gallery encryption key file"})
    kiosk_id: str = dataclasses.field(default="kiosk-1", metadata={"help": "this kiosk's name"})
    cooldown_s: float = dataclasses.field(default=300.0, metadata={"help": "seconds before the same person is checked in again"})
    direction: str = dataclasses.field(default="in", metadata={"help": "'in' or 'out' for this kiosk's check-ins"})
    threshold: float = dataclasses.field(default=DEFAULT_THRESHOLD, metadata={"help": "largest face distance accepted as a match"})
    margin: float = dataclasses.field(default=DEFAULT_MARGIN, metadata={"help": "required lead of the best match over the next person"})
    live_width: int = dataclasses.field(default=480, metadata={"help": "frames are downsized to this width for detection"})
    liveness: bool = dataclasses.field(default=True, metadata={"help": "require a blink before checking in"})
    server_url: str = dataclasses.field(default="", metadata={"help": "attendance server base URL (empty: offline only)"})
    server_token: str = dataclasses.field(default="", metadata={"help": "this kiosk's server token"})
    admin_pin_hash: str = dataclasses.field(default="", metadata={"help": "hashed admin PIN (set with 'kiosk set-pin')"})
    fullscreen: bool = dataclasses.field(default=False, metadata={"help": "show full-screen"})
    exit_at_end: bool = dataclasses.field(default=False, metadata={"help": "quit at the end of a video file and print run statistics"})
    max_seconds: float = dataclasses.field(default=0.0, metadata={"help": "quit after this many seconds (0: never)"})
    log_level: str = dataclasses.field(default="INFO", metadata={"help": "DEBUG, INFO, WARNING or ERROR"})
    debug: bool = dataclasses.field(default=False, metadata={"help": "debug mode (more logging)"})

    def resolved(self) -> KioskConfig:
        """This config with empty paths filled from the platform's data folder."""
        data = _data_dir()
        return dataclasses.replace(
            self,
            gallery=self.gallery or str(data / "gallery"),
            attendance=self.attendance or str(data / "attendance.csv"),
        )

    def validate(self) -> KioskConfig:
        if self.cooldown_s < 0:
            raise ConfigError("cooldown_s must be 0 or more seconds")
        if not 0 < self.threshold < 2:
            raise ConfigError("threshold must be between 0 and 2")
        if not 0 <= self.margin < 1:
            raise ConfigError("margin must be between 0 and 1")
        if self.direction not in ("in", "out"):
            raise ConfigError("direction must be 'in' or 'out'")
        if self.live_width < 160:
            raise ConfigError("live_width must be at least 160 pixels")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ConfigError(f"unknown log level {self.log_level!r}")
        return self


_TYPES = {f.name: f.type for f in fields(KioskConfig)}


def _coerce(name: str, value: object, origin: str) -> object:
    kind = _TYPES[name]
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(value)
        if kind == "float":
            return float(value)
        if kind == "int":
            return int(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: {name} = {value!r} is not a valid {kind}") from exc


def default_config_file() -> Path:
    return Path(os.environ.get("KIOSK_CONFIG") or config_dir() / "kiosk.toml")


def load_config(
    config_file: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
    overrides: dict[str, object] | None = None,
) -> KioskConfig:
    """Defaults -> TOML -> environment -> ``overrides`` (the command line's flags that were given)."""
    env = dict(os.environ if env is None else env)
    values: dict[str, object] = {}
    path = Path(config_file) if config_file else default_config_file()
    if path.exists():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read the config file {path}: {exc}") from exc
        section = table.get("kiosk", table)
        for key, value in section.items():
            if key not in _TYPES:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            values[key] = _coerce(key, value, str(path))
    for var, name in ENV_ALIASES.items():
        if var in env:
            values[name] = _coerce(name, env[var], var)
    for name in _TYPES:
        var = ENV_PREFIX + name.upper()
        if var in env:
            values[name] = _coerce(name, env[var], var)
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = _coerce(name, value, f"--{name.replace('_', '-')}")
    return KioskConfig(**values).validate()


def save_settings(changes: dict[str, object], config_file: str | os.PathLike[str] | None = None) -> Path:
    """Write ``changes`` into the TOML file's ``[kiosk]`` table, keeping the other settings; atomic."""
    path = Path(config_file) if config_file else default_config_file()
    current: dict[str, object] = {}
    if path.exists():
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        current = dict(table.get("kiosk", table))
    for key, value in changes.items():
        if key not in _TYPES:
            raise ConfigError(f"unknown setting {key!r}")
        current[key] = _coerce(key, value, "settings")
    lines = ["[kiosk]"] + [f"{k} = {_toml_value(v)}" for k, v in sorted(current.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
