"""The tones: real WAV files of the right pitch and length; silent when turned off or without a player."""

from __future__ import annotations

import io
import wave

import numpy as np

from kiosk.qt.sound import RATE, TONES, Sounds, tone_wav


def _samples(data: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)


def _pitch(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / RATE)[int(np.argmax(spectrum))])


def test_the_check_in_tone_rises_and_the_refusal_tone_is_low_and_short():
    checkin = _samples(tone_wav(TONES["checkin"]))
    refused = _samples(tone_wav(TONES["refused"]))
    assert abs(len(checkin) / RATE - 0.27) < 0.01 and abs(len(refused) / RATE - 0.34) < 0.01
    first, second = checkin[: int(RATE * 0.11)], checkin[int(RATE * 0.11):]
    assert abs(_pitch(first) - 880) < 15 and abs(_pitch(second) - 1318.5) < 15
    assert abs(_pitch(refused[: int(RATE * 0.14)]) - 330) < 15
    assert np.abs(refused[int(RATE * 0.145): int(RATE * 0.195)]).max() == 0  # the pause between the beeps
    assert np.abs(checkin).max() < 0.45 * 32767 and abs(checkin[0]) < 200  # not too loud; no click at the start


def test_sound_turned_off_plays_nothing_and_a_missing_player_fails_silently(tmp_path):
    off = Sounds(enabled=False, folder=str(tmp_path / "off"))
    off.play("checkin")
    assert off.played == []
    on = Sounds(enabled=True, folder=str(tmp_path / "on"))
    on.backend = "/nonexistent/player"  # a player that cannot start: no exception reaches the kiosk
    on.play("checkin")
    on.play("refused")
    assert on.played == ["checkin", "refused"]
    assert _samples(on.file("refused").read_bytes()).size > 0
    on.close()
