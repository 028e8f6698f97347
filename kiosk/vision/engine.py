"""The dlib face engine: HOG (or CNN) detection, 5-point alignment, 128-d ResNet descriptors.

dlib types stay inside the ``_to_*`` helpers; the public methods take contiguous uint8 RGB arrays and
return ``Detection`` tuples and float32 numpy vectors. Models load in ``load()``, never at import.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kiosk.core.types import EMBEDDING_DIM, Box, Detection
from kiosk.vision.models import ModelPaths, model_paths

log = logging.getLogger(__name__)

HOG_WINDOW = 80  # dlib's frontal HOG detector finds faces from about this size (pixels of the image it scans)


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    """How faces are searched for.

    ``live_width``: the live path downsizes frames wider than this before HOG (boxes are mapped back).
    ``photo_max_side``: photos are resized so that their longer side is about this, at most 2x up, which
    lets HOG (80 px window) find faces from about 40 px in ordinary photos.
    ``min_score``: detections scoring below this are dropped (patches and logos score low).
    ``far_face``, ``far_tile``: the far pass (``detect_far``) for faces too small for the live copy.
    """

    live_width: int = 480
    photo_max_side: int = 1600
    min_score: float = 0.3
    far_face: int = 48  # the far pass looks for faces from this size (full-frame pixels); 0 turns it off
    far_tile: int = 480  # side of one far-pass tile after upsampling (one tile per analysed frame)
    far_tiles_max: int = 12  # bigger frames get bigger tiles, so a full sweep takes at most this many frames


@dataclass(frozen=True, slots=True)
class Landmarks:
    """Face landmarks in full-frame pixel coordinates, shape (n, 2); n is 5 or 68."""

    points: np.ndarray


def _starts(length: int, side: float, overlap: float) -> list[int]:
    """Start offsets of tiles of ``side`` covering ``length`` with at least ``overlap`` shared."""
    if side >= length:
        return [0]
    n = int(np.ceil((length - overlap) / (side - overlap)))
    return [round(i * (length - side) / (n - 1)) for i in range(n)] if n > 1 else [0]


def _to_rect(box: Box):
    import dlib

    return dlib.rectangle(int(box.left), int(box.top), int(box.right), int(box.bottom))


def _to_box(rect, scale: float = 1.0) -> Box:
    return Box(
        round(rect.left() / scale),
        round(rect.top() / scale),
        round((rect.right() + 1) / scale),
        round((rect.bottom() + 1) / scale),
    )


def _to_points(shape) -> np.ndarray:
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)


def _as_rgb(image: np.ndarray) -> np.ndarray:
    """The boundary conversion: dlib mis-detects on non-contiguous or non-uint8 arrays."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an RGB image of shape (h, w, 3), got {image.shape}")
    return np.ascontiguousarray(image, dtype=np.uint8)


class FaceEngine:
    """dlib detection, landmarks and embeddings. Call ``load()`` once before anything else."""

    def __init__(self, models: ModelPaths | None = None, settings: DetectorSettings | None = None) -> None:
        self.models = models or model_paths()
        self.settings = settings or DetectorSettings()
        self._hog = None
        self._cnn = None
        self._sp5 = None
        self._sp68 = None
        self._facerec = None

    # -- lifecycle -----------------------------------------------------------------------------------
    def load(self, *, landmarks_68: bool = False) -> FaceEngine:
        """Load the HOG detector, the 5-point predictor and the descriptor network.

        Raises ModelMissingError naming the missing file. Returns self.
        """
        import dlib

        self.models.require("landmarks_5", "descriptor")
        self._hog = dlib.get_frontal_face_detector()
        self._sp5 = dlib.shape_predictor(str(self.models.landmarks_5))
        self._facerec = dlib.face_recognition_model_v1(str(self.models.descriptor))
        if landmarks_68:
            self.load_landmarks_68()
        log.info("face models loaded from %s", Path(self.models.descriptor).parent)
        return self

    def load_landmarks_68(self) -> None:
        import dlib

        self.models.require("landmarks_68")
        self._sp68 = dlib.shape_predictor(str(self.models.landmarks_68))

    @property
    def loaded(self) -> bool:
        return self._facerec is not None

    def _need(self):
        if self._facerec is None:
            raise RuntimeError("FaceEngine.load() must be called first")

    # -- detection -----------------------------------------------------------------------------------
    def detect(self, rgb: np.ndarray, *, scale: float = 1.0, upsample: int = 0) -> list[Detection]:
        """HOG detection on ``rgb`` resized by ``scale``; boxes in ``rgb``'s coordinates, best first."""
        self._need()
        img = _as_rgb(rgb)
        if scale != 1.0:
            interp = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
            img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=interp)
            img = np.ascontiguousarray(img)
        rects, scores, _ = self._hog.run(img, upsample, self.settings.min_score)
        h, w = rgb.shape[:2]
        found = [
            Detection(_to_box(r, scale).clipped(w, h), float(s))
            for r, s in zip(rects, scores, strict=True)
            if s >= self.settings.min_score
        ]
        return sorted(found, key=lambda d: d.score, reverse=True)

    def detect_live(self, rgb: np.ndarray) -> list[Detection]:
        """Fast detection for the live feed: on a copy no wider than ``settings.live_width``."""
        w = rgb.shape[1]
        scale = min(1.0, self.settings.live_width / float(w))
        return self.detect(rgb, scale=scale)

    def near_limit(self, shape: tuple[int, ...]) -> int:
        """The smallest face (full-frame pixels) ``detect_live`` finds in a frame of ``shape``."""
        return int(HOG_WINDOW / min(1.0, self.settings.live_width / float(shape[1])))

    def far_scale(self) -> float:
        return HOG_WINDOW / float(self.settings.far_face) if self.settings.far_face > 0 else 0.0

    def far_tiles(self, shape: tuple[int, ...]) -> list[Box]:
        """The tiles (full-frame boxes, overlapping by two far faces) that ``detect_far`` visits in turn;
        none when faces of ``far_face`` are big enough for the live copy already, or the pass is off."""
        scale = self.far_scale()
        h, w = shape[:2]
        if scale <= 0 or self.near_limit(shape) <= self.settings.far_face:
            return []
        side = max(self.settings.far_tile / scale, 3.0 * self.settings.far_face,
                   (w * h / float(self.settings.far_tiles_max)) ** 0.5)
        overlap = 2.0 * self.settings.far_face
        tiles = []
        for top in _starts(h, side, overlap):
            for left in _starts(w, side, overlap):
                tiles.append(Box(left, top, min(w, round(left + side)), min(h, round(top + side))))
        return tiles

    def detect_region(self, rgb: np.ndarray, region: Box, scale: float) -> list[Detection]:
        """HOG on the part of ``rgb`` inside ``region``, resized by ``scale``; boxes in ``rgb``'s coordinates."""
        h, w = rgb.shape[:2]
        r = region.clipped(w, h)
        if r.width < 8 or r.height < 8:
            return []
        found = self.detect(rgb[r.top : r.bottom, r.left : r.right], scale=scale)
        return [Detection(Box(d.box.left + r.left, d.box.top + r.top, d.box.right + r.left, d.box.bottom + r.top),
                          d.score) for d in found]

    def detect_far(self, rgb: np.ndarray, step: int | None,
                   around: list[Box] | tuple[Box, ...] = ()) -> list[Detection]:
        """Faces from ``far_face`` pixels up, found on the full-resolution frame upsampled, a piece per call:
        tile ``step`` (modulo the tile count; None: no tile) and a small region around each box in
        ``around`` (small faces already tracked, carried from frame to frame). A tile is about 25 ms."""
        tiles = self.far_tiles(rgb.shape)
        if not tiles:
            return []
        scale = self.far_scale()
        found = [] if step is None else self.detect_region(rgb, tiles[step % len(tiles)], scale)
        for b in around:
            grow = max(b.width, b.height) // 2
            found += self.detect_region(rgb, Box(b.left - grow, b.top - grow, b.right + grow, b.bottom + grow), scale)
        return found

    def detect_photo(self, rgb: np.ndarray) -> list[Detection]:
        """Thorough detection for photos: finds faces from about 40 px in ordinary photos."""
        side = max(rgb.shape[:2])
        scale = min(2.0, self.settings.photo_max_side / float(side))
        return self.detect(rgb, scale=scale)

    def detect_cnn(
        self, rgb: np.ndarray, *, upsample: int | None = None, max_side: int = 800, min_score: float = 0.5
    ) -> list[Detection]:
        """dlib's CNN (MMOD) detector: more robust than HOG, and slow (1.5 s for a 250 px photo, upsampled;
        about 3 s for one downsized to ``max_side``). For photos only, never live.

        ``upsample`` defaults to 1 for photos under 500 px (to find faces from about 40 px), else 0.
        """
        import dlib

        if self._cnn is None:
            self.models.require("cnn_detector")
            self._cnn = dlib.cnn_face_detection_model_v1(str(self.models.cnn_detector))
        h, w = rgb.shape[:2]
        scale = min(1.0, max_side / float(max(h, w)))
        img = _as_rgb(rgb)
        if scale < 1.0:
            img = np.ascontiguousarray(cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        if upsample is None:
            upsample = 1 if max(img.shape[:2]) < 500 else 0
        dets = self._cnn(img, upsample)
        found = [
            Detection(_to_box(d.rect, scale).clipped(w, h), float(d.confidence))
            for d in dets
            if d.confidence >= min_score
        ]
        return sorted(found, key=lambda d: d.score, reverse=True)

    # -- landmarks and embeddings --------------------------------------------------------------------
    def landmarks_68(self, rgb: np.ndarray, boxes: list[Box] | tuple[Box, ...]) -> np.ndarray:
        """68-point landmarks of the faces in ``boxes``: float32 array of shape (len(boxes), 68, 2).

        About 2 ms a face on these machines (the liveness cue's per-frame cost). Loads the 68-point model on
        first use; raises ModelMissingError when its file is missing.
        """
        self._need()
        if self._sp68 is None:
            self.load_landmarks_68()
        img = _as_rgb(rgb)
        if not boxes:
            return np.zeros((0, 68, 2), dtype=np.float32)
        return np.stack([_to_points(self._sp68(img, _to_rect(box))) for box in boxes])

    def _predictor(self, points: int):
        if points == 68:
            if self._sp68 is None:
                self.load_landmarks_68()
            return self._sp68
        if points != 5:
            raise ValueError(f"landmark models have 5 or 68 points, not {points}")
        return self._sp5

    def embed(
        self, rgb: np.ndarray, boxes: list[Box] | tuple[Box, ...], *, jitter: int = 0, points: int = 5
    ) -> np.ndarray:
        """128-d descriptors of the faces in ``boxes``: float32 array of shape (len(boxes), 128).

        ``jitter`` > 0 averages that many randomly jittered copies; ``points=68`` aligns the face with the
        68-point model. Both are slower and steadier: for enrolment and ``identify``, not the live path
        (docs/benchmarks.md, section 1).
        """
        self._need()
        if not boxes:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        import dlib

        img = _as_rgb(rgb)
        predictor = self._predictor(points)
        shapes = dlib.full_object_detections()
        for box in boxes:
            shapes.append(predictor(img, _to_rect(box)))
        vectors = self._facerec.compute_face_descriptor(img, shapes, max(0, jitter))
        return np.asarray([np.asarray(v) for v in vectors], dtype=np.float32)

    def embed_with_landmarks(
        self, rgb: np.ndarray, box: Box, *, jitter: int = 0, points: int = 5
    ) -> tuple[np.ndarray, Landmarks]:
        """The descriptor of one face and its landmarks (one landmark pass for both)."""
        self._need()
        img = _as_rgb(rgb)
        shape = self._predictor(points)(img, _to_rect(box))
        vector = self._facerec.compute_face_descriptor(img, shape, max(0, jitter))
        return np.asarray(vector, dtype=np.float32), Landmarks(_to_points(shape))
