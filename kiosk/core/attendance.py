"""The attendance CSV: the one writer of the kiosk's check-in log, and the reader the sync client uses.

The file is append-only. Each row is written with one ``write`` and made durable (flush + ``os.fsync``)
before :meth:`AttendanceLog.append` returns. A power cut can leave at most one torn record at the end;
opening the log cuts it off and logs what it removed. A damaged row elsewhere is moved verbatim to a side
file and every other row stays; a file that is not an attendance log is refused untouched
(kiosk.core.attendance_repair).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from kiosk.core.atomic import fsync_dir, open_append, replace_file, replace_json
from kiosk.core.attendance_repair import apply_repair, damaged_path_for, plan_repair
from kiosk.core.sync_progress import progress_path_for
from kiosk.core.types import CheckIn, Direction
from kiosk.errors import AttendanceLogError

log = logging.getLogger(__name__)

OLD_FIELDS: tuple[str, ...] = ("event_id", "person_id", "name", "timestamp", "kiosk_id", "distance", "direction")
FIELDS: tuple[str, ...] = (*OLD_FIELDS, "method", "voids", "reason")  # CONTRACTS.md C1: appended columns
HEADER: bytes = (",".join(FIELDS) + "\n").encode("ascii")
OLD_HEADER: bytes = (",".join(OLD_FIELDS) + "\n").encode("ascii")
_CHUNK = 1 << 16


def format_row(checkin: CheckIn) -> bytes:
    """The CSV bytes of one check-in, newline included. Raises AttendanceLogError for a naive timestamp."""
    if checkin.timestamp.tzinfo is None or checkin.timestamp.utcoffset() is None:
        raise AttendanceLogError(f"check-in {checkin.event_id} has a timestamp without a UTC offset")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(
        [
            checkin.event_id,
            checkin.person_id,
            checkin.name,
            checkin.timestamp.isoformat(),
            checkin.kiosk_id,
            repr(float(checkin.distance)),
            Direction(checkin.direction).value,
            checkin.method or "face",
            checkin.voids,
            checkin.reason[:200],
        ]
    )
    return buf.getvalue().encode("utf-8")


def row_to_checkin(row: dict[str, str]) -> CheckIn:
    """The CheckIn a CSV row describes. Raises ValueError when a field cannot be parsed."""
    ts = datetime.fromisoformat(row["timestamp"])
    if ts.tzinfo is None:
        raise ValueError(f"timestamp {row['timestamp']!r} has no UTC offset")
    return CheckIn(
        event_id=row["event_id"],
        person_id=row["person_id"],
        name=row["name"],
        timestamp=ts,
        kiosk_id=row["kiosk_id"],
        distance=float(row["distance"]),
        direction=Direction(row["direction"]),
        method=row.get("method") or "face",
        voids=row.get("voids") or "",
        reason=row.get("reason") or "",
    )


def _upgrade_header(path: Path) -> None:
    """Give a CSV of the 7-column version the new header (atomically), keeping its rows byte for byte.

    Old rows read as method "face" with no void. The sync progress (``<csv>.sync.json``, a byte offset) is
    shifted by the header's growth; it is set to 0 while the file is replaced, so a crash in between
    re-sends rows (the server ignores event ids it has) and never skips one.
    """
    with open(path, "rb") as fh:
        if fh.readline() != OLD_HEADER:
            return
    progress = progress_path_for(path)
    state = None
    if progress.exists():
        try:
            state = json.loads(progress.read_text(encoding="utf-8"))
            replace_json(progress, {**state, "offset": 0, "count": 0})
        except (OSError, ValueError) as exc:
            log.warning("cannot read the sync progress %s (%s); the rows will be sent again", progress, exc)
    data = path.read_bytes()
    replace_file(path, [HEADER, data[len(OLD_HEADER):]])
    if state is not None and int(state.get("offset", 0)) > 0:
        replace_json(progress, {**state, "offset": int(state["offset"]) + len(HEADER) - len(OLD_HEADER)})
    log.info("attendance log %s: upgraded to the header with method, voids and reason", path)


class AttendanceLog:
    """The attendance CSV at ``path``; opening it repairs it (see the module doc).

    ``damaged_file`` and ``damaged_rows`` say where rows that could not be read were set aside (for the
    status strip). Raises AttendanceLogError when the file cannot be created, read or has a different
    header (then it is left untouched).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._fh = None
        try:
            self._open()
        except OSError as exc:
            raise AttendanceLogError(f"cannot open the attendance log {self.path}: {exc}") from exc

    # -- opening -------------------------------------------------------------------------------------

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        if not created:
            self._repair()
            _upgrade_header(self.path)
        # Names and times of day are personal data: a new log is the owner's alone (an existing one keeps
        # the permissions it has).
        self._fh = open_append(self.path)
        if self._fh.tell() == 0:
            self._fh.write(HEADER)
            self._fh.flush()
            os.fsync(self._fh.fileno())
            if created:
                fsync_dir(self.path.parent)
        else:
            self._check_header()

    def _repair(self) -> None:
        data = self.path.read_bytes()
        if not data.endswith(b"\n") and (HEADER.startswith(data) or OLD_HEADER.startswith(data)):
            if data:  # the header itself was torn when the log was created
                log.warning("attendance log %s: rewriting a torn header %r", self.path, data)
                with open(self.path, "r+b") as fh:
                    fh.truncate(0)
            return
        plan = plan_repair(self.path, data, (HEADER, OLD_HEADER), (len(OLD_FIELDS), len(FIELDS)))
        if plan.needed:
            apply_repair(self.path, plan)

    @property
    def damaged_file(self) -> Path:
        """The side file that holds rows set aside as damaged (it may not exist)."""
        return damaged_path_for(self.path)

    @property
    def damaged_rows(self) -> int:
        """How many lines the damaged-rows side file holds (0: none)."""
        try:
            with open(self.damaged_file, "rb") as fh:
                return sum(1 for _ in fh)
        except FileNotFoundError:
            return 0

    def _check_header(self) -> None:
        with open(self.path, "rb") as fh:
            first = fh.readline()
        if first != HEADER:
            self.close()
            raise AttendanceLogError(
                f"{self.path} is not an attendance log of this version: header {first[:200]!r}, "
                f"expected {HEADER!r}"
            )

    # -- writing -------------------------------------------------------------------------------------

    def append(self, checkin: CheckIn) -> int:
        """Write one row and make it durable; returns the byte offset just past it.

        Raises AttendanceLogError when the log is closed or the write fails.
        """
        data = format_row(checkin)
        with self._lock:
            if self._fh is None:
                raise AttendanceLogError(f"the attendance log {self.path} is closed")
            try:
                self._fh.write(data)
                self._fh.flush()
                os.fsync(self._fh.fileno())
                return self._fh.tell()
            except OSError as exc:
                raise AttendanceLogError(f"cannot write to the attendance log {self.path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None

    def __enter__(self) -> AttendanceLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------------------

    def read_rows(self, start_offset: int = 0) -> Iterator[tuple[dict[str, str], int]]:
        """Yield (row, end_offset) for every complete record from ``start_offset`` on."""
        return read_rows(self.path, start_offset)


def read_rows(path: str | os.PathLike[str], start_offset: int = 0) -> Iterator[tuple[dict[str, str], int]]:
    """Yield (row as a dict keyed by FIELDS, byte offset just past it) for complete records.

    ``start_offset`` 0 means the start of the file (the header is skipped). A record still being written
    (no final newline, or a newline inside an open quote) ends the iteration. A record with the wrong
    number of fields is yielded with every value it has and missing ones as "".
    Raises AttendanceLogError when the file cannot be read.
    """
    path = Path(path)
    try:
        fh = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise AttendanceLogError(f"cannot read the attendance log {path}: {exc}") from exc
    with fh:
        if start_offset <= 0:
            first = fh.readline()
            if not first.endswith(b"\n"):
                return
            pos = len(first)
        else:
            fh.seek(start_offset)
            pos = start_offset
        record = b""
        odd = False
        for line in fh:
            record += line
            if line.count(b'"') % 2:
                odd = not odd
            if odd or not line.endswith(b"\n"):
                continue
            pos += len(record)
            text = record.decode("utf-8", errors="replace")
            record = b""
            values = next(csv.reader(io.StringIO(text)), [])
            row = {name: (values[i] if i < len(values) else "") for i, name in enumerate(FIELDS)}
            yield row, pos
