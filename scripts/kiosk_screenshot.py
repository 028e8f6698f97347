"""Screenshots of the real kiosk window under Xvfb, for the README and docs/kiosk.md.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/kiosk_screenshot.py docs/kiosk.png
    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/kiosk_screenshot.py --all docs/screens 1280x800
    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python scripts/kiosk_screenshot.py --all docs/screens 1920x1080 de

Enrols Lin-Manuel Miranda and Alex Lacamoire from the shared photos into a temporary gallery (Miranda with
employee number 42 and PIN 2468), plays the Hamilton clip in kiosk mode, and grabs the screen
(QScreen.grabWindow, what the X server shows). With ``--all`` it saves, into the folder, ``<size>-<lang>-``
``live.png`` (boxes and names), ``greeting.png`` (the welcome with "Not you?"), ``keypad.png`` ("Can't be
recognised?"), ``enrol-camera.png`` (enrolment: live picture, oval, pose, thumbnail) and ``enrol.png``
(enrolment with its keyboard); without it, only the greeting.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def wait_until(app, predicate, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if predicate():
            return True
        time.sleep(0.02)
    return False


def settle(app, seconds: float = 0.4) -> None:
    wait_until(app, lambda: False, seconds)


_seen: list[tuple[float, float, float]] = []  # (time, x, y) of the named face's box centre


def still_named_face(window) -> bool:
    """A named face whose box has stayed put for half a second (so the box sits on the face in the shot)."""
    named = [f for f in window.video.faces if f.state == "confirmed"]
    if not named:
        _seen.clear()
        return False
    box = named[0].box
    now = time.monotonic()
    _seen.append((now, (box.left + box.right) / 2, (box.top + box.bottom) / 2))
    recent = [(x, y) for t, x, y in _seen if now - t <= 0.5]
    if _seen[0][0] > now - 0.5 or len(recent) < 2:
        return False
    xs, ys = [x for x, _ in recent], [y for _, y in recent]
    return max(xs) - min(xs) < 6 and max(ys) - min(ys) < 6


def grab(app, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    settle(app)
    if not app.primaryScreen().grabWindow(0).save(str(path)):
        raise SystemExit(f"could not save {path}")
    try:  # 256 colours: a third of the size, the same picture to the eye
        from PIL import Image
    except ImportError:
        pass
    else:
        Image.open(path).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT,
                                                 dither=Image.Dither.NONE).save(path, optimize=True)
    sys.stderr.write(f"saved {path}\n")


def main(argv: list[str]) -> int:
    shoot_all = "--all" in argv
    args = [a for a in argv if a != "--all"]
    out = Path(args[0] if args else "docs/kiosk.png")
    size = args[1] if len(args) > 1 else ""
    language = args[2] if len(args) > 2 else "en"

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from bench.common import face_data_dir
    from kiosk.core.config import KioskConfig
    from kiosk.core.credentials import CredentialStore
    from kiosk.core.gallery import GalleryStore
    from kiosk.core.pin import hash_pin
    from kiosk.core.secrets import Sealer
    from kiosk.qt.app import KioskApp
    from kiosk.qt.i18n import install_language
    from tests.qt.kiosk_fixtures import HAMILTON, enrol_hamilton

    data = face_data_dir()
    tmp = Path(tempfile.mkdtemp())
    os.environ["KIOSK_KEY_FILE"] = str(tmp / "gallery.key")
    enrol_hamilton(data, tmp / "gallery", tmp / "gallery.key")
    store = GalleryStore(tmp / "gallery", sealer=Sealer(tmp / "gallery.key"))
    with store.edit() as g:  # Miranda's employee number for the keypad
        from dataclasses import replace

        i = g._index("miranda")
        g.people[i] = replace(g.people[i], employee_no="42")
    CredentialStore(tmp / "gallery").set_pin("miranda", "2468")
    app = QApplication([])
    install_language(language)
    kiosk = KioskApp(KioskConfig(source=str(data / HAMILTON), loop=True, gallery=str(tmp / "gallery"),
                                 attendance=str(tmp / "att.csv"), key_file=str(tmp / "gallery.key"),
                                 kiosk_id="entrance-1", liveness=False, kiosk_mode="on", sound=False,
                                 admin_pin_hash=hash_pin("1357"),
                                 language=language))
    kiosk.start()
    prefix = f"{size}-{language}-" if size else ""
    window = kiosk.window
    ok = True
    try:
        welcomed = wait_until(app, lambda: window.greeting.not_you_button.isVisible()
                              and any(f.state == "confirmed" for f in window.video.faces), 90)
        if not welcomed:
            sys.stderr.write("no recognised face within 90 s\n")
            return 1
        if not shoot_all:
            grab(app, out)
            return 0
        grab(app, out / f"{prefix}greeting.png")
        window.greeting.clear_greeting()
        settle(app, 1.0)
        wait_until(app, lambda: still_named_face(window), 60)
        grab(app, out / f"{prefix}live.png")

        window.fallback_button.click()
        dialog = kiosk.entrance.dialog
        wait_until(app, dialog.isVisible, 5)
        for d in "42":
            dialog.keypad.digit_buttons[d].click()
        dialog.keypad.ok_button.click()
        dialog.keypad.digit_buttons["1"].click()
        grab(app, out / f"{prefix}keypad.png")
        dialog.reject()

        from kiosk.qt.admin_sampler import AdminSampler
        from kiosk.qt.enrol_dialog import EnrolDialog

        sampler = AdminSampler(kiosk.worker)
        dlg = EnrolDialog(store, sampler, kiosk.latest_frame, window, credentials=kiosk.credentials)
        dlg.setGeometry(window.geometry())
        dlg.show()
        wait_until(app, dlg.isVisible, 5)
        for _ in range(20):  # one sample from the camera (one face in the picture): its thumbnail, the next pose
            wait_until(app, lambda: len(window.video.faces) == 1, 30)
            dlg.capture_button.click()
            wait_until(app, lambda: not sampler.busy and not dlg._requested, 60)
            if dlg.camera.thumbnails:
                break
        grab(app, out / f"{prefix}enrol-camera.png")
        dlg.activateWindow()
        QTest.mouseClick(dlg.name_edit, Qt.MouseButton.LeftButton)
        wait_until(app, dlg.keyboard.isVisible, 5)
        kb = dlg.keyboard.keyboard
        kb.shift_button.click()
        for ch in "Ann":
            kb.keys[ch.lower()].click()
        grab(app, out / f"{prefix}enrol.png")
        dlg.reject()
        sampler.stop()
    finally:
        kiosk.quit()
        kiosk.shutdown()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
