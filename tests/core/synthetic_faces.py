"""Synthetic 68-point landmark sets for the liveness and pipeline tests (pure logic, no models)."""

from __future__ import annotations

import numpy as np

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
