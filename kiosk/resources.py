"""Where bundled files live, in a source checkout and in a PyInstaller build (Vorta's ``get_asset``)."""

from __future__ import annotations

import sys
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def bundle_root() -> Path:
    """The folder PyInstaller unpacked into (``sys._MEIPASS``), or the source checkout's root."""
    meipass = getattr(sys, "_MEIPASS", None)
    return Path(meipass) if meipass else _SOURCE_ROOT


def resource_path(*parts: str) -> Path:
    """The path of a file under ``resources/``, wherever the app runs from."""
    return bundle_root().joinpath("resources", *parts)
