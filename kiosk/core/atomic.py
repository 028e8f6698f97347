"""Durable file replacement, in one place: write a temporary file, fsync, rename over, fsync the folder.

A power cut leaves the old file or the new one, never half of either.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any


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


def replace_file(path: str | os.PathLike[str], chunks: bytes | Iterable[bytes]) -> None:
    """Atomically replace ``path`` with ``chunks``. Raises OSError (the temporary file is removed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            for chunk in [chunks] if isinstance(chunks, bytes | bytearray) else chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def replace_json(path: str | os.PathLike[str], data: Any) -> None:
    """Atomically replace ``path`` with ``data`` as JSON."""
    replace_file(path, json.dumps(data).encode("utf-8"))
