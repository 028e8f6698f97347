"""Durable file replacement, in one place: write a temporary file, fsync, rename over, fsync the folder.

A power cut leaves the old file or the new one, never half of either. Also the one way to open an
append-only log owner-only (``open_append``).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

OWNER_ONLY = 0o600  # secrets and personal data: readable and writable by the kiosk's own user only


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Make a rename or a new file in ``folder`` durable (no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def open_append(path: str | os.PathLike[str], text: bool = False):
    """``path`` opened for appending, created owner-only (0600) whatever the umask; an existing file keeps
    its permissions. Binary unless ``text`` (then UTF-8)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, OWNER_ONLY)
    return os.fdopen(fd, "a", encoding="utf-8") if text else os.fdopen(fd, "ab")


def replace_file(path: str | os.PathLike[str], chunks: bytes | Iterable[bytes], *, mode: int | None = None) -> None:
    """Atomically replace ``path`` with ``chunks``. Raises OSError (the temporary file is removed).

    ``mode`` (for example 0o600 for secrets) is set on the temporary file before anything is written,
    so the data is never readable by others, not even for a moment. Without ``mode`` a file that exists
    keeps its own permissions (an owner-only attendance log stays owner-only when retention rewrites it);
    a new one gets the umask's.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666 if mode is None else mode)
        if mode is not None:
            os.chmod(tmp, mode)  # an earlier leftover tmp file keeps its mode otherwise; umask too
        with os.fdopen(fd, "wb") as fh:
            for chunk in [chunks] if isinstance(chunks, bytes | bytearray) else chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def replace_json(path: str | os.PathLike[str], data: Any, *, mode: int | None = None) -> None:
    """Atomically replace ``path`` with ``data`` as JSON (``mode`` as in ``replace_file``)."""
    replace_file(path, json.dumps(data).encode("utf-8"), mode=mode)
