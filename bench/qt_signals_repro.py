"""Reproduces the PySide6 6.12.0 crash that made us pin PySide6 below 6.12.

A QObject in a QThread emits signals carrying Python objects to the GUI thread; with 6.12.0 the process
aborts ("Fatal Python error: none_dealloc"/"bool_dealloc"), with 6.11.3 all signals arrive.

    .venv/bin/python bench/qt_signals_repro.py a 2000   # a: numpy frames, b: tuples, c: (str, None)
"""

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import PySide6  # noqa: E402
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot  # noqa: E402


class Emitter(QObject):
    frame = Signal(object, int, float)
    item = Signal(object)
    pair = Signal(str, object)

    def __init__(self, kind: str, count: int) -> None:
        super().__init__()
        self.kind, self.count = kind, count

    @Slot()
    def run(self) -> None:
        for i in range(self.count):
            if self.kind == "a":
                self.frame.emit(np.zeros((360, 640, 3), np.uint8), i, time.monotonic())
            elif self.kind == "b":
                self.item.emit(("x", i))
            else:
                self.pair.emit("x", None)
            time.sleep(0.001)


def main() -> None:
    kind, count = (sys.argv[1], int(sys.argv[2])) if len(sys.argv) > 2 else ("a", 2000)
    app = QCoreApplication([])
    got = [0]

    def on(*_args) -> None:
        got[0] += 1

    emitter, thread = Emitter(kind, count), QThread()
    emitter.moveToThread(thread)
    thread.started.connect(emitter.run)
    for sig in (emitter.frame, emitter.item, emitter.pair):
        sig.connect(on)
    thread.start()
    end = time.time() + 4
    while time.time() < end:
        app.processEvents()
    thread.quit()
    thread.wait()
    print(json.dumps({"pyside6": PySide6.__version__, "sent": count, "received": got[0]}))


if __name__ == "__main__":
    main()
