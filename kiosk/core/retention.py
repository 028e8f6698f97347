"""Kiosk retention: old check-in rows leave the CSV, people not seen for long leave the gallery.

``purge_checkins`` rewrites the attendance CSV without the rows older than the retention period, but
only among rows the server already has (before the sync offset); rows not yet synced always stay. The
new CSV is written to a temporary file, fsynced and renamed over the old one, and the sync progress is
moved to the new offset in the same step, under a lock file. Crash safety: the progress is first set to
the start of the log, so a crash between the two renames makes the sync client re-send the log (the
server ignores events it has), never skip or split a row.

The attendance log's writer and the sync client keep their own file handle and offset, so the caller
runs the purge while neither is active (at start, before opening the AttendanceLog and creating the
SyncClient, or after closing them) and re-creates both afterwards.

``purge_templates`` removes people whose last check-in (kept in ``last_seen.json`` next to the gallery,
so it outlives the purged rows) or enrolment is older than the template period. Such a removal is local:
the ids are first listed in ``retention_removed.json`` beside the gallery, and people sync
(kiosk.link.people) forgets them without erasing them on the server or any other kiosk. (The server has
its own template expiry, from every kiosk's check-ins, which does reach all kiosks.)

Settings: ``retention_checkin_days`` and ``retention_template_days`` (kiosk.core.config; environment
``RETENTION_CHECKIN_DAYS`` and ``RETENTION_TEMPLATE_DAYS``; 0: keep), see RetentionPolicy.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from filelock import FileLock

from kiosk.core.atomic import OWNER_ONLY, replace_file, replace_json
from kiosk.core.attendance import HEADER, OLD_HEADER, read_rows
from kiosk.core.config import LAST_SEEN_FILE, RETENTION_REMOVED_FILE, KioskConfig, load_config
from kiosk.core.gallery import GalleryStore
from kiosk.core.sync_progress import Progress, load_progress, save_progress

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    checkin_days: int = 0  # 0: keep check-ins
    template_days: int = 0  # 0: keep people who stopped coming

    @classmethod
    def from_config(cls, config: KioskConfig) -> RetentionPolicy:
        """The periods of the kiosk's settings (validated there)."""
        return cls(config.retention_checkin_days, config.retention_template_days)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RetentionPolicy:
        """The periods from the settings (defaults -> TOML -> ``env``). Raises ConfigError for bad values."""
        return cls.from_config(load_config(env=None if env is None else dict(env)))


@dataclass(frozen=True, slots=True)
class RetentionResult:
    checkins: int = 0
    people: tuple[str, ...] = ()


def _timestamp(raw: str) -> datetime | None:
    try:
        ts = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return ts if ts.tzinfo is not None else None


def lock_for(attendance_path: str | os.PathLike[str]) -> FileLock:
    return FileLock(str(attendance_path) + ".retention.lock", timeout=60)


def purge_checkins(
    attendance_path: str | os.PathLike[str], progress_path: str | os.PathLike[str], now: datetime, days: int
) -> int:
    """Drop synced rows with a timestamp before ``now - days``; returns how many. 0 days: nothing.

    Rows after the sync offset and rows whose timestamp cannot be read stay. Raises OSError when the
    files cannot be written (the old CSV and progress then stay as they were, or the progress is at the
    start of the log).
    """
    path, progress_path = Path(attendance_path), Path(progress_path)
    if days <= 0 or not path.exists():
        return 0
    cutoff = now - timedelta(days=days)
    with lock_for(path):
        progress = load_progress(progress_path)
        data = path.read_bytes()
        header = next((h for h in (HEADER, OLD_HEADER) if data.startswith(h)), None)
        if header is None:
            log.error("%s does not start with the attendance header; not purging it", path)
            return 0
        kept: list[bytes] = [header]
        removed = 0
        new_offset = len(header)
        start = len(header)
        synced_end = start
        for row, end in read_rows(path):
            if end > progress.offset:
                break
            ts = _timestamp(row.get("timestamp", ""))
            if ts is not None and ts < cutoff:
                removed += 1
            else:
                kept.append(data[start:end])
                new_offset += end - start
            start = synced_end = end
        if removed == 0:
            return 0
        kept.append(data[synced_end:])  # everything not yet synced (and any torn tail) as it was
        save_progress(progress_path, Progress(0, 0, progress.rejected))  # a crash from here on re-sends
        replace_file(path, kept)
        save_progress(progress_path, Progress(new_offset, progress.count - removed, progress.rejected))
    log.info("retention: removed %d check-ins older than %d days from %s", removed, days, path)
    return removed


def update_last_seen(attendance_path: str | os.PathLike[str], last_seen_path: str | os.PathLike[str]) -> dict[str, str]:
    """Merge each person's latest check-in in the CSV into ``last_seen_path``; returns the map."""
    last_seen_path = Path(last_seen_path)
    try:
        seen: dict[str, str] = json.loads(last_seen_path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        seen = {}
    if Path(attendance_path).exists():
        for row, _end in read_rows(attendance_path):
            ts = _timestamp(row.get("timestamp", ""))
            pid = row.get("person_id", "")
            if ts is None or not pid:
                continue
            old = _timestamp(seen.get(pid, ""))
            if old is None or ts > old:
                seen[pid] = ts.astimezone(timezone.utc).isoformat()
    replace_file(last_seen_path, [json.dumps(seen, sort_keys=True).encode("utf-8")], mode=OWNER_ONLY)
    return seen


def purge_templates(store: GalleryStore, last_seen: Mapping[str, str], now: datetime, days: int) -> list[str]:
    """Remove (embeddings and photos) people neither seen nor enrolled since ``now - days``; their ids."""
    if days <= 0:
        return []
    cutoff = now - timedelta(days=days)
    stale = []
    for person in store.load().people:
        times = [t for t in (_timestamp(last_seen.get(person.person_id, "")), _timestamp(person.enrolled_at)) if t]
        if times and max(times) < cutoff:
            stale.append(person.person_id)
    if stale:  # listed before they go, so that a crash in between cannot turn them into erasures
        removed_file = store.root / RETENTION_REMOVED_FILE
        write_retention_removed(removed_file, read_retention_removed(removed_file) | set(stale))
        with store.edit() as g:
            for person_id in stale:
                g.remove(person_id)
        log.info("retention: removed the templates of %d people not seen for %d days", len(stale), days)
    return stale


def read_retention_removed(path: str | os.PathLike[str]) -> set[str]:
    """The ids the kiosk's template retention removed and people sync has not forgotten yet."""
    try:
        return {str(i) for i in json.loads(Path(path).read_text(encoding="utf-8"))}
    except FileNotFoundError:
        return set()
    except (OSError, ValueError, TypeError) as exc:
        log.error("cannot read %s (%s): people removed by retention may be erased on the server", path, exc)
        return set()


def write_retention_removed(path: str | os.PathLike[str], ids: set[str]) -> None:
    replace_json(path, sorted(ids), mode=OWNER_ONLY)


def run_retention(
    policy: RetentionPolicy,
    attendance_path: str | os.PathLike[str],
    progress_path: str | os.PathLike[str],
    store: GalleryStore | None = None,
    now: datetime | None = None,
) -> RetentionResult:
    """Note last-seen times, purge old check-ins, then stale templates (see the module doc for when)."""
    now = now or datetime.now(timezone.utc)
    people: list[str] = []
    if store is not None:  # always noted, so turning template retention on later has the history
        seen = update_last_seen(attendance_path, store.root / LAST_SEEN_FILE)
        people = purge_templates(store, seen, now, policy.template_days)
    checkins = purge_checkins(attendance_path, progress_path, now, policy.checkin_days)
    return RetentionResult(checkins, tuple(people))
