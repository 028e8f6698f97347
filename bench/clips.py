"""Queue clips composed from the shared photos: people one after another, side by side, in groups.

Each person is one photo (never one of their enrolment photos) pasted on a plain background and moving a
little (a slow drift and a slight zoom), the way the issue's clips were made. A clip knows where each
photo is in every frame, so a face the kiosk names can be checked against who is really there.
Frames are rendered on demand (a 40-person clip is never held in memory); ``write_video`` writes one to
an mp4 for the headless kiosk. Nothing here is ever written into the repository: callers pass a temp dir.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from kiosk.core.types import Box

FPS = 30.0
SIZE = (640, 480)  # a kiosk's camera: width, height


@dataclass(frozen=True, slots=True)
class Person:
    """Someone in a clip: ``enrol`` photos go into the gallery, ``probe`` is the one the camera sees.
    ``person_id`` None is a stranger (enrolled nowhere)."""

    person_id: str | None
    name: str
    probe: Path  # a photo, or a video (``frames``: the first and last frame shown, played in a loop)
    enrol: tuple[Path, ...] = ()
    frames: tuple[int, int] | None = None

    def picture(self, since: float, fps: float) -> np.ndarray:
        """What the camera sees of this person ``since`` seconds after they arrived."""
        if self.frames is None:
            return _photo(str(self.probe))
        clip = _video(str(self.probe), *self.frames)
        return clip[int(since * fps) % len(clip)]


@dataclass(frozen=True, slots=True)
class Appearance:
    """``person`` in front of the camera from ``start`` to ``end`` seconds, the photo centred at
    (``x``, ``y``) (fractions of the frame) and ``height`` (a fraction of the frame's height) tall."""

    person: Person
    start: float
    end: float
    x: float = 0.5
    y: float = 0.5
    height: float = 0.6
    phase: float = 0.0
    aspect: float = 1.0  # width / height of the picture's box (a 16:9 video: 16/9)

    def box(self, t: float, size: tuple[int, int]) -> Box:
        """Where the picture is at ``t`` (it drifts a few pixels and zooms by a few per cent)."""
        w, h = size
        side = self.height * h * (1.0 + 0.03 * math.sin(2 * math.pi * t / 1.9 + self.phase))
        cx = self.x * w + 0.012 * w * math.sin(2 * math.pi * t / 1.3 + self.phase)
        cy = self.y * h + 0.008 * h * math.sin(2 * math.pi * t / 1.7 + 2 * self.phase)
        half_w, half_h = side * self.aspect / 2.0, side / 2.0
        return Box(round(cx - half_w), round(cy - half_h), round(cx + half_w), round(cy + half_h))


@dataclass(frozen=True, slots=True)
class Clip:
    appearances: tuple[Appearance, ...]
    duration: float
    size: tuple[int, int] = SIZE
    fps: float = FPS

    @property
    def frames(self) -> int:
        return int(round(self.duration * self.fps))

    def present(self, t: float) -> list[tuple[Appearance, Box]]:
        """Who is in front of the camera at ``t``, with where their photo is."""
        return [(a, a.box(t, self.size)) for a in self.appearances if a.start <= t < a.end]

    def render(self, i: int) -> np.ndarray:
        """Frame ``i`` as contiguous uint8 RGB."""
        t = i / self.fps
        frame = _background(self.size).copy()
        for a, box in self.present(t):
            _paste(frame, a.person.picture(t - a.start, self.fps), box)
        return frame

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self.render(i) for i in range(self.frames))

    def who_is_at(self, box: Box, t: float) -> Appearance | None:
        """The appearance whose photo holds the centre of ``box`` at ``t`` (the front one if several)."""
        cx, cy = (box.left + box.right) / 2.0, (box.top + box.bottom) / 2.0
        found = None
        for a, b in self.present(t):
            if b.left <= cx < b.right and b.top <= cy < b.bottom:
                found = a
        return found


def queue(people: Sequence[Person], gap_s: float | Sequence[float], dwell_s: float = 2.5, lead_s: float = 0.5,
          height: float = 0.6) -> Clip:
    """People one after another at the same spot, ``gap_s`` of empty frame between two (0: a straight
    swap, the next face where the last one was); a sequence gives each gap in turn (cycled)."""
    gaps = [float(gap_s)] if isinstance(gap_s, int | float) else [float(g) for g in gap_s]
    apps, t, gap = [], lead_s, 0.0
    for n, p in enumerate(people):
        apps.append(Appearance(p, t, t + dwell_s, height=height, phase=n * 0.7))
        gap = gaps[n % len(gaps)]
        t += dwell_s + gap
    return Clip(tuple(apps), t - gap + lead_s)


def one_after_another(appearances: Sequence[tuple[Person, float, float, float]], size: tuple[int, int] = SIZE,
                      lead_s: float = 0.5) -> Clip:
    """People at the same spot in turn, each given as (person, seconds, gap after, aspect); the clip's
    frame is ``size``: a 16:9 video person with ``aspect`` 16/9 and a 16:9 ``size`` fills the frame."""
    apps, t, gap = [], lead_s, 0.0
    for n, (person, dwell, gap, aspect) in enumerate(appearances):
        height = 1.0 if aspect > 1.0 else 0.8
        apps.append(Appearance(person, t, t + dwell, height=height, phase=n * 0.7, aspect=aspect))
        t += dwell + gap
    return Clip(tuple(apps), t - gap + lead_s, size)


def together(people: Sequence[Person], dwell_s: float = 3.0, lead_s: float = 0.5, height: float | None = None,
             stagger_s: float = 0.0) -> Clip:
    """People side by side in one row (two to five), arriving ``stagger_s`` apart and leaving together."""
    n = len(people)
    height = height or min(0.6, 0.95 / n * SIZE[0] / SIZE[1])
    apps = []
    for k, p in enumerate(people):
        x = (k + 0.5) / n
        apps.append(Appearance(p, lead_s + k * stagger_s, lead_s + dwell_s, x=x, y=0.5, height=height,
                               phase=k * 1.1))
    return Clip(tuple(apps), lead_s + dwell_s + lead_s)


def write_video(clip: Clip, path: Path) -> Path:
    """The clip as an mp4 (mp4v) at its frame rate; returns ``path``."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), clip.fps, clip.size)
    if not writer.isOpened():
        raise OSError(f"cannot write a video to {path}")
    try:
        for frame in clip:
            writer.write(np.ascontiguousarray(frame[:, :, ::-1]))
    finally:
        writer.release()
    return path


@lru_cache(maxsize=2)
def _video(path: str, first: int, last: int) -> tuple[np.ndarray, ...]:
    cap = cv2.VideoCapture(path)
    frames = []
    for i in range(last + 1):
        ok, bgr = cap.read()
        if not ok:
            break
        if i >= first:
            frames.append(np.ascontiguousarray(bgr[:, :, ::-1]))
    cap.release()
    if not frames:
        raise OSError(f"cannot read frames {first}-{last} of {path}")
    return tuple(frames)


@lru_cache(maxsize=4)
def _background(size: tuple[int, int]) -> np.ndarray:
    """A plain wall with a soft gradient and some grain (fixed seed: every clip looks the same)."""
    w, h = size
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 150 + 40 * (xx / w) - 30 * (yy / h)
    grain = cv2.GaussianBlur(rng.normal(0, 12, (h, w)).astype(np.float32), (0, 0), 3)
    wall = np.clip(base + grain, 0, 255)
    return np.ascontiguousarray(np.stack([wall * 0.95, wall, wall * 1.05], axis=2).clip(0, 255).astype(np.uint8))


@lru_cache(maxsize=256)
def _photo(path: str) -> np.ndarray:
    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise OSError(f"cannot read the photo {path}")
    return np.ascontiguousarray(bgr[:, :, ::-1])


def _paste(frame: np.ndarray, photo: np.ndarray, box: Box) -> None:
    """The photo, scaled to ``box`` (aspect kept: the photo's longer side fills it), on ``frame``."""
    ph, pw = photo.shape[:2]
    scale = min(box.width / pw, box.height / ph)
    w, h = max(1, round(pw * scale)), max(1, round(ph * scale))
    left = box.left + (box.width - w) // 2
    top = box.top + (box.height - h) // 2
    scaled = cv2.resize(photo, (w, h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    fh, fw = frame.shape[:2]
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(fw, left + w), min(fh, top + h)
    if x1 > x0 and y1 > y0:
        frame[y0:y1, x0:x1] = scaled[y0 - top : y1 - top, x0 - left : x1 - left]


def lfw_people(root: Path, count: int, *, enrol_photos: int = 3, skip: Sequence[str] = ()) -> list[Person]:
    """Up to ``count`` labelled people of ``identities/`` with 250x250 news photos and at least
    ``enrol_photos`` + 1 of them: the first ones enrolled, the last one shown to the camera. Sorted by
    folder name, so the same call gives the same people."""
    people = []
    for folder in sorted((root / "identities").iterdir()):
        photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
        if folder.name in skip or len(photos) < enrol_photos + 1:
            continue
        if any(_photo(str(p)).shape[:2] != (250, 250) for p in photos[: enrol_photos + 1]):
            continue
        people.append(Person(folder.name, folder.name.replace("_", " "), photos[-1], tuple(photos[:enrol_photos])))
        if len(people) == count:
            break
    return people


def strangers(root: Path, count: int) -> list[Person]:
    """``count`` people enrolled nowhere (``strangers_more/``, LFW photos)."""
    folders = sorted((root / "strangers_more").iterdir())[:count]
    return [Person(None, f.name.replace("_", " "), next(iter(sorted(f.iterdir())))) for f in folders]
