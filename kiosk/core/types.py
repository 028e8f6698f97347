"""The frozen dataclasses that flow through the kiosk: camera -> detections -> tracks -> matches -> check-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum

EMBEDDING_DIM = 128
"""Length of a face embedding (dlib's ResNet descriptor); the one place this number is written."""


@dataclass(frozen=True, slots=True)
class Box:
    """A face box in pixel coordinates of the full frame; right and bottom are exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def area(self) -> int:
        return max(0, self.width) * max(0, self.height)

    def as_list(self) -> list[int]:
        return [self.left, self.top, self.right, self.bottom]

    def scaled(self, factor: float) -> Box:
        """The same box with every coordinate multiplied by ``factor``."""
        return Box(
            round(self.left * factor),
            round(self.top * factor),
            round(self.right * factor),
            round(self.bottom * factor),
        )

    def clipped(self, width: int, height: int) -> Box:
        """The box clipped to an image of ``width`` x ``height``."""
        return Box(
            max(0, self.left), max(0, self.top), min(width, self.right), min(height, self.bottom)
        )

    def iou(self, other: Box) -> float:
        """Intersection over union with ``other``, in [0, 1]."""
        ix = max(0, min(self.right, other.right) - max(self.left, other.left))
        iy = max(0, min(self.bottom, other.bottom) - max(self.top, other.top))
        inter = ix * iy
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Detection:
    """A face found in a frame, with the detector's score (higher is surer)."""

    box: Box
    score: float


@dataclass(frozen=True, slots=True)
class Match:
    """The gallery's answer for one embedding.

    ``person_id`` and ``name`` are None when the face is unknown; ``distance`` is the distance to the
    nearest enrolled person either way (inf for an empty gallery); ``margin`` is how much farther the
    next-nearest other person is. ``decisive``: a live look so far inside the threshold, and so far ahead of
    everyone else, that it settles the identity on its own (``MatchPolicy.decisive_spare``).
    """

    person_id: str | None
    name: str | None
    distance: float
    margin: float
    decisive: bool = False

    @property
    def known(self) -> bool:
        return self.person_id is not None


class Direction(str, Enum):
    IN = "in"
    OUT = "out"


@dataclass(frozen=True, slots=True)
class CheckIn:
    """One attendance event, as written to the CSV and sent to the server."""

    event_id: str
    person_id: str
    name: str
    timestamp: datetime  # timezone-aware
    kiosk_id: str
    distance: float
    direction: Direction = Direction.IN
    method: str = "face"  # how it was made: "face", "pin" or "badge" (CONTRACTS.md C1)
    voids: str = ""  # the event_id of an earlier check-in this event cancels ("Not you?"); "" for a check-in
    reason: str = ""  # why a void was made (the kiosk sends "not_me")

    @property
    def is_void(self) -> bool:
        return bool(self.voids)


METHODS = ("face", "pin", "badge")


class FaceState(StrEnum):
    """Where the kiosk is with one tracked face."""

    CONFIRMED = "confirmed"  # a known person, identity settled (and live when liveness is on)
    PENDING = "pending"  # still deciding, or waiting for liveness evidence
    UNKNOWN = "unknown"  # not enrolled, as far as the votes say


class Prompt(StrEnum):
    """What a pending face is asked to do; the text is what the screen shows."""

    HOLD_STILL = "Hold still"
    BLINK = "Please blink"


@dataclass(frozen=True, slots=True)
class FaceResult:
    """What the kiosk knows about one face in one analysed frame."""

    track_id: int
    box: Box
    state: FaceState
    person_id: str | None = None
    name: str | None = None
    distance: float = float("inf")
    hint: Prompt | None = None  # set for pending faces


@dataclass(frozen=True, slots=True)
class FrameResult:
    """The recognition result for one frame: its sequence number and the faces in it."""

    frame_no: int
    faces: tuple[FaceResult, ...] = ()
    embeddings_computed: int = 0

