"""How far the check-in sync got: a small JSON file beside the attendance CSV. File I/O only, no network.

The progress is the byte offset just past the last row the server has answered for, the number of rows
before it, and how many rows were set aside (rejected by the server, or held as poison). The sync client
(kiosk.link.checkins) moves it forward; retention (kiosk.core.retention) moves it when it rewrites the CSV.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.atomic import replace_json

log = logging.getLogger(__name__)


def progress_path_for(attendance: str | Path) -> Path:
    """The progress file of the attendance CSV ``attendance`` (the config's ``paths().sync_state``)."""
    return Path(attendance).with_suffix(".sync.json")


@dataclass(frozen=True, slots=True)
class Progress:
    offset: int = 0  # byte offset just past the last row the server answered for (0: start of file)
    count: int = 0  # rows before that offset
    rejected: int = 0


def load_progress(path: Path) -> Progress:
    """The saved progress, or the start when there is none (a corrupt file is logged and ignored)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return Progress(int(data["offset"]), int(data["count"]), int(data.get("rejected", 0)))
    except FileNotFoundError:
        return Progress()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.error("sync state %s is unreadable (%s); starting from the beginning of the log", path, exc)
        return Progress()


def save_progress(path: Path, progress: Progress) -> None:
    """Replace the state file atomically (kiosk.core.atomic)."""
    replace_json(path, {"offset": progress.offset, "count": progress.count, "rejected": progress.rejected})
