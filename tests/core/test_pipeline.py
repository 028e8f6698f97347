"""The recognition pipeline on fakes (pure logic): an identity held back until the face is live, landmarks
only while liveness evidence is wanted."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.core.liveness import LivenessSettings
from kiosk.core.pipeline import RecognitionPipeline
from kiosk.core.types import Box, Detection, Match, Prompt
from tests.core.synthetic_faces import FPS, face

ADA = Match("ada", "Ada", 0.3, 0.2)
STRANGER = Match(None, None, 0.7, 0.0)


class FakeAnalyzer:
    """One face at a fixed place; ``ears`` gives its EAR frame by frame (None: no face in that frame)."""

    def __init__(self, ears: list[float | None]) -> None:
        self.ears = ears
        self.frame = 0
        self.landmark_calls = 0

    def detect_live(self, rgb):
        return [] if self.ears[self.frame] is None else [Detection(Box(50, 50, 150, 150), 1.0)]

    def embed(self, rgb, boxes):
        return np.zeros((len(boxes), 128), dtype=np.float32)

    def landmarks_68(self, rgb, boxes):
        self.landmark_calls += len(boxes)
        return np.stack([face(self.ears[self.frame]) for _ in boxes])


class FakeMatcher:
    def __init__(self, match: Match) -> None:
        self.answer = match

    def match(self, vector, live=False):
        return self.answer


def run(ears: list[float | None], match: Match = ADA, liveness: LivenessSettings | None = LivenessSettings()):
    analyzer = FakeAnalyzer(ears)
    pipe = RecognitionPipeline(analyzer, FakeMatcher(match), liveness=liveness)
    results = []
    for i in range(len(ears)):
        analyzer.frame = i
        results.append(pipe.process(np.zeros((200, 200, 3), np.uint8), i, i / FPS))
    return analyzer, results


def test_a_recognised_face_that_has_not_blinked_is_held_and_asked_to_blink():
    _, results = run([0.3] * 30)
    assert not any(r.confirmations for r in results)
    last = results[-1].frame.faces[0]
    assert last.state == "pending" and last.name == "Ada" and last.hint == Prompt.BLINK


def test_the_held_identity_is_checked_in_once_the_face_blinks():
    ears = [0.3] * 10 + [0.08] + [0.3] * 10
    _, results = run(ears)
    released = [(i, c) for i, r in enumerate(results) for c in r.confirmations]
    assert len(released) == 1
    i, c = released[0]
    assert i == 11 and c.match.person_id == "ada" and c.live_cue == "blink"
    assert c.confirmed_at < c.live_at == pytest.approx(11 / FPS)
    assert results[-1].frame.faces[0].state == "confirmed"


def test_a_face_lost_before_blinking_takes_its_held_identity_with_it():
    ears = [0.3] * 10 + [None] * 15 + [0.08] + [0.3] * 3  # the blink comes on a new track, not yet recognised
    _, results = run(ears)
    assert not any(r.confirmations for r in results[:25])


def test_landmarks_are_computed_only_while_liveness_evidence_is_wanted():
    analyzer, results = run([0.3] * 5 + [0.08] + [0.3] * 20)
    assert [r.landmarks_computed for r in results[:6]] == [1] * 6
    assert all(r.landmarks_computed == 0 for r in results[7:])  # live: no more landmarks
    stranger, results = run([0.3] * 30, match=STRANGER)
    assert results[-1].frame.faces[0].state == "unknown" and results[-1].landmarks_computed == 0


def test_with_liveness_off_the_identity_is_confirmed_without_landmarks():
    analyzer, results = run([0.3] * 5, liveness=None)
    assert sum(len(r.confirmations) for r in results) == 1 and analyzer.landmark_calls == 0
