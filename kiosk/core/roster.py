"""Who is in a bulk-enrolment folder: one subfolder of photos per person, optionally a ``people.csv``.

Without ``people.csv`` a subfolder's name is the person's id and (underscores read as spaces) their name.
``people.csv`` beside the subfolders maps them: columns ``folder`` (the subfolder; defaults to ``person_id``),
``person_id`` (or ``id``), ``name`` and optionally ``employee_no``. A subfolder the CSV does not name is
enrolled under its own name; a CSV row whose folder is missing is reported, never silently dropped.
Pure: no dlib, no Qt.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.gallery import validate_person_id
from kiosk.errors import GalleryError, RosterError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp"})
ROSTER_FILE = "people.csv"


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One person to enrol: their photos, or the reason they cannot be (``problem``)."""

    folder: str
    person_id: str
    name: str
    employee_no: str | None
    photos: tuple[str, ...]
    problem: str = ""


def _photos(folder: Path) -> tuple[str, ...]:
    return tuple(
        str(p) for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )


def _read_csv(path: Path) -> dict[str, dict[str, str]]:
    """``people.csv`` rows keyed by folder. Raises RosterError for an unreadable file or missing columns."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            fields = {(c or "").strip().lower() for c in (reader.fieldnames or [])}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RosterError(f"Cannot read {path}: {exc}") from exc
    if not ({"person_id", "id"} & fields) or "name" not in fields:
        raise RosterError(f"{path} needs the columns person_id (or id) and name; it has {sorted(fields)}.")
    out: dict[str, dict[str, str]] = {}
    for line, raw in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        pid = row.get("person_id") or row.get("id") or ""
        folder = row.get("folder") or pid
        if not folder:
            raise RosterError(f"{path}, line {line}: no person_id.")
        if folder in out:
            raise RosterError(f"{path}, line {line}: folder {folder!r} is listed twice.")
        out[folder] = {"person_id": pid, "name": row.get("name", ""), "employee_no": row.get("employee_no", "")}
    return out


def read_roster(root: str | Path) -> list[RosterEntry]:
    """Everyone under ``root``, sorted by folder. Raises RosterError when ``root`` is not a folder or the
    CSV is unusable; a single person's problem (bad id, no photos, missing folder) is in their entry."""
    root = Path(root)
    if not root.is_dir():
        raise RosterError(f"{root} is not a folder.")
    mapping = _read_csv(root / ROSTER_FILE) if (root / ROSTER_FILE).exists() else {}
    entries: list[RosterEntry] = []
    seen_ids: set[str] = set()
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in folders:
        row = mapping.get(folder.name, {})
        pid = row.get("person_id") or folder.name
        name = row.get("name") or folder.name.replace("_", " ")
        photos = _photos(folder)
        problem = ""
        try:
            validate_person_id(pid)
        except GalleryError as exc:
            problem = str(exc)
        if not problem and pid in seen_ids:
            problem = f"Person id {pid!r} is used by two folders."
        if not problem and not photos:
            problem = "The folder holds no photos (.jpg, .jpeg, .png, .bmp, .webp)."
        seen_ids.add(pid)
        entries.append(RosterEntry(folder.name, pid, name, row.get("employee_no") or None, photos, problem))
    for folder_name in sorted(set(mapping) - {f.name for f in folders}):
        row = mapping[folder_name]
        entries.append(RosterEntry(folder_name, row["person_id"] or folder_name, row["name"], None, (),
                                   f"{ROSTER_FILE} lists folder {folder_name!r}, which does not exist."))
    return entries
