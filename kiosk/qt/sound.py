"""Short tones: a rising two-note chime for a check-in, a low double beep for "already" or a refusal.

The tones are generated (16-bit mono WAV, 44.1 kHz), never shipped as files. They play through
QtMultimedia's ``QSoundEffect`` when PySide6 has it (PySide6-Essentials does not), else through the
platform's player (``winsound`` on Windows, ``afplay`` on macOS, ``pw-play``/``paplay``/``aplay`` on
Linux). With no player or no audio device the kiosk stays silent and logs it once; sound never blocks
or fails a check-in.
"""

from __future__ import annotations

import io
import logging
import math
import shutil
import struct
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

log = logging.getLogger(__name__)

RATE = 44_100
# (frequency Hz, milliseconds) per note; 0 Hz is a pause
TONES: dict[str, tuple[tuple[float, int], ...]] = {
    "checkin": ((880.0, 110), (1318.5, 160)),  # A5 then E6: "yes"
    "refused": ((330.0, 140), (0.0, 60), (330.0, 140)),  # E4 twice: "no" / "already"
}
PLAYERS = ("pw-play", "paplay", "aplay")


def tone_wav(notes: tuple[tuple[float, int], ...], volume: float = 0.4) -> bytes:
    """A WAV file's bytes for ``notes``, each faded in and out over 5 ms (no clicks)."""
    frames = bytearray()
    fade = int(RATE * 0.005)
    for freq, ms in notes:
        n = int(RATE * ms / 1000)
        for i in range(n):
            env = min(1.0, i / fade, (n - 1 - i) / fade) if fade else 1.0
            value = volume * env * math.sin(2 * math.pi * freq * i / RATE) if freq else 0.0
            frames += struct.pack("<h", int(value * 32767))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return buf.getvalue()


class Sounds:
    """Plays the named tones (``play("checkin")``); ``enabled`` False makes it silent."""

    def __init__(self, enabled: bool = True, folder: str | None = None) -> None:
        self.enabled = enabled
        self._folder = Path(folder or tempfile.mkdtemp(prefix="kiosk-sounds-"))
        self._files: dict[str, Path] = {}
        self._effects: dict[str, object] = {}
        self._procs: list[subprocess.Popen] = []
        self._warned = False
        self.backend = self._pick_backend()
        self.played: list[str] = []  # the tones asked for (what a person would have heard)

    def _pick_backend(self) -> str:
        try:
            from PySide6.QtMultimedia import QSoundEffect  # noqa: F401
        except ImportError:
            pass
        else:
            return "qt"
        if sys.platform == "win32":
            return "winsound"
        if sys.platform == "darwin" and shutil.which("afplay"):
            return "afplay"
        return next((p for p in PLAYERS if shutil.which(p)), "")

    def file(self, name: str) -> Path:
        """The tone's WAV file (written once)."""
        if name not in self._files:
            path = self._folder / f"{name}.wav"
            self._folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(tone_wav(TONES[name]))
            self._files[name] = path
        return self._files[name]

    def play(self, name: str) -> None:
        """Start the tone and return at once; silent when disabled or when nothing can play it."""
        if not self.enabled:
            return
        self.played.append(name)
        try:
            self._start(name)
        except Exception as exc:  # no device, no player, a broken driver: the kiosk goes on silently
            if not self._warned:
                log.warning("cannot play sounds (%s); going on silently", exc)
                self._warned = True

    def _start(self, name: str) -> None:
        if self.backend == "qt":
            from PySide6.QtCore import QUrl
            from PySide6.QtMultimedia import QSoundEffect

            effect = self._effects.get(name)
            if effect is None:
                effect = QSoundEffect()
                effect.setSource(QUrl.fromLocalFile(str(self.file(name))))
                self._effects[name] = effect
            effect.play()
        elif self.backend == "winsound":
            import winsound

            winsound.PlaySound(str(self.file(name)), winsound.SND_FILENAME | winsound.SND_ASYNC)
        elif self.backend:
            self._procs = [p for p in self._procs if p.poll() is None]
            if len(self._procs) < 2:  # a queue at 9:00 must not pile up players
                self._procs.append(subprocess.Popen([self.backend, str(self.file(name))], stdin=subprocess.DEVNULL,
                                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        elif not self._warned:
            log.info("no sound player found (QtMultimedia, %s); the kiosk is silent", ", ".join(PLAYERS))
            self._warned = True

    def close(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.terminate()
        shutil.rmtree(self._folder, ignore_errors=True)
