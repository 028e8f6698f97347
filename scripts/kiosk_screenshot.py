"""Screenshot of the real kiosk window (under Xvfb) at the moment a face is recognised, for the README.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/kiosk_screenshot.py docs/kiosk.png

Enrols Lin-Manuel Miranda and Alex Lacamoire from the shared photos into a temporary gallery, plays the
Hamilton clip, and grabs the screen (QScreen.grabWindow, i.e. what the X server shows) once the greeting
names Miranda.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/kiosk.png")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from bench.common import face_data_dir
    from kiosk.core.config import KioskConfig
    from kiosk.qt.app import KioskApp
    from tests.qt.kiosk_fixtures import HAMILTON, enrol_hamilton

    data = face_data_dir()
    tmp = Path(tempfile.mkdtemp())
    os.environ["KIOSK_KEY_FILE"] = str(tmp / "gallery.key")
    enrol_hamilton(data, tmp / "gallery", tmp / "gallery.key")
    app = QApplication([])
    kiosk = KioskApp(KioskConfig(source=str(data / HAMILTON), gallery=str(tmp / "gallery"),
                                 attendance=str(tmp / "att.csv"), key_file=str(tmp / "gallery.key"),
                                 kiosk_id="entrance-1", liveness=False))
    kiosk.start()
    done = {"ok": False}

    def poll() -> None:
        confirmed = [f for f in kiosk.window.video.faces if f.state == "confirmed"]
        if "Welcome" in kiosk.window.greeting.text() and confirmed:
            QTimer.singleShot(0, grab)
        else:
            QTimer.singleShot(50, poll)

    def grab() -> None:
        pixmap = app.primaryScreen().grabWindow(kiosk.window.winId())
        out.parent.mkdir(parents=True, exist_ok=True)
        done["ok"] = pixmap.save(str(out))
        kiosk.window.close()

    QTimer.singleShot(500, poll)
    QTimer.singleShot(60000, kiosk.window.close)
    app.exec()
    kiosk.shutdown()
    print(f"saved {out}" if done["ok"] else "no recognised face within 60 s", file=sys.stderr)
    return 0 if done["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
