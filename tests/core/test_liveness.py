"""Liveness logic on synthetic landmarks: blinks against each track's own baseline, planar vs 3-D motion.
(The pipeline holding a check-in back until the face is live: tests/core/test_pipeline.py.)"""

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
from tests.core.synthetic_faces import FPS, eye, face


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
