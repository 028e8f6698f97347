"""A cheap appearance check: has the face inside a track's box changed since an earlier analysed frame?

A ``Chip`` is two small grey views of one face: ``cores``, the face box itself averaged down to
``CORE`` x ``CORE`` cells at three sizes (the detector's boxes step in size by about 20 %), and
``context``, the box grown by ``CONTEXT`` on each side at the same cell size. ``similarity`` slides each
core of the newer chip over the older chip's context (the detector's boxes also jump by a few pixels) and
keeps the best normalised correlation. The same face a moment later scores about 0.9 and more; another
person's face in the same box scores much lower (thresholds in ``kiosk.core.tracking``, measured on queue
clips built from the shared photos with ``bench/checkin_queue.py``). Grey correlation alone misses some
swaps of two frontal faces (0.7-0.8, where a lively face of one person also goes), so a chip also keeps
``colour``, the face's mean chromaticity and brightness: ``colour_change`` says how far two chips are
apart in those. Well under a millisecond a face; pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from kiosk.core.types import Box

CORE = 12  # cells across a face box
CONTEXT = 3  # extra cells on each side of the older chip, searched for the newer one
SCALES = (0.85, 1.0, 1.18)


@dataclass(frozen=True, slots=True)
class Chip:
    cores: np.ndarray  # (len(SCALES), CORE*CORE): each zero-mean, unit-variance
    context: np.ndarray  # (CORE + 2*CONTEXT, CORE + 2*CONTEXT) grey cell means
    colour: tuple[float, float, float]  # the face middle's r and g chromaticity and mean brightness (0-255)


def _cells(grey: np.ndarray, cx: float, cy: float, half: float, cells: int) -> np.ndarray | None:
    """Mean grey of ``cells`` x ``cells`` squares tiling the square of half-side ``half`` at (cx, cy)."""
    h, w = grey.shape
    edges = np.linspace(-half, half, cells + 1)
    xs = np.clip(np.round(cx + edges).astype(int), 0, w)
    ys = np.clip(np.round(cy + edges).astype(int), 0, h)
    if np.any(np.diff(xs) <= 0) or np.any(np.diff(ys) <= 0):
        return None  # too small, or off the image
    sums = np.add.reduceat(np.add.reduceat(grey[ys[0] : ys[-1], xs[0] : xs[-1]], ys[:-1] - ys[0], axis=0),
                           xs[:-1] - xs[0], axis=1)
    return sums / np.outer(np.diff(ys), np.diff(xs))


def _normalised(v: np.ndarray) -> np.ndarray | None:
    v = v.astype(np.float32).ravel()
    spread = float(v.std())
    return None if spread < 1e-3 else (v - v.mean()) / spread


def face_chip(rgb: np.ndarray, box: Box) -> Chip | None:
    """The chip of the face in ``box`` of an RGB image; None when the box is too small, off the image,
    or flat."""
    half = max(box.width, box.height) / 2.0
    if half * 2 < CORE * 2:
        return None
    cx, cy = (box.left + box.right) / 2.0, (box.top + box.bottom) / 2.0
    pad = half * (1.0 + 2.0 * CONTEXT / CORE)
    h, w = rgb.shape[:2]
    x0, x1 = max(0, int(cx - pad * 1.2) - 1), min(w, int(cx + pad * 1.2) + 2)
    y0, y1 = max(0, int(cy - pad * 1.2) - 1), min(h, int(cy + pad * 1.2) + 2)
    region = rgb[y0:y1, x0:x1].astype(np.float32)
    grey = region[..., 0] * 0.299 + region[..., 1] * 0.587 + region[..., 2] * 0.114
    cx, cy = cx - x0, cy - y0
    cores = []
    for s in SCALES:
        cells = _cells(grey, cx, cy, half * s, CORE)
        core = None if cells is None else _normalised(cells)
        if core is None:
            return None
        cores.append(core)
    context = _cells(grey, cx, cy, pad, CORE + 2 * CONTEXT)
    if context is None:
        return None
    inner = int(half * 0.7)  # the middle of the face: skin, not hair or background
    centre = region[max(0, int(cy) - inner) : int(cy) + inner, max(0, int(cx) - inner) : int(cx) + inner]
    mean = centre.reshape(-1, 3).mean(axis=0)
    total = float(mean.sum()) or 1.0
    colour = (float(mean[0]) / total, float(mean[1]) / total, total / 3.0)
    return Chip(np.stack(cores), context.astype(np.float32), colour)


def chip_similarity(newer: Chip | None, older: Chip | None) -> float | None:
    """The best correlation (in [-1, 1]) of ``newer``'s face with any place of ``older``'s; None when
    either is missing."""
    if newer is None or older is None:
        return None
    windows = sliding_window_view(older.context, (CORE, CORE)).reshape(-1, CORE * CORE)
    windows = windows - windows.mean(axis=1, keepdims=True)
    spread = windows.std(axis=1, keepdims=True)
    windows = windows / np.maximum(spread, 1e-3)
    return float((newer.cores @ windows.T).max()) / float(CORE * CORE)


def colour_change(newer: Chip | None, older: Chip | None) -> tuple[float, float] | None:
    """(chromaticity distance, absolute log brightness ratio) of two chips' face middles; None when either
    is missing. The same face a moment later: under about 0.015 and 0.1 on the shared clips."""
    if newer is None or older is None:
        return None
    (r1, g1, b1), (r0, g0, b0) = newer.colour, older.colour
    chroma = ((r1 - r0) ** 2 + (g1 - g0) ** 2) ** 0.5
    return chroma, abs(float(np.log(max(b1, 1.0) / max(b0, 1.0))))
