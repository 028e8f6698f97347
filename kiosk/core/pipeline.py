"""One analysed frame: detect, track, embed the tracks that need it, match, confirm.

Every detected face also gets a grey chip (``kiosk.core.appearance``) so the tracker can tell when the face
in a box changed. At most ``max_embeddings_per_frame`` faces are embedded per frame (one: about 105 ms),
the most urgent first (``Tracker.embedding_order``: faces in doubt, new faces in turn, unknown faces,
then re-checks of confirmed faces: the worker's otherwise idle time). A frame that takes a name off a face
is answered without embeddings, so the screen loses the name within a frame.

With liveness on, the tracks still waiting for liveness evidence (not yet live, not labelled unknown) get
68-point landmarks each frame (about 2 ms a face); a confirmed identity is held back, shown as pending with
"Please blink", and released as a ``Confirmation`` in the frame whose landmarks make the track live. A track
that goes live before its identity is settled is confirmed at once; a track that is lost takes its held
identity with it.

The pipeline is pure logic around an injected ``FaceAnalyzer`` (the dlib engine in production, a fake in
unit tests), so the same code runs in the kiosk's worker process, in ``bench/pipeline.py`` and in tests.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from kiosk.core.appearance import face_chip
from kiosk.core.liveness import LivenessSettings
from kiosk.core.matching import Matcher
from kiosk.core.tracking import Track, Tracker, TrackingSettings
from kiosk.core.types import Box, Detection, FaceResult, FrameResult, Match

FAR_EVERY = 2  # the far pass scans a new tile every this many analysed frames


class FaceAnalyzer(Protocol):
    def detect_live(self, rgb: np.ndarray) -> list[Detection]: ...

    def near_limit(self, shape: tuple[int, ...]) -> int: ...  # (only with ``far``)

    def detect_far(self, rgb: np.ndarray, step: int | None, around: list[Box]) -> list[Detection]: ...  # (``far``)

    def embed(self, rgb: np.ndarray, boxes: list[Box]) -> np.ndarray: ...

    def landmarks_68(self, rgb: np.ndarray, boxes: list[Box]) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class Confirmation:
    """A track whose identity was just confirmed, with when the face first appeared.

    ``confirmed_at`` is when the identity was settled; ``live_at`` when liveness was shown (None when
    liveness is off). The check-in happens in the frame of the later of the two.
    """

    track_id: int
    match: Match
    first_seen: float
    confirmed_at: float
    live_at: float | None = None
    live_cue: str | None = None
    repeat: bool = False  # the same face, confirmed as the same person again after a doubt: no new greeting


@dataclass(frozen=True, slots=True)
class PipelineResult:
    frame: FrameResult
    confirmations: tuple[Confirmation, ...]
    detect_ms: float
    embed_ms: float
    liveness_ms: float = 0.0
    landmarks_computed: int = 0
    far_ms: float = 0.0  # of detect_ms: the far pass (0 when it is off)
    far_tiles: int = 0  # far-pass tiles scanned for this frame (0 or 1)
    far_regions: int = 0  # neighbourhoods of small tracked faces scanned for this frame


class RecognitionPipeline:
    """Stateful per camera: keeps the tracks between frames."""

    def __init__(
        self,
        analyzer: FaceAnalyzer,
        matcher: Matcher,
        settings: TrackingSettings | None = None,
        *,
        max_embeddings_per_frame: int = 1,
        liveness: LivenessSettings | None = None,
        far: bool = False,
    ) -> None:
        """``liveness``: when given, a check-in also needs liveness evidence (see the module docstring).
        ``far``: also look for faces too small for the live copy, a tile of the full frame every other frame
        plus the neighbourhood of every small face already tracked (``FaceEngine.detect_far``)."""
        self.analyzer = analyzer
        self.matcher = matcher
        self.tracker = Tracker(settings, liveness)
        self.max_embeddings_per_frame = max_embeddings_per_frame
        self.far = far
        self._far_step = 0
        self.fixed_embed_s: float | None = None  # set: use this embedding cost instead of the measured one
        self._far_done = (0, 0)
        self._skipped = False  # the last frame was answered without embeddings to hide a name

    def set_matcher(self, matcher: Matcher) -> None:
        """Use a new gallery from the next frame on (tracks keep their confirmed identities)."""
        self.matcher = matcher

    def process(self, rgb: np.ndarray, frame_no: int, now: float) -> PipelineResult:
        """Analyse one frame taken at ``now`` (seconds, any monotonic clock) and say what is on it.

        When this frame casts doubt on a face whose name was showing, it is answered at once without
        embeddings (the name leaves the screen now; the face is embedded first thing in the next frame).
        """
        t0 = time.perf_counter()
        detections = self.analyzer.detect_live(rgb)
        tf = time.perf_counter()
        self._far_done = (0, 0)
        if self.far:
            detections = add_far(detections, self._detect_far(rgb, detections))
        t1 = time.perf_counter()
        chips = [face_chip(rgb, d.box) for d in detections]
        visible = self.tracker.update(detections, now, chips)
        # Never twice in a row: in a flickering crowd some name is hidden almost every frame.
        skip = self.tracker.hidden_now > 0 and not self._skipped
        self._skipped = skip
        budget = 0 if skip else self.max_embeddings_per_frame
        due = self.tracker.embedding_order(visible, now)[:budget]
        confirmations: list[Confirmation] = []
        if due:
            vectors = self.analyzer.embed(rgb, [t.box for t in due])
            for track, vector in zip(due, vectors, strict=True):
                vote = self.tracker.add_vote(track, self.matcher.match(vector, live=True), now, vector)
                if vote.restarted:
                    visible[visible.index(track)] = vote.track
                if vote.confirmed:
                    if vote.track.live:
                        confirmations.append(self._confirmation(vote.track))
                    else:
                        vote.track.held = True
        t2 = time.perf_counter()
        if due:
            took = (t2 - t1) / len(due) if self.fixed_embed_s is None else self.fixed_embed_s
            self.tracker.embed_s = took if self.tracker.embed_s == 0.0 else 0.8 * self.tracker.embed_s + 0.2 * took
        wanting = [t for t in visible if t.needs_liveness]
        if wanting:
            points = self.analyzer.landmarks_68(rgb, [t.box for t in wanting])
            for track, pts in zip(wanting, points, strict=True):
                if track.liveness.update(pts, now) and track.held:
                    track.held = False
                    confirmations.append(self._confirmation(track))
        t3 = time.perf_counter()
        faces: tuple[FaceResult, ...] = tuple(t.result() for t in visible)
        return PipelineResult(
            FrameResult(frame_no, faces, embeddings_computed=len(due)),
            tuple(confirmations),
            (t1 - t0) * 1000.0,
            (t2 - t1) * 1000.0,
            (t3 - t2) * 1000.0,
            len(wanting),
            (t1 - tf) * 1000.0 if self.far else 0.0,
            *self._far_done,
        )

    def _detect_far(self, rgb: np.ndarray, near: list[Detection]) -> list[Detection]:
        """Every ``FAR_EVERY``-th frame the next tile, unless someone at the kiosk is still being recognised
        or asked to blink (their frames come first); every frame the neighbourhood of each small tracked
        face that the live pass did not find this time."""
        limit = self.analyzer.near_limit(rgb.shape)
        small = [t.box for t in self.tracker.tracks if max(t.box.width, t.box.height) < limit
                 and not any(t.box.iou(d.box) >= 0.3 for d in near)]
        busy = any(max(t.box.width, t.box.height) >= limit
                   and (t.needs_liveness or t.confirmed is None and not t.unknown) for t in self.tracker.tracks)
        self._far_step += 0 if busy else 1
        tile = self._far_step // FAR_EVERY if self._far_step % FAR_EVERY == 0 and not busy else None
        if tile is None and not small:
            return []
        self._far_done = (0 if tile is None else 1, len(small))
        return self.analyzer.detect_far(rgb, tile, small)

    @staticmethod
    def _confirmation(track: Track) -> Confirmation:
        lv = track.liveness
        return Confirmation(
            track.track_id, track.confirmed, track.first_seen, track.confirmed_at,
            None if lv is None else lv.live_at, None if lv is None else lv.cue,
            track.replaces is not None and track.replaces.person_id == track.confirmed.person_id,
        )


def add_far(near: list[Detection], far: list[Detection], overlap: float = 0.3) -> list[Detection]:
    """The live pass's detections plus the far pass's faces that no other detection covers already
    (best score first among the far ones: a tile and a tracked face's neighbourhood may find one face twice)."""
    kept = list(near)
    for d in sorted(far, key=lambda x: x.score, reverse=True):
        if all(d.box.iou(k.box) < overlap and not _inside(d.box, k.box) for k in kept):
            kept.append(d)
    return kept


def _inside(a: Box, b: Box) -> bool:
    """Most of the smaller of ``a`` and ``b`` lies inside the other."""
    ix = max(0, min(a.right, b.right) - max(a.left, b.left))
    iy = max(0, min(a.bottom, b.bottom) - max(a.top, b.top))
    return ix * iy > 0.6 * min(a.area, b.area)
