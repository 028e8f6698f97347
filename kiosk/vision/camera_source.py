"""Camera sources through OpenCV: a device index, a video file, an RTSP/HTTP URL, or a folder of images.

No Qt: ``kiosk.qt.camera`` drives a ``FrameSource`` from its thread, paces video files to their frame
rate and reconnects when a source fails.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kiosk.errors import CameraError, ImageError
from kiosk.vision.image_io import load_image, to_rgb

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """What the user asked for, parsed: kind is "device", "file", "stream" or "folder"."""

    kind: str
    target: str | int
    loop: bool = False

    @property
    def is_live(self) -> bool:
        return self.kind in ("device", "stream")

    def describe(self) -> str:
        return {"device": f"camera {self.target}", "file": f"video {Path(str(self.target)).name}",
                "stream": "network camera", "folder": f"images in {Path(str(self.target)).name}"}[self.kind]


def parse_source(source: str | int, *, loop: bool = False) -> SourceSpec:
    """Parse a source string. Raises CameraError for an empty one."""
    text = str(source).strip()
    if not text:
        raise CameraError("No camera source is configured.")
    if text.isdigit():
        return SourceSpec("device", int(text), loop)
    if "://" in text:
        return SourceSpec("stream", text, loop)
    if Path(text).is_dir():
        return SourceSpec("folder", text, loop)
    return SourceSpec("file", text, loop)


class FrameSource:
    """An opened source. ``read()`` returns an RGB frame, or None at the end of a file or on a failure."""

    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self._cap: cv2.VideoCapture | None = None
        self._images: list[Path] = []
        self._index = 0
        self.fps = 0.0

    def open(self) -> FrameSource:
        """Open the source; raises CameraError with a sentence when it cannot be opened."""
        spec = self.spec
        if spec.kind == "folder":
            self._images = sorted(p for p in Path(str(spec.target)).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not self._images:
                raise CameraError(f"The folder {spec.target} holds no images.")
            self.fps = 5.0
            return self
        if spec.kind == "file" and not Path(str(spec.target)).exists():
            raise CameraError(f"The video file {spec.target} does not exist.")
        cap = cv2.VideoCapture(spec.target)
        if not cap.isOpened():
            cap.release()
            raise CameraError(f"Cannot open {spec.describe()}.")
        if spec.kind == "stream":
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # newest frame wins for network cameras too
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1.0 <= fps <= 240.0 else 25.0
        self._cap = cap
        return self

    def read(self) -> np.ndarray | None:
        if self.spec.kind == "folder":
            if self._index >= len(self._images):
                if not self.spec.loop:
                    return None
                self._index = 0
            path = self._images[self._index]
            self._index += 1
            try:
                return load_image(path)
            except ImageError as exc:
                log.warning("skipping %s: %s", path, exc)
                return self.read() if self._index < len(self._images) else None
        if self._cap is None:
            return None
        ok, frame = self._cap.read()
        if not ok and self.spec.kind == "file" and self.spec.loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
        if not ok or frame is None:
            return None
        return to_rgb(frame, bgr=True)

    @property
    def finite(self) -> bool:
        """True for a file or folder that ends (not looping)."""
        return self.spec.kind in ("file", "folder") and not self.spec.loop

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
