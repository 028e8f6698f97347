"""Reproduces the PySide6 6.12.0 crash that made us pin PySide6 below 6.12.

A QObject in a QThread emits signals carrying Python objects to the GUI thread; with 6.12.0 the process
aborts ("Fatal Python error: none_dealloc"/"bool_dealloc"), with 6.11.3 all signals arrive.

    .venv/bin/python bench/qt_signals_repro.py a 2000   # a: numpy frames, b: tuples, c: (str, None)
"""
import os, sys, time, threading
os.environ["QT_QPA_PLATFORM"]="offscreen"
import numpy as np
from PySide6.QtCore import QObject, Signal, Slot, QThread, QCoreApplication
class W(QObject):
    sig = Signal(object, int, float)
    sig2 = Signal(object)
    sig3 = Signal(str, object)
    @Slot()
    def run(self):
        for i in range(int(sys.argv[2])):
            if sys.argv[1]=="a": self.sig.emit(np.zeros((360,640,3),np.uint8), i, time.monotonic())
            elif sys.argv[1]=="b": self.sig2.emit(("x", i))
            elif sys.argv[1]=="c": self.sig3.emit("x", None)
            time.sleep(0.001)
got=[0]
def on(*a): got[0]+=1
app=QCoreApplication([])
w=W(); t=QThread(); w.moveToThread(t); t.started.connect(w.run)
w.sig.connect(on); w.sig2.connect(on); w.sig3.connect(on)
t.start()
end=time.time()+4
while time.time()<end: app.processEvents()
t.quit(); t.wait()
print("got", got[0])
