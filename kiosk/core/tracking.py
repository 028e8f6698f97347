"""Face tracks across frames, and when each track's identity is settled.

A track keeps its id while its box overlaps the next frame's (greedy IoU matching). A new track is
embedded at once; while undecided it is embedded again every ``retry_s``; an identity is confirmed only
when ``confirm_votes`` of the last ``confirm_window`` embeddings name one person and none names another.
A confirmed track is re-checked every ``recheck_s``; a track whose votes keep saying "unknown" is
labelled unknown and retried less often.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from kiosk.core.liveness import LivenessSettings, LivenessState
from kiosk.core.types import Box, Detection, FaceResult, FaceState, Match, Prompt


@dataclass(frozen=True, slots=True)
class TrackingSettings:
    iou_match: float = 0.3  # minimum overlap to continue a track
    max_missed_s: float = 0.7  # a track unseen this long is dropped
    retry_s: float = 0.15  # undecided tracks are embedded again this often
    recheck_s: float = 3.0  # confirmed tracks are re-checked this often
    unknown_retry_s: float = 0.4  # tracks labelled unknown are retried this often
    confirm_votes: int = 2  # agreeing embeddings (of the last confirm_window) needed to confirm
    confirm_window: int = 3
    unknown_votes: int = 3  # unknown verdicts (of the last few) that label a track unknown
    history: int = 5


@dataclass
class Track:
    """A face followed across frames (mutable; only the tracker changes it)."""

    track_id: int
    box: Box
    first_seen: float
    last_seen: float
    votes: deque = field(default_factory=lambda: deque(maxlen=5))
    last_embedded: float = float("-inf")
    confirmed: Match | None = None
    confirmed_at: float | None = None
    unknown_votes: int = 3
    liveness: LivenessState | None = None  # None: no liveness evidence required
    held: bool = False  # identity confirmed, check-in held back until the face is shown to be live
    blocked: frozenset[str] = frozenset()  # people this face said it is not ("Not you?")

    @property
    def live(self) -> bool:
        return self.liveness is None or self.liveness.live

    @property
    def needs_liveness(self) -> bool:
        """True while liveness evidence is still wanted: not yet live and not labelled unknown."""
        return not self.live and not self.unknown

    @property
    def unknown(self) -> bool:
        return self.confirmed is None and sum(1 for m in self.votes if not m.known) >= self.unknown_votes

    def result(self) -> FaceResult:
        if self.confirmed is not None:
            m = self.confirmed
            if not self.live:
                return FaceResult(self.track_id, self.box, FaceState.PENDING, m.person_id, m.name, m.distance,
                                  Prompt.BLINK)
            return FaceResult(self.track_id, self.box, FaceState.CONFIRMED, m.person_id, m.name, m.distance)
        if self.unknown:
            last = self.votes[-1].distance if self.votes else float("inf")
            return FaceResult(self.track_id, self.box, FaceState.UNKNOWN, distance=last)
        return FaceResult(self.track_id, self.box, FaceState.PENDING, hint=Prompt.HOLD_STILL)


class Tracker:
    """Keeps tracks up to date and says which need an embedding and which became confirmed."""

    def __init__(self, settings: TrackingSettings | None = None, liveness: LivenessSettings | None = None) -> None:
        """``liveness``: when given, every new track must show liveness evidence before its check-in."""
        self.settings = settings or TrackingSettings()
        self.liveness = liveness
        self.tracks: list[Track] = []
        self._next_id = 1

    def update(self, detections: list[Detection], now: float) -> list[Track]:
        """Match detections to tracks by IoU (best pairs first); start tracks for the rest."""
        s = self.settings
        pairs = sorted(
            (
                (t.box.iou(d.box), ti, di)
                for ti, t in enumerate(self.tracks)
                for di, d in enumerate(detections)
            ),
            reverse=True,
        )
        used_t: set[int] = set()
        used_d: set[int] = set()
        for iou, ti, di in pairs:
            if iou < s.iou_match:
                break
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            self.tracks[ti].box = detections[di].box
            self.tracks[ti].last_seen = now
        for di, d in enumerate(detections):
            if di not in used_d:
                track = Track(self._next_id, d.box, now, now, deque(maxlen=s.history), unknown_votes=s.unknown_votes,
                              liveness=None if self.liveness is None else LivenessState(self.liveness))
                self._next_id += 1
                self.tracks.append(track)
        self.tracks = [t for t in self.tracks if now - t.last_seen <= s.max_missed_s]
        return [t for t in self.tracks if t.last_seen == now]

    def needs_embedding(self, track: Track, now: float) -> bool:
        s = self.settings
        if track.confirmed is not None:
            interval = s.recheck_s
        elif track.unknown:
            interval = s.unknown_retry_s
        else:
            interval = s.retry_s
        return now - track.last_embedded >= interval

    def block(self, track_id: int, person_id: str) -> bool:
        """"Not you?": never name ``person_id`` on this track again; it is undecided once more.

        Returns False when the track is gone (the person walked away; a new track starts afresh).
        """
        for track in self.tracks:
            if track.track_id == track_id:
                track.blocked = track.blocked | {person_id}
                track.votes.clear()
                track.confirmed = None
                track.confirmed_at = None
                track.held = False
                track.last_embedded = float("-inf")
                return True
        return False

    def add_vote(self, track: Track, match: Match, now: float) -> bool:
        """Record an embedding's verdict; True when this vote confirms the track's identity."""
        s = self.settings
        if match.person_id is not None and match.person_id in track.blocked:  # the person said "Not you?"
            match = Match(None, None, match.distance, match.margin)
        track.votes.append(match)
        track.last_embedded = now
        if not match.known:
            return False
        window = list(track.votes)[-s.confirm_window :]
        known = {m.person_id for m in window if m.known}
        agreeing = [m for m in window if m.person_id == match.person_id]
        # Several agreeing verdicts, and no other enrolled person named in the window.
        if len(agreeing) < s.confirm_votes or len(known) != 1:
            return False
        if track.confirmed is not None and track.confirmed.person_id == match.person_id:
            return False
        best = min(agreeing, key=lambda m: m.distance)
        track.confirmed = best
        track.confirmed_at = now
        return True
