"""Owner-only permissions for the server's own files: the instance folder and the SQLite database with
its write-ahead log and shared-memory file (they hold names, check-ins and sealed templates).

Set in code, whatever the umask: a folder becomes 0700 and a file 0600 when this process owns it; a file
that someone else owns is left alone with a warning (chmod would fail, and it is theirs to fix).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def owner_only(path: str | os.PathLike[str]) -> None:
    """Make ``path`` (if it exists) readable and writable by its owner only: 0700 for a folder, 0600 else."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    wanted = 0o700 if stat.S_ISDIR(st.st_mode) else 0o600
    if stat.S_IMODE(st.st_mode) & 0o777 == wanted:
        return
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        log.warning("%s belongs to another user and is mode %o; make it owner-only", path, stat.S_IMODE(st.st_mode))
        return
    os.chmod(path, wanted)


def owner_only_folder(path: str | os.PathLike[str]) -> None:
    """Create the folder ``path`` (0700) if needed, and make it owner-only."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    owner_only(path)


def create_owner_only(path: str | os.PathLike[str]) -> None:
    """Create the empty file ``path`` as 0600 unless it exists (so that SQLite never creates it wider)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def sqlite_files_owner_only(database: str) -> None:
    """The SQLite database ``database`` and its -wal, -shm and -journal files, owner-only."""
    for suffix in SQLITE_COMPANIONS:
        owner_only(database + suffix)
