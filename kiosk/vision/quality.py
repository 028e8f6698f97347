"""Enrolment quality checks: one face, large, sharp, well lit, roughly frontal.

Each rejection is a sentence an admin understands; the same checks give the live capture its hints
("come closer", "more light", "hold still", "look at the camera").
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.core.types import Box, Prompt


@dataclass(frozen=True, slots=True)
class QualityThresholds:
    min_face_px: int = 64  # face box width in the original photo
    min_sharpness: float = 18.0  # variance of the Laplacian on the face resized to 128 px
    min_brightness: float = 45.0  # mean grey level of the face, 0-255
    max_brightness: float = 215.0
    max_yaw: float = 0.28  # |nose position between the eyes - 0.5|; 0 is frontal
    max_roll_deg: float = 25.0


@dataclass(frozen=True, slots=True)
class Quality:
    """Measured quality of one face and the problems found (empty ``problems`` means usable)."""

    face_px: int
    sharpness: float
    brightness: float
    yaw: float
    roll_deg: float
    problems: tuple[str, ...]
    hints: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def face_crop_gray(rgb: np.ndarray, box: Box, size: int = 128) -> np.ndarray:
    """The face as a ``size`` x ``size`` grey image (scale-normalised, so sharpness compares across sizes)."""
    h, w = rgb.shape[:2]
    b = box.clipped(w, h)
    crop = rgb[b.top : b.bottom, b.left : b.right]
    if crop.size == 0:
        return np.zeros((size, size), np.uint8)
    gray = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY)
    return cv2.resize(gray, (size, size), interpolation=cv2.INTER_AREA)


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian: low means blurred."""
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def pose_from_landmarks(points: np.ndarray) -> tuple[float, float]:
    """(yaw, roll in degrees) from dlib's 5 landmarks (two corners per eye, then the nose) or its 68.

    yaw is where the nose sits between the eyes, 0 when centred and up to 0.5 in profile.
    """
    if len(points) == 68:  # the same three features: eye corners 36/39 and 42/45, the nose's base 33
        eye_a, eye_b, nose = points[[36, 39]].mean(axis=0), points[[42, 45]].mean(axis=0), points[33]
    else:
        eye_a, eye_b, nose = points[0:2].mean(axis=0), points[2:4].mean(axis=0), points[4]
    axis = eye_b - eye_a
    length2 = float(axis @ axis)
    if length2 <= 1e-6:
        return 0.5, 90.0
    t = float((nose - eye_a) @ axis) / length2
    left, right = (eye_a, eye_b) if eye_a[0] <= eye_b[0] else (eye_b, eye_a)
    roll = float(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0])))
    return abs(t - 0.5), roll


def assess(
    rgb: np.ndarray, box: Box, landmarks: np.ndarray, thresholds: QualityThresholds | None = None
) -> Quality:
    """Measure one face and list what makes it unfit for enrolment."""
    t = thresholds or QualityThresholds()
    gray = face_crop_gray(rgb, box)
    sharp = sharpness(gray)
    bright = float(gray.mean())
    yaw, roll = pose_from_landmarks(landmarks)
    problems: list[str] = []
    hints: list[str] = []
    if box.width < t.min_face_px:
        problems.append(
            f"The face is too small ({box.width} px wide; at least {t.min_face_px} px is needed). "
            "Use a closer or larger photo."
        )
        hints.append("Come closer")
    if bright < t.min_brightness:
        problems.append("The face is too dark. Use a photo taken in better light.")
        hints.append("More light, please")
    elif bright > t.max_brightness:
        problems.append("The face is too bright (overexposed). Avoid direct light or flash.")
        hints.append("Too bright: step out of direct light")
    if sharp < t.min_sharpness:
        problems.append("The face is blurred. Use a sharp photo and hold the camera still.")
        hints.append(Prompt.HOLD_STILL)
    if yaw > t.max_yaw or abs(roll) > t.max_roll_deg:
        problems.append("The face is turned away or tilted. Use a photo looking straight at the camera.")
        hints.append("Look straight at the camera")
    return Quality(box.width, sharp, bright, yaw, roll, tuple(problems), tuple(hints))
