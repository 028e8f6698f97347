"""The kiosk's configuration: one typed dataclass, loaded in one place.

Order: defaults -> TOML file (``--config``, ``KIOSK_CONFIG`` or ``kiosk.toml`` in the platform's config
folder) -> environment variables -> command-line flags. Settings the admin changes on the spot are saved
back to the TOML file (atomically).

Environment variables: ``KNOWN_FACES_PATH`` (gallery folder), ``ATTENDANCE_FILE``, ``LOG_LEVEL``,
``DEBUG``, ``RETENTION_CHECKIN_DAYS``, ``RETENTION_TEMPLATE_DAYS``, and every field below as
``KIOSK_<FIELD>`` (for example ``KIOSK_SOURCE``, ``KIOSK_KEY_FILE``, ``KIOSK_AUDIT_LOG``,
``KIOSK_MODELS_DIR``). This module is the only one that reads them.

Every file the kiosk keeps is named once, in :class:`KioskPaths` (``config.paths()``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from dataclasses import dataclass, fields
from pathlib import Path

from kiosk.core.atomic import OWNER_ONLY, replace_file
from kiosk.core.attendance_repair import damaged_path_for
from kiosk.core.matching import DEFAULT_MARGIN, DEFAULT_THRESHOLD, check_policy
from kiosk.core.sync_progress import progress_path_for
from kiosk.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

log = logging.getLogger(__name__)

ENV_PREFIX = "KIOSK_"
ENV_ALIASES = {
    "KNOWN_FACES_PATH": "gallery", "ATTENDANCE_FILE": "attendance", "LOG_LEVEL": "log_level", "DEBUG": "debug",
    "RETENTION_CHECKIN_DAYS": "retention_checkin_days", "RETENTION_TEMPLATE_DAYS": "retention_template_days",
}  # fmt: skip


def _data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("faceattend"))


def config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("faceattend"))


AUDIT_FILE = "audit.jsonl"
PEOPLE_SYNC_FILE = "people_sync.json"
LAST_SEEN_FILE = "last_seen.json"
PIN_STATE_FILE = "pin_state.json"
RETENTION_REMOVED_FILE = "retention_removed.json"  # people this kiosk's own retention removed (never erased elsewhere)


@dataclass(frozen=True, slots=True)
class KioskPaths:
    """Where each file of the kiosk lives (see ``KioskConfig.paths``)."""

    gallery: Path  # folder
    attendance: Path  # the check-in CSV
    attendance_damaged: Path  # rows of the CSV that could not be read, moved there verbatim
    key_file: Path  # the gallery's AES key
    audit_log: Path  # admin actions, JSON lines
    sync_state: Path  # check-in sync progress
    sync_rejected: Path  # events the server refused as invalid
    sync_held: Path  # events set aside because the server failed on them again and again
    people_sync_state: Path  # people sync cursor and fingerprints
    last_seen: Path  # each person's last check-in, for template retention
    retention_removed: Path  # people the kiosk's template retention removed: people sync must not erase them
    pin_state: Path  # the admin PIN lockout


@dataclass(frozen=True)
class KioskConfig:
    """Every setting of the kiosk, with its default. ``help`` metadata feeds ``kiosk run --help``."""

    source: str = dataclasses.field(default="0", metadata={"help": "camera: device index, video file, RTSP/HTTP URL or image folder"})
    loop: bool = dataclasses.field(default=False, metadata={"help": "loop a video file or image folder"})
    gallery: str = dataclasses.field(default="", metadata={"help": "gallery folder (default: data folder/gallery)"})
    attendance: str = dataclasses.field(default="", metadata={"help": "attendance CSV (default: data folder/attendance.csv)"})
    key_file: str = dataclasses.field(
        default="", metadata={"help": "gallery encryption key file (default: config folder/keys/gallery.key)"}
    )
    audit_log: str = dataclasses.field(default="", metadata={"help": "admin audit log (default: gallery/audit.jsonl)"})
    models_dir: str = dataclasses.field(
        default="", metadata={"help": "folder of the dlib model files (default: the face_recognition_models package)"}
    )
    retention_checkin_days: int = dataclasses.field(
        default=0, metadata={"help": "drop synced check-ins older than this many days (0: keep)"}
    )
    retention_template_days: int = dataclasses.field(
        default=0, metadata={"help": "drop people not seen for this many days (0: keep; leave 0 with people sync)"}
    )
    kiosk_id: str = dataclasses.field(default="kiosk-1", metadata={"help": "this kiosk's name"})
    cooldown_s: float = dataclasses.field(default=300.0, metadata={"help": "seconds before the same person is checked in again"})
    direction: str = dataclasses.field(default="in", metadata={"help": "'in' or 'out' for this kiosk's check-ins"})
    threshold: float = dataclasses.field(default=DEFAULT_THRESHOLD, metadata={"help": "largest face distance accepted as a match"})
    margin: float = dataclasses.field(default=DEFAULT_MARGIN, metadata={"help": "required lead of the best match over the next person"})
    live_width: int = dataclasses.field(default=480, metadata={"help": "frames are downsized to this width for detection"})
    far_face: int = dataclasses.field(default=48, metadata={"help": "also find faces from this many pixels (people a few metres away), scanning a tile of the full frame every other analysed frame; 0: off"})
    liveness: bool = dataclasses.field(default=True, metadata={"help": "require a blink before checking in"})
    server_url: str = dataclasses.field(default="", metadata={"help": "attendance server base URL (empty: offline only)"})
    server_token: str = dataclasses.field(default="", metadata={"help": "this kiosk's server token"})
    admin_pin_hash: str = dataclasses.field(default="", metadata={"help": "hashed admin PIN (set with 'kiosk set-pin')"})
    fullscreen: bool = dataclasses.field(default=False, metadata={"help": "show full-screen"})
    exit_at_end: bool = dataclasses.field(default=False, metadata={"help": "quit at the end of a video file and print run statistics"})
    max_seconds: float = dataclasses.field(default=0.0, metadata={"help": "quit after this many seconds (0: never)"})
    log_level: str = dataclasses.field(default="INFO", metadata={"help": "DEBUG, INFO, WARNING or ERROR"})
    debug: bool = dataclasses.field(default=False, metadata={"help": "debug mode (more logging)"})
    kiosk_mode: str = dataclasses.field(default="auto", metadata={
        "help": "full screen, no decorations, no pointer, cannot be closed; auto: on for a camera", "tristate": True})
    dim_after_min: float = dataclasses.field(default=5.0, metadata={"help": "dim the screen after this many minutes without a face (0: never)"})
    language: str = dataclasses.field(default="", metadata={"help": "'en' or 'de' (default: the system's language)"})
    sound: bool = dataclasses.field(default=True, metadata={"help": "a short tone for check-ins and refusals"})

    def resolved(self) -> KioskConfig:
        """This config with empty paths filled from the platform's data and config folders."""
        data = _data_dir()
        gallery = self.gallery or str(data / "gallery")
        return dataclasses.replace(
            self,
            gallery=gallery,
            attendance=self.attendance or str(data / "attendance.csv"),
            key_file=self.key_file or str(config_dir() / "keys" / "gallery.key"),
            audit_log=self.audit_log or str(Path(gallery) / AUDIT_FILE),
        )

    def paths(self) -> KioskPaths:
        """Every file this kiosk keeps, derived from the (resolved) settings in one place."""
        c = self.resolved()
        attendance, gallery = Path(c.attendance), Path(c.gallery)
        sync_state = progress_path_for(attendance)
        return KioskPaths(
            gallery=gallery,
            attendance=attendance,
            attendance_damaged=damaged_path_for(attendance),
            key_file=Path(c.key_file),
            audit_log=Path(c.audit_log),
            sync_state=sync_state,
            sync_rejected=sync_state.with_suffix(".rejected"),
            sync_held=sync_state.with_suffix(".held"),
            people_sync_state=gallery / PEOPLE_SYNC_FILE,
            last_seen=gallery / LAST_SEEN_FILE,
            retention_removed=gallery / RETENTION_REMOVED_FILE,
            pin_state=config_dir() / PIN_STATE_FILE,
        )

    def validate(self) -> KioskConfig:
        if self.cooldown_s < 0:
            raise ConfigError("cooldown_s must be 0 or more seconds")
        check_policy(self.threshold, self.margin)
        if self.retention_checkin_days < 0 or self.retention_template_days < 0:
            raise ConfigError("retention days must be 0 (keep) or more")
        if self.direction not in ("in", "out"):
            raise ConfigError("direction must be 'in' or 'out'")
        if self.live_width < 160:
            raise ConfigError("live_width must be at least 160 pixels")
        if self.kiosk_mode.strip().lower() not in ("auto", "", "on", "off", "true", "false", "yes", "no", "1", "0"):
            raise ConfigError("kiosk_mode must be 'auto', 'on' or 'off'")
        if self.dim_after_min < 0:
            raise ConfigError("dim_after_min must be 0 (never) or more minutes")
        if self.language.strip().lower() not in ("", "system", "en", "de"):
            raise ConfigError("language must be 'en' or 'de' (empty: the system's language)")
        if self.far_face != 0 and not 24 <= self.far_face <= 400:
            raise ConfigError("far_face must be 0 (off) or between 24 and 400 pixels")
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
        _owner_only(path)
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


def _owner_only(path: Path) -> None:
    """Make the config file (PIN hash, server token) unreadable by other users, where we may."""
    try:
        if os.name == "posix" and path.stat().st_mode & 0o077:
            os.chmod(path, OWNER_ONLY)
            log.warning("the config file %s was readable by other users; it is now owner-only", path)
    except OSError as exc:
        log.warning("the config file %s is readable by other users and cannot be changed: %s", path, exc)


def current_config(env: dict[str, str] | None = None) -> KioskConfig:
    """Defaults -> TOML -> environment, resolved: for tools that run without the app's flags."""
    return load_config(env=env).resolved()


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
    replace_file(path, ("\n".join(lines) + "\n").encode("utf-8"), mode=OWNER_ONLY)
    return path


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
