"""The kiosk's languages: English (the source strings) and German, through Qt's translation files.

Every visible string is written in English inside ``self.tr("...")`` or ``QCoreApplication.translate(
"Context", "...")``; ``resources/i18n/kiosk_de.ts`` holds the German text and ``kiosk_de.qm`` its compiled
form. After changing strings, regenerate both (the generator; a test fails when the .qm is stale):

    python -m kiosk.qt.i18n            # pyside6-lupdate kiosk/qt -> .ts, then pyside6-lrelease -> .qm

``install_language()`` swaps the translator at run time; widgets that show text re-read it on
``QEvent.LanguageChange`` (their ``retranslate()``).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from kiosk.resources import resource_path

log = logging.getLogger(__name__)

LANGUAGES = {"en": "English", "de": "Deutsch"}
KEYBOARD_LAYOUTS = {"en": "qwerty", "de": "qwertz"}
_installed: list[QTranslator] = []
_current = "en"


def resolve_language(setting: str) -> str:
    """The language to use for the ``language`` setting: "en", "de", or "" / "system" for the system locale."""
    wanted = (setting or "system").strip().lower().replace("-", "_")
    if wanted == "system":
        wanted = QLocale.system().name().lower()
    code = wanted.split("_")[0]
    return code if code in LANGUAGES else "en"


def current_language() -> str:
    return _current


def keyboard_layout(language: str | None = None) -> str:
    """"qwertz" for German, "qwerty" otherwise."""
    return KEYBOARD_LAYOUTS.get(language or _current, "qwerty")


def translation_file(language: str) -> Path:
    return resource_path("i18n", f"kiosk_{language}.qm")


def install_language(setting: str) -> str:
    """Load the translators for ``setting`` into the running QCoreApplication; returns the language used.

    English needs no file. A missing or unreadable file leaves the English text and logs why.
    """
    global _current
    app = QCoreApplication.instance()
    language = resolve_language(setting)
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if language != "en":
        ours = QTranslator(app)
        if ours.load(str(translation_file(language))):
            app.installTranslator(ours)
            _installed.append(ours)
        else:
            log.error("cannot load the translation %s; showing English", translation_file(language))
            language = "en"
        qt = QTranslator(app)  # Qt's own strings (standard dialog buttons)
        qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if language != "en" and qt.load(f"qtbase_{language}", qt_folder):
            app.installTranslator(qt)
            _installed.append(qt)
    _current = language
    QLocale.setDefault(QLocale(language))
    return language


# -- the generator ----------------------------------------------------------------------------------
def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(found).exists():
        raise SystemExit(f"{name} not found: install PySide6 (it ships {name})")
    return found


def regenerate(root: Path | None = None) -> list[Path]:
    """Update every ``.ts`` from the sources, then compile each to ``.qm``; returns the ``.qm`` files."""
    root = root or Path(__file__).resolve().parents[2]
    folder = root / "resources" / "i18n"
    sources = sorted(str(p) for p in (root / "kiosk" / "qt").glob("*.py"))
    out = []
    for language in LANGUAGES:
        if language == "en":
            continue
        ts = folder / f"kiosk_{language}.ts"
        subprocess.run([_tool("pyside6-lupdate"), "-no-obsolete", "-locations", "none", *sources, "-ts", str(ts)],
                       check=True)
        out.append(compile_ts(ts, ts.with_suffix(".qm")))
    return out


def compile_ts(ts: Path, qm: Path) -> Path:
    """``pyside6-lrelease ts -qm qm``; returns ``qm``."""
    subprocess.run([_tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)
    return qm


if __name__ == "__main__":
    for path in regenerate():
        sys.stdout.write(f"{path}\n")
