"""The messages between the kiosk and its recognition worker process: one frozen dataclass per kind.

The client sends one request and waits for its answer (``kiosk.vision.worker``). Every message crosses
the process boundary by pickling, so each holds only plain values, numpy arrays and core dataclasses.

Requests                                      Answers
``AnalyseFrame(frame_no, t, rgb)``       ->   ``Analysed(result)``
``SampleImage(rgb, source)``             ->   ``Sampled(sample)``
``SetPolicy(threshold, margin)``         ->   ``Reloaded(people)``
``Reload()``                             ->   ``Reloaded(people)``
``BlockIdentity(track_id, person_id)``   ->   ``Blocked(found)``
``Stop()``                               ->   (none: the process ends)
(start-up)                               ->   ``Ready(people, embeddings, pid)``
any request that fails                   ->   ``Failed(message)``
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.core.pipeline import PipelineResult
from kiosk.vision.enrol import Sample


@dataclass(frozen=True, slots=True)
class AnalyseFrame:
    """Run the recognition pipeline on one camera frame (contiguous uint8 RGB)."""

    frame_no: int
    t: float  # capture time, time.monotonic() of the kiosk process
    rgb: np.ndarray


@dataclass(frozen=True, slots=True)
class SampleImage:
    """Check and embed the one face of an enrolment picture; ``source`` names it in the answer."""

    rgb: np.ndarray
    source: str


@dataclass(frozen=True, slots=True)
class SetPolicy:
    """Match with a new threshold and margin from the next frame on."""

    threshold: float
    margin: float


@dataclass(frozen=True, slots=True)
class Reload:
    """Load the gallery again now."""


@dataclass(frozen=True, slots=True)
class Stop:
    """End the worker process."""


@dataclass(frozen=True, slots=True)
class BlockIdentity:
    """"Not you?": never name ``person_id`` on track ``track_id`` again."""

    track_id: int
    person_id: str


Request = AnalyseFrame | SampleImage | SetPolicy | Reload | BlockIdentity | Stop


@dataclass(frozen=True, slots=True)
class Ready:
    """Models and gallery are loaded."""

    people: int
    embeddings: int
    pid: int


@dataclass(frozen=True, slots=True)
class Analysed:
    result: PipelineResult


@dataclass(frozen=True, slots=True)
class Sampled:
    sample: Sample


@dataclass(frozen=True, slots=True)
class Reloaded:
    people: int


@dataclass(frozen=True, slots=True)
class Failed:
    """The request (or the start-up) failed; ``message`` is a sentence for the log and the screen."""

    message: str


@dataclass(frozen=True, slots=True)
class Blocked:
    """``found`` is False when the track had already ended."""

    found: bool


Answer = Ready | Analysed | Sampled | Reloaded | Blocked | Failed
