"""Camera sources through OpenCV: a device index, a video file, an RTSP/HTTP URL, or a folder of images.

One ``SourceSpec`` subclass per kind knows how to open itself; an opened ``FrameSource`` gives frames.
No Qt: ``kiosk.qt.camera`` drives a ``FrameSource`` from its thread, paces video files to their frame
rate and reconnects when a source fails.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np

from kiosk.errors import CameraError, ImageError
from kiosk.vision.image_io import load_image, to_rgb

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


@dataclass(frozen=True)
class SourceSpec(ABC):
    """What the user asked for, parsed: one subclass per kind of source. ``open()`` gives its frames."""

    kind: ClassVar[str]  # a name for logs and tests; code asks the class, never compares this
    is_live: ClassVar[bool] = False  # frames come in real time (no pacing, newest frame wins)
    target: str | int
    loop: bool = False

    @property
    def finite(self) -> bool:
        """True when the source ends by itself (a file or folder, not looping)."""
        return not self.is_live and not self.loop

    @abstractmethod
    def describe(self) -> str:
        """The source in a few words for the screen ("camera 0", "video clip.mp4")."""

    @abstractmethod
    def open(self) -> FrameSource:
        """Open the source; raises CameraError with a sentence when it cannot be opened."""

    def _capture(self) -> cv2.VideoCapture:
        cap = cv2.VideoCapture(self.target)
        if not cap.isOpened():
            cap.release()
            raise CameraError(f"Cannot open {self.describe()}.")
        return cap


@dataclass(frozen=True)
class CameraDevice(SourceSpec):
    kind: ClassVar[str] = "device"
    is_live: ClassVar[bool] = True

    def describe(self) -> str:
        return f"camera {self.target}"

    def open(self) -> FrameSource:
        return CaptureSource(self, self._capture())


@dataclass(frozen=True)
class NetworkStream(SourceSpec):
    kind: ClassVar[str] = "stream"
    is_live: ClassVar[bool] = True

    def describe(self) -> str:
        return "network camera"

    def open(self) -> FrameSource:
        cap = self._capture()
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # newest frame wins for network cameras too
        return CaptureSource(self, cap)


@dataclass(frozen=True)
class VideoFile(SourceSpec):
    kind: ClassVar[str] = "file"

    def describe(self) -> str:
        return f"video {Path(str(self.target)).name}"

    def open(self) -> FrameSource:
        if not Path(str(self.target)).exists():
            raise CameraError(f"The video file {self.target} does not exist.")
        return CaptureSource(self, self._capture(), rewind=self.loop)


@dataclass(frozen=True)
class ImageFolder(SourceSpec):
    kind: ClassVar[str] = "folder"

    def describe(self) -> str:
        return f"images in {Path(str(self.target)).name}"

    def open(self) -> FrameSource:
        images = sorted(p for p in Path(str(self.target)).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not images:
            raise CameraError(f"The folder {self.target} holds no images.")
        return FolderSource(self, images)


def parse_source(source: str | int, *, loop: bool = False) -> SourceSpec:
    """Parse a source string. Raises CameraError for an empty one."""
    text = str(source).strip()
    if not text:
        raise CameraError("No camera source is configured.")
    if text.isdigit():
        return CameraDevice(int(text), loop)
    if "://" in text:
        return NetworkStream(text, loop)
    if Path(text).is_dir():
        return ImageFolder(text, loop)
    return VideoFile(text, loop)


class FrameSource(ABC):
    """An opened source. ``read()`` returns an RGB frame, or None at the end of a file or on a failure."""

    def __init__(self, spec: SourceSpec, fps: float) -> None:
        self.spec = spec
        self.fps = fps

    @property
    def finite(self) -> bool:
        return self.spec.finite

    @abstractmethod
    def read(self) -> np.ndarray | None: ...

    def close(self) -> None:  # noqa: B027 (nothing to release by default)
        pass


class CaptureSource(FrameSource):
    """Frames from an OpenCV capture (device, stream or file); ``rewind`` starts a file over at its end."""

    def __init__(self, spec: SourceSpec, cap: cv2.VideoCapture, *, rewind: bool = False) -> None:
        fps = cap.get(cv2.CAP_PROP_FPS)
        super().__init__(spec, fps if 1.0 <= fps <= 240.0 else 25.0)
        self._cap: cv2.VideoCapture | None = cap
        self._rewind = rewind

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            return None
        ok, frame = self._cap.read()
        if not ok and self._rewind:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
        if not ok or frame is None:
            return None
        return to_rgb(frame, bgr=True)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class FolderSource(FrameSource):
    """The images of a folder in name order, five a second; broken files are skipped with a warning."""

    def __init__(self, spec: SourceSpec, images: list[Path]) -> None:
        super().__init__(spec, 5.0)
        self._images = images
        self._index = 0

    def read(self) -> np.ndarray | None:
        for _ in range(len(self._images)):  # every image tried once at most: a folder of broken files ends
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
        return None
