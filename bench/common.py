"""Shared bits of the benchmarks: where the face data is, the machine description, JSON output."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"


def face_data_dir() -> Path:
    root = Path(os.environ.get("FACE_DATA_DIR", ROOT.parent / "shared" / "data" / "faces"))
    if not (root / "identities").is_dir():
        sys.exit(f"face data not found at {root}: set FACE_DATA_DIR")
    return root


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "os": platform.platform()}


def emit(result: dict) -> None:
    print(json.dumps(result, indent=2, sort_keys=False))
