"""Opening the attendance CSV after a crash or a damaged disk, without losing a valid row.

``plan_repair`` reads the file's bytes and tells which records are whole, which lines are damaged and
whether the last record was torn by a power cut:

- the header must be this version's or the earlier 7-column one; a file with any other first line is not
  an attendance log and is refused before anything is written (``AttendanceLogError``);
- a torn last record (bytes after the last newline, with any quoted lines that lead into them and that
  are not rows on their own) was never confirmed to anyone, and is cut off;
- a damaged record elsewhere (a flipped byte, a stray quote, a line that does not parse as a check-in)
  is moved verbatim to a side file, ``<name>.damaged.csv`` beside the log, and every other row stays
  byte for byte. A stray quote does not swallow the rows after it: records are re-synchronised line by
  line.

``apply_repair`` appends the damaged lines to the side file (fsynced) before the log is replaced
atomically, and keeps the sync progress (a byte offset) pointing at the same row: it is set to the start
while the file is replaced, so a crash in between re-sends rows (the server ignores event ids it has)
and never skips one.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kiosk.core.atomic import fsync_dir, open_append, replace_file
from kiosk.core.sync_progress import Progress, load_progress, progress_path_for, save_progress
from kiosk.errors import AttendanceLogError

log = logging.getLogger(__name__)

MAX_RECORD_LINES = 8  # a quoted field may span lines; no valid check-in spans more
_DIRECTIONS = ("in", "out")
_METHODS = ("", "face", "pin", "badge")


def damaged_path_for(path: str | os.PathLike[str]) -> Path:
    """The side file that receives the damaged rows of the attendance log ``path``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.damaged{path.suffix or '.csv'}")


@dataclass
class RepairPlan:
    header: bytes
    records: list[tuple[int, bytes]] = field(default_factory=list)  # (offset in the old file, bytes) kept
    damaged: list[tuple[int, bytes]] = field(default_factory=list)  # (offset, bytes) moved aside
    torn: bytes = b""  # cut off at the end

    @property
    def needed(self) -> bool:
        return bool(self.damaged or self.torn)


def valid_record(text: str, columns: tuple[int, ...]) -> bool:
    """Whether one CSV record reads as a check-in of this or the earlier version."""
    try:
        rows = list(csv.reader(io.StringIO(text)))
        if len(rows) != 1 or len(rows[0]) not in columns:
            return False
        values = rows[0]
        float(values[5])
        stamp = datetime.fromisoformat(values[3])
    except (csv.Error, ValueError, IndexError):
        return False
    method = values[7] if len(values) > 7 else ""
    return bool(values[0]) and stamp.tzinfo is not None and values[6] in _DIRECTIONS and method in _METHODS


def _valid(lines: list[bytes], columns: tuple[int, ...]) -> bool:
    data = b"".join(lines)
    try:
        return data.endswith(b"\n") and valid_record(data.decode("utf-8"), columns)
    except UnicodeDecodeError:
        return False


def plan_repair(path: Path, data: bytes, headers: tuple[bytes, ...], columns: tuple[int, ...]) -> RepairPlan:
    """What to keep, move aside and cut off in ``data`` (the whole file). Raises AttendanceLogError when
    the file does not start with one of ``headers``."""
    header = next((h for h in headers if data.startswith(h)), None)
    if header is None:
        first = data.split(b"\n", 1)[0][:200]
        raise AttendanceLogError(
            f"{path} is not an attendance log: its header is {first!r}, expected {headers[0]!r}. Nothing was "
            "changed; point the attendance setting at the kiosk's CSV, or move this file away."
        )
    plan = RepairPlan(header)
    lines = io.BytesIO(data[len(header) :]).readlines()
    offsets = [len(header)]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    i = 0
    while i < len(lines):
        if not lines[i].endswith(b"\n"):  # the last line, unfinished
            plan.torn = b"".join(lines[i:])
            break
        end = i + 1
        if lines[i].count(b'"') % 2:  # a quoted field may go on in the next lines
            odd = True
            while odd and end < len(lines) and end - i < MAX_RECORD_LINES:
                odd = bool(lines[end].count(b'"') % 2) != odd
                end += 1
            if odd or not lines[end - 1].endswith(b"\n"):
                if not lines[-1].endswith(b"\n") and not any(_valid([x], columns) for x in lines[i + 1 :]):
                    plan.torn = b"".join(lines[i:])  # a record torn inside its quotes
                    break
                end = i + 1
        if _valid(lines[i:end], columns):
            plan.records.append((offsets[i], b"".join(lines[i:end])))
        else:
            plan.damaged.append((offsets[i], lines[i]))
            end = i + 1
        i = end
    return plan


def apply_repair(path: Path, plan: RepairPlan) -> Path | None:
    """Carry out ``plan`` on the log at ``path``; returns the side file when rows were moved there."""
    if plan.torn:
        log.warning("attendance log %s: removed a torn last record of %d bytes: %r", path, len(plan.torn),
                    plan.torn[:200])  # fmt: skip
    if not plan.damaged:
        size = path.stat().st_size
        with open(path, "r+b") as fh:
            fh.truncate(size - len(plan.torn))
            fh.flush()
            os.fsync(fh.fileno())
        return None
    side = damaged_path_for(path)
    with open_append(side) as fh:
        for _offset, line in plan.damaged:
            fh.write(line if line.endswith(b"\n") else line + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    fsync_dir(side.parent)
    progress_file = progress_path_for(path)
    progress = load_progress(progress_file)
    if progress.offset:
        save_progress(progress_file, Progress(0, 0, progress.rejected))  # a crash from here on re-sends
    replace_file(path, [plan.header, *(chunk for _offset, chunk in plan.records)])
    if progress.offset:
        save_progress(progress_file, _moved(progress, plan))
    log.error(
        "attendance log %s: %d damaged row(s) moved verbatim to %s (offsets %s); every other row stays",
        path, len(plan.damaged), side, ", ".join(str(o) for o, _ in plan.damaged[:10]),
    )  # fmt: skip
    return side


def _moved(progress: Progress, plan: RepairPlan) -> Progress:
    """The sync progress after the damaged lines left the file: same row, new offset, rows counted again."""
    offset, count = len(plan.header), 0
    for old, chunk in plan.records:
        if old + len(chunk) > progress.offset:
            break
        offset, count = offset + len(chunk), count + 1
    return Progress(offset, count, progress.rejected)
