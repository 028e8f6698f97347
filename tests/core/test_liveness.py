"""Liveness logic on synthetic landmarks: blinks against each track's own baseline, planar vs 3-D motion,
and the pipeline holding a check-in back until the face is live."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.core.liveness import (
    LivenessSettings,
    LivenessState,
    eye_aspect_ratio,
    face_ear,
    fit_homography,
    planar_residual,
)
from kiosk.core.pipeline import RecognitionPipeline
from kiosk.core.types import Box, Detection, Match, Prompt

FPS = 15.0  # a plausible analysis rate of the kiosk


def eye(cx: float, cy: float, ear: float, width: float = 30.0) -> np.ndarray:
    """Six eye landmarks whose EAR is ``ear``: corners, two upper lid points, two lower lid points."""
    h = ear * width / 2
    x = [cx - width / 2, cx - width / 6, cx + width / 6, cx + width / 2, cx + width / 6, cx - width / 6]
    y = [cy, cy - h, cy - h, cy, cy + h, cy + h]
    return np.c_[x, y]


def face(ear: float = 0.3, nose_dx: float = 0.0) -> np.ndarray:
    """A frontal (68, 2) landmark set around (100, 100); ``nose_dx`` moves the nose as a head turn does."""
    t = np.linspace(np.pi, 2 * np.pi, 17)
    contour = np.c_[100 + 70 * np.cos(t), 100 - 80 * np.sin(t)]
    brows = np.c_[np.r_[np.linspace(45, 85, 5), np.linspace(115, 155, 5)], np.full(10, 65.0)]
    nose = np.c_[np.r_[np.full(4, 100.0), np.linspace(88, 112, 5)], np.r_[np.linspace(85, 125, 4), np.full(5, 130.0)]]
    nose[:, 0] += nose_dx
    eyes = np.r_[eye(70, 85, ear), eye(130, 85, ear)]
    m = np.linspace(0, 2 * np.pi, 20, endpoint=False)
    mouth = np.c_[100 + 30 * np.cos(m), 155 + 10 * np.sin(m)]
    points = np.r_[contour, brows, nose, eyes, mouth]
    assert points.shape == (68, 2)
    return points


def planar(points: np.ndarray, angle_deg=0.0, scale=1.0, shift=(0.0, 0.0), tilt=0.0) -> np.ndarray:
    """``points`` as a flat photo of them looks after being rotated, zoomed, shifted and tilted."""
    a = np.deg2rad(angle_deg)
    h = np.array([[scale * np.cos(a), -scale * np.sin(a), shift[0]], [scale * np.sin(a), scale * np.cos(a), shift[1]],
                  [tilt, 0.0, 1.0]])
    p = np.c_[points, np.ones(len(points))] @ h.T
    return p[:, :2] / p[:, 2:3]


def feed(state: LivenessState, frames: list[np.ndarray], fps: float = FPS) -> list[bool]:
    return [state.update(p, i / fps) for i, p in enumerate(frames)]


def blinks_only() -> LivenessState:
    return LivenessState(LivenessSettings(motion=False))


# -- the eye aspect ratio ---------------------------------------------------------------------------------
def test_eye_aspect_ratio_is_height_over_width_of_the_lids():
    assert eye_aspect_ratio(eye(0, 0, 0.3)) == pytest.approx(0.3)
    assert eye_aspect_ratio(eye(0, 0, 0.05, width=50)) == pytest.approx(0.05)
    assert face_ear(face(0.25)) == pytest.approx(0.25)


# -- blinks ---------------------------------------------------------------------------------------------
def test_a_blink_makes_the_track_live_when_the_eyes_reopen():
    state = blinks_only()
    seq = [face(0.3)] * 8 + [face(0.08), face(0.1)] + [face(0.3)] * 3
    made_live = feed(state, seq)
    assert made_live.index(True) == 10  # the first open frame after the closure, not the closure itself
    assert state.live and state.cue == "blink" and state.live_at == pytest.approx(10 / FPS)


def test_eyes_that_close_and_never_reopen_are_not_a_blink():
    state = blinks_only()
    feed(state, [face(0.3)] * 8 + [face(0.08)] * 3)
    assert not state.live


def test_a_blink_needs_the_tracks_own_open_level_first():
    state = blinks_only()
    feed(state, [face(0.08), face(0.3), face(0.3), face(0.3)])  # closed before any baseline: no evidence
    assert not state.live


def test_the_baseline_is_per_track_narrow_eyes_blink_too():
    state = blinks_only()
    feed(state, [face(0.18)] * 8 + [face(0.06)] + [face(0.18)])
    assert state.cue == "blink"


def test_a_partial_squint_of_wide_eyes_is_not_a_blink():
    state = blinks_only()
    feed(state, [face(0.36)] * 8 + [face(0.26), face(0.25)] + [face(0.36)] * 3)  # 0.7 of the open level
    assert not state.live


def test_eyes_closed_for_seconds_are_not_a_blink():
    state = blinks_only()
    feed(state, [face(0.3)] * 8 + [face(0.08)] * int(2 * FPS) + [face(0.3)] * 3)
    assert not state.live


def test_the_baseline_follows_eyes_that_narrow_for_good_and_a_later_blink_still_counts():
    state = blinks_only()
    frames = [face(0.34)] * 8 + [face(0.18)] * int(4 * FPS) + [face(0.05)] + [face(0.18)] * 2
    feed(state, frames)
    assert state.cue == "blink"
    assert state.live_at == pytest.approx((len(frames) - 2) / FPS)


def test_a_still_photo_with_landmark_jitter_never_blinks():
    rng = np.random.default_rng(1)
    state = LivenessState()
    frames = [face(0.3) + rng.normal(0, 0.4, (68, 2)) for _ in range(int(20 * FPS))]
    assert not any(feed(state, frames))


# -- motion --------------------------------------------------------------------------------------------
def test_fit_homography_recovers_a_perspective_map():
    src = face()
    dst = planar(src, 7, 1.1, (5, -3), tilt=0.0015)
    assert planar_residual(src, dst) < 1e-6
    h = fit_homography(src, dst)
    assert h[2, 0] / h[2, 2] == pytest.approx(0.0015, rel=1e-3)
    with pytest.raises(ValueError):
        fit_homography(src[:3], dst[:3])


@pytest.mark.parametrize("motion", [
    dict(shift=(15, 8)), dict(zoom=0.1), dict(angle_deg=6), dict(tilt=0.002),
    dict(angle_deg=-4, zoom=-0.1, tilt=-0.002),
])
def test_a_photo_moved_shifted_zoomed_rotated_or_tilted_shows_no_3d_motion(motion):
    rng = np.random.default_rng(2)
    state = LivenessState()
    frames = []
    for i in range(int(10 * FPS)):
        phase = np.sin(i / 5)
        kw = {k: np.asarray(v) * phase for k, v in motion.items() if k != "zoom"}
        frames.append(planar(face(), scale=1 + motion.get("zoom", 0) * phase, **kw) + rng.normal(0, 0.4, (68, 2)))
    assert not any(feed(state, frames))


def test_a_turning_head_moves_the_nose_against_the_face_and_is_live():
    state = LivenessState()
    made_live = feed(state, [face(), face(nose_dx=4), face(nose_dx=20), face(nose_dx=22), face(nose_dx=24), face()])
    assert state.cue == "motion" and made_live.index(True) == 4  # three frames above the threshold


def test_two_glitchy_frames_are_not_motion_evidence():
    state = LivenessState()
    feed(state, [face()] * 3 + [face(nose_dx=20)] * 2 + [face()] * 30)
    assert not state.live


def test_motion_can_be_switched_off():
    state = blinks_only()
    feed(state, [face(nose_dx=20 * (i % 2)) for i in range(20)])
    assert not state.live


# -- the pipeline ------------------------------------------------------------------------------------------
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
