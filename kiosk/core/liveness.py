"""Evidence that a tracked face is a live person, from its 68 landmarks over the track's analysed frames.

Two cues, either one is enough:

* **A blink.** The eye aspect ratio (EAR, Soukupova and Cech 2016) of both eyes, averaged, is compared with
  the track's own open-eye level (a high percentile of its recent EARs, so squinting or wide-eyed people
  carry their own baseline). A blink is a drop below ``close_ratio`` x baseline followed, within
  ``max_closed_s``, by a recovery above ``open_ratio`` x baseline.
* **Non-planar motion.** A photo, printed or on a screen, is a plane: whatever way it is held, shifted,
  zoomed, rotated or tilted, its landmarks move by a homography. A live head turning, talking or changing
  expression moves its landmarks in ways no homography explains (the nose moves against the cheeks: parallax).
  The cue is the RMS residual of the best homography from the track's first landmarks to the current ones,
  in units of the inter-ocular distance; it counts when ``motion_frames`` frames exceed ``motion_residual``.
  Measured in ``bench/liveness.py``: replayed photos stay below about 0.04, the real clip's median is 0.12.

Pure numpy; the pipeline feeds landmarks and timestamps in, reads ``live`` out.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

RIGHT_EYE = slice(36, 42)  # the person's right eye, on the image's left
LEFT_EYE = slice(42, 48)


@dataclass(frozen=True, slots=True)
class LivenessSettings:
    """Thresholds of the two cues (see the module docstring); ``motion`` False keeps blinks only."""

    close_ratio: float = 0.5  # EAR below this share of the open-eye level: eyes closed
    open_ratio: float = 0.85  # EAR back above this share: eyes open again, the blink is complete
    max_closed_s: float = 0.6  # a longer closure (looking down, sleeping) is not a blink
    baseline_min: int = 3  # EARs needed before the open-eye level is trusted
    baseline_window: int = 30  # recent EARs the open-eye level is taken from
    baseline_percentile: float = 75.0
    motion: bool = True
    motion_residual: float = 0.09  # homography residual / inter-ocular distance that counts as 3-D motion
    motion_frames: int = 3  # frames above it needed (a few glitchy landmark fits are not enough)


def eye_aspect_ratio(eye: np.ndarray) -> float:
    """EAR of one eye's six landmarks (corner, two upper, corner, two lower): ~0.3 open, ~0.1 closed."""
    p = np.asarray(eye, dtype=np.float64)
    vertical = np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])
    horizontal = np.linalg.norm(p[0] - p[3])
    return float(vertical / (2.0 * horizontal)) if horizontal > 0 else 0.0


def face_ear(points: np.ndarray) -> float:
    """The mean EAR of both eyes of a (68, 2) landmark array."""
    return 0.5 * (eye_aspect_ratio(points[RIGHT_EYE]) + eye_aspect_ratio(points[LEFT_EYE]))


def interocular(points: np.ndarray) -> float:
    """Distance between the two eye centres of a (68, 2) landmark array, in pixels."""
    return float(np.linalg.norm(points[RIGHT_EYE].mean(axis=0) - points[LEFT_EYE].mean(axis=0)))


def _normaliser(p: np.ndarray) -> np.ndarray:
    centre = p.mean(axis=0)
    spread = np.sqrt(((p - centre) ** 2).sum(axis=1).mean()) or 1.0
    s = np.sqrt(2.0) / spread
    return np.array([[s, 0, -s * centre[0]], [0, s, -s * centre[1]], [0, 0, 1.0]])


def fit_homography(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 3x3 homography mapping ``src`` (n, 2) onto ``dst`` (n, 2) in the least-squares sense (DLT).

    Raises ValueError for fewer than 4 points.
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    if len(src) < 4 or src.shape != dst.shape:
        raise ValueError("a homography needs at least 4 matching points")
    ts, td = _normaliser(src), _normaliser(dst)
    a = np.c_[src, np.ones(len(src))] @ ts.T
    b = np.c_[dst, np.ones(len(dst))] @ td.T
    x, y, u, v = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    zero, one = np.zeros_like(x), np.ones_like(x)
    rows = np.r_[
        np.c_[-x, -y, -one, zero, zero, zero, u * x, u * y, u],
        np.c_[zero, zero, zero, -x, -y, -one, v * x, v * y, v],
    ]
    _, vectors = np.linalg.eigh(rows.T @ rows)  # 9x9: the smallest eigenvector solves the DLT
    h = vectors[:, 0].reshape(3, 3)
    return np.linalg.inv(td) @ h @ ts


def planar_residual(reference: np.ndarray, current: np.ndarray) -> float:
    """How far ``current`` landmarks are from any planar (homography) image of ``reference``.

    The RMS distance after the best homography, divided by the reference's inter-ocular distance: about
    0.01-0.04 for a photo moved in front of the camera, 0.1 and more for a live head that turns or talks.
    """
    h = fit_homography(reference, current)
    mapped = np.c_[reference, np.ones(len(reference))] @ h.T
    mapped = mapped[:, :2] / mapped[:, 2:3]
    rms = float(np.sqrt(((mapped - np.asarray(current, dtype=np.float64)) ** 2).sum(axis=1).mean()))
    return rms / max(interocular(reference), 1.0)


@dataclass
class LivenessState:
    """One track's liveness evidence (mutable; only the pipeline feeds it)."""

    settings: LivenessSettings = field(default_factory=LivenessSettings)
    ears: deque = field(default_factory=lambda: deque(maxlen=30))
    reference: np.ndarray | None = None
    closed_since: float | None = None
    closed_baseline: float = 0.0
    motion_hits: int = 0
    peak_residual: float = 0.0  # the largest planar residual seen (for benchmarks and logs)
    frames: int = 0
    blinks: int = 0
    cue: str | None = None  # "blink" or "motion" once live
    live_at: float | None = None

    def __post_init__(self) -> None:
        self.ears = deque(self.ears, maxlen=self.settings.baseline_window)

    @property
    def live(self) -> bool:
        return self.cue is not None

    def baseline(self) -> float | None:
        """The track's open-eye EAR level, or None while there are too few samples."""
        if len(self.ears) < self.settings.baseline_min:
            return None
        return float(np.percentile(np.asarray(self.ears), self.settings.baseline_percentile))

    def update(self, points: np.ndarray, now: float) -> bool:
        """Feed one analysed frame's (68, 2) landmarks taken at ``now``; True when this frame made it live."""
        if self.live:
            return False
        self.frames += 1
        points = np.asarray(points, dtype=np.float64)
        if self._blink(face_ear(points), now):
            return self._become_live("blink", now)
        if self.settings.motion and self._moved(points):
            return self._become_live("motion", now)
        return False

    def _become_live(self, cue: str, now: float) -> bool:
        self.cue = cue
        self.live_at = now
        return True

    def _blink(self, ear: float, now: float) -> bool:
        s = self.settings
        if self.closed_since is not None:
            if ear >= s.open_ratio * self.closed_baseline:
                closed_for = now - self.closed_since
                self.closed_since = None
                if closed_for <= s.max_closed_s:
                    self.blinks += 1
                    return True
                return False
            if now - self.closed_since > s.max_closed_s:
                # Too long for a blink: the eyes' level has changed (narrowed eyes, a new angle); let the
                # baseline follow it, and leave the closed state once the drop is no longer one.
                self.ears.append(ear)
                base = self.baseline()
                if base is None or ear >= s.close_ratio * base:
                    self.closed_since = None
            return False
        base = self.baseline()
        if base is not None and ear < s.close_ratio * base:
            self.closed_since = now
            self.closed_baseline = base
            return False
        self.ears.append(ear)
        return False

    def _moved(self, points: np.ndarray) -> bool:
        if self.reference is None:
            self.reference = points
            return False
        residual = planar_residual(self.reference, points)
        self.peak_residual = max(self.peak_residual, residual)
        if residual > self.settings.motion_residual:
            self.motion_hits += 1
        return self.motion_hits >= self.settings.motion_frames
