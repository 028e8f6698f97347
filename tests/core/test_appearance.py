"""The cheap appearance check on real photos: the same face a few pixels off still matches itself,
another person's face in the same box does not."""

import cv2
import numpy as np
import pytest

from kiosk.core.appearance import chip_similarity, colour_change, face_chip
from kiosk.core.tracking import TrackingSettings
from kiosk.core.types import Box

FACE = Box(70, 70, 180, 180)  # where the face is in a 250x250 LFW photo


def photo(face_data, folder: str) -> np.ndarray:
    path = sorted((face_data / "identities" / folder).iterdir())[0]
    return np.ascontiguousarray(cv2.imread(str(path))[:, :, ::-1])


def shifted(box: Box, dx: int, dy: int, grow: int = 0) -> Box:
    return Box(box.left + dx - grow, box.top + dy - grow, box.right + dx + grow, box.bottom + dy + grow)


@pytest.fixture(scope="module")
def faces(face_data):
    return {name: photo(face_data, name) for name in
            ("Emma_Watson", "Denzel_Washington", "George_Pataki", "Halle_Berry", "Tom_Hanks")}


def test_the_same_face_in_a_box_that_jitters_like_the_detectors_still_matches(faces):
    floor = TrackingSettings().chip_step
    for rgb in faces.values():
        before = face_chip(rgb, FACE)
        for dx, dy, grow in ((12, 0, 0), (0, -12, 0), (6, 6, 10), (-8, 4, -8)):
            assert chip_similarity(face_chip(rgb, shifted(FACE, dx, dy, grow)), before) > floor + 0.3


def test_another_persons_face_in_the_same_box_scores_far_lower(faces):
    names = list(faces)
    same = min(chip_similarity(face_chip(faces[n], shifted(FACE, 6, 0)), face_chip(faces[n], FACE)) for n in names)
    other = [chip_similarity(face_chip(faces[a], FACE), face_chip(faces[b], FACE))
             for a in names for b in names if a != b]
    caught = [o < same - TrackingSettings().chip_drop for o in other]
    # Most swaps are caught at once; the rest by the next re-check (tests/core/test_queue_clips.py).
    assert sum(caught) >= 0.75 * len(caught), other


def test_grey_and_colour_together_catch_every_swap_of_these_faces_and_no_jitter_of_one(faces):
    """A still face's usual step is about 0.96: the grey floor is then 0.80; the colour of the face's middle
    catches what grey correlation misses (two frontal faces lit alike)."""
    s = TrackingSettings()
    floor = 0.96 - min(s.chip_drop, s.chip_still * (1 - 0.96))

    def doubted(newer, older) -> bool:
        chroma, bright = colour_change(newer, older)
        return chip_similarity(newer, older) < floor or chroma > s.chip_chroma or bright > s.chip_bright

    chips = {n: face_chip(rgb, FACE) for n, rgb in faces.items()}
    assert all(doubted(chips[a], chips[b]) for a in chips for b in chips if a != b)
    for n, rgb in faces.items():
        for dx, dy, grow in ((6, 0, 0), (0, -6, 0), (4, 4, 6)):
            assert not doubted(face_chip(rgb, shifted(FACE, dx, dy, grow)), chips[n]), n


def test_a_face_lit_brighter_or_tinted_shows_in_its_colour(faces):
    rgb = faces["Tom_Hanks"]
    brighter = np.clip(rgb.astype(np.float32) * 1.5, 0, 255).astype(np.uint8)
    tinted = np.clip(rgb.astype(np.float32) * np.array([1.0, 0.8, 1.0]), 0, 255).astype(np.uint8)
    base = face_chip(rgb, FACE)
    assert colour_change(face_chip(brighter, FACE), base)[1] > TrackingSettings().chip_bright
    assert colour_change(face_chip(tinted, FACE), base)[0] > TrackingSettings().chip_chroma
    assert colour_change(face_chip(rgb, shifted(FACE, 3, 3)), base)[0] < 0.01
    assert colour_change(None, base) is None


def test_no_chip_for_a_box_too_small_or_a_flat_patch():
    grey = np.full((100, 100, 3), 128, np.uint8)
    assert face_chip(grey, Box(10, 10, 60, 60)) is None
    assert face_chip(np.zeros((100, 100, 3), np.uint8) + np.arange(100, dtype=np.uint8)[:, None, None],
                     Box(0, 0, 12, 12)) is None
    assert chip_similarity(None, None) is None
