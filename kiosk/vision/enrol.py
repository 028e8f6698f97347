"""Turning enrolment photos and live samples into checked embeddings."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import cv2
import numpy as np

from kiosk.core.types import Box, Detection
from kiosk.errors import ImageError
from kiosk.vision.engine import FaceEngine
from kiosk.vision.image_io import encode_jpeg, load_image
from kiosk.vision.quality import Quality, QualityThresholds, assess

log = logging.getLogger(__name__)

ENROL_JITTER = 5  # jittered copies averaged per enrolment photo: steadier templates from one photo (docs/benchmarks.md)
ENROL_POINTS = 68  # align enrolment faces with the 68-point model (measured better than 5 with jitter)
IDENTIFY_JITTER = 5  # `kiosk identify` is not real-time: it embeds like enrolment does
_OUTLIER = "This sample does not look like the person's other samples; it was left out."
_ENOUGH = "Enough samples of this pose; the others cover more poses."
_BACKGROUND_FACE_RATIO = 0.8  # faces narrower than this share of the largest are background people


@dataclass(frozen=True, slots=True)
class Sample:
    """One enrolment photo or frame: its embedding when usable, otherwise the reason why not."""

    source: str
    embedding: np.ndarray | None
    box: Box | None
    quality: Quality | None
    reason: str = ""

    @property
    def accepted(self) -> bool:
        return self.embedding is not None


def find_faces_for_enrolment(
    engine: FaceEngine,
    rgb: np.ndarray,
    *,
    pad_retry: bool = True,
    detector: str = "hog",
    cnn_fallback: bool = True,
) -> list[Detection]:
    """Faces in a photo (enrolment and ``identify``), largest first.

    HOG first; tight crops where it sees nothing get a padded second try, then dlib's CNN detector (more
    robust to pose and light, 1.5-2 s a photo here; recovered 6 of the 7 probes HOG missed in
    bench/accuracy.py). ``detector="cnn"`` uses only the CNN. Never used for the live feed.
    """
    if detector == "cnn":
        return sorted(engine.detect_cnn(rgb), key=lambda d: d.box.area, reverse=True)
    found = engine.detect_photo(rgb)
    if not found and pad_retry:
        h, w = rgb.shape[:2]
        py, px = h // 2, w // 2
        fill = [int(c) for c in rgb.reshape(-1, 3).mean(axis=0)]
        padded = cv2.copyMakeBorder(rgb, py, py, px, px, cv2.BORDER_CONSTANT, value=fill)
        found = [
            Detection(
                Box(d.box.left - px, d.box.top - py, d.box.right - px, d.box.bottom - py).clipped(w, h), d.score
            )
            for d in engine.detect_photo(np.ascontiguousarray(padded))
        ]
    if not found and cnn_fallback:  # HOG misses turned, tilted or badly lit faces that the CNN finds
        found = engine.detect_cnn(rgb)
    return sorted(found, key=lambda d: d.box.area, reverse=True)


def sample_from_image(
    engine: FaceEngine,
    rgb: np.ndarray,
    source: str,
    *,
    jitter: int = ENROL_JITTER,
    thresholds: QualityThresholds | None = None,
    detections: list[Detection] | None = None,
    detector: str = "hog",
) -> Sample:
    """Check the one face in ``rgb`` and embed it; a rejected sample says why."""
    faces = detections if detections is not None else find_faces_for_enrolment(engine, rgb, detector=detector)
    if not faces:
        return Sample(source, None, None, None, "No face was found in the photo.")
    faces = sorted(faces, key=lambda d: d.box.area, reverse=True)
    main = [d for d in faces if d.box.width >= _BACKGROUND_FACE_RATIO * faces[0].box.width]
    if len(main) > 1:
        return Sample(
            source, None, None, None,
            f"{len(main)} faces are in the photo; use a photo showing only the person being enrolled.",
        )
    box = faces[0].box
    embedding, marks = engine.embed_with_landmarks(rgb, box, jitter=jitter, points=ENROL_POINTS)
    quality = assess(rgb, box, marks.points, thresholds)
    if not quality.ok:
        return Sample(source, None, box, quality, " ".join(quality.problems))
    return Sample(source, embedding, box, quality)


def sample_from_file(engine: FaceEngine, path: str, **kwargs) -> Sample:
    """``sample_from_image`` for a file; unreadable files become rejected samples, never exceptions."""
    try:
        rgb = load_image(path)
    except ImageError as exc:
        return Sample(str(path), None, None, None, str(exc))
    return sample_from_image(engine, rgb, str(path), **kwargs)


def sample_photo(sample: Sample, rgb: np.ndarray | None = None) -> bytes:
    """The picture of a sample as JPEG, for an admin who keeps photos: ``rgb`` when given (a camera frame),
    else the sample's file read again. Raises ImageError when the file is gone or unreadable."""
    return encode_jpeg(rgb if rgb is not None else load_image(sample.source))


def choose_samples(samples: list[Sample], keep: int) -> tuple[list[Sample], list[Sample]]:
    """(kept, dropped) of the accepted ``samples``: live enrolment collects more frames than it keeps.

    Samples unlike the person's other samples (``kiosk.core.templates.outliers``: another face, a bad
    alignment) are dropped first; of the rest, ``keep`` are chosen to cover the poses seen: the sharpest
    near-frontal one, then each time the one whose pose (yaw, roll) differs most from those already
    chosen. Dropped samples carry the reason. Rejected input samples are ignored.
    """
    import numpy as np

    from kiosk.core.templates import outliers

    good = [s for s in samples if s.accepted]
    dropped: list[Sample] = []
    if len(good) >= 3:
        bad = set(outliers(np.stack([s.embedding for s in good])))
        dropped = [replace(s, embedding=None, reason=_OUTLIER) for i, s in enumerate(good) if i in bad]
        good = [s for i, s in enumerate(good) if i not in bad]
    if len(good) <= keep:
        return good, dropped

    def pose(s: Sample) -> tuple[float, float]:
        q = s.quality
        return (q.yaw, q.roll_deg / 90.0) if q is not None else (0.0, 0.0)

    def sharp(s: Sample) -> float:
        return s.quality.sharpness if s.quality is not None else 0.0

    rest = sorted(good, key=lambda s: (round(pose(s)[0] / 0.05), -sharp(s)))
    kept = [rest.pop(0)]
    while len(kept) < keep:
        far = max(rest, key=lambda s: (min(abs(pose(s)[0] - pose(k)[0]) + abs(pose(s)[1] - pose(k)[1])
                                           for k in kept), sharp(s)))
        rest.remove(far)
        kept.append(far)
    dropped += [replace(s, embedding=None, reason=_ENOUGH) for s in rest]
    return kept, dropped
