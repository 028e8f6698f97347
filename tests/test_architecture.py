"""The layering the style guide asks for, enforced: kiosk.core and kiosk.vision import no Qt."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT, require


def test_import_linter_contracts_are_kept():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    require(Path(lint).exists(), "import-linter is not installed (pip install -e '.[dev]')")
    r = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-3000:]
    assert "0 broken" in r.stdout


QT_IMPORT = re.compile(r"^\s*(from|import)\s+(PySide6|shiboken6|kiosk\.qt)\b", re.MULTILINE)


def test_core_and_vision_modules_import_no_qt_even_lazily():
    # A plain-text second check: it holds even for a module that import-linter cannot import.
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("kiosk/core", "kiosk/vision")
        for p in (ROOT / folder).rglob("*.py")
        if QT_IMPORT.search(p.read_text())
    ]
    assert offenders == []
