"""Face tracks across frames, and when each track's identity is settled.

A track keeps its id while its box overlaps the next frame's (greedy IoU matching). A new track is
embedded at once; while undecided it is embedded again every ``retry_s``; an identity is confirmed only
when ``confirm_votes`` consecutive embeddings agree on one person. A confirmed track is re-checked every
``recheck_s``; a track whose votes keep saying "unknown" is labelled unknown and retried slowly.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from kiosk.core.types import Box, Detection, FaceResult, Match


@dataclass(frozen=True, slots=True)
class TrackingSettings:
    iou_match: float = 0.3  # minimum overlap to continue a track
    max_missed_s: float = 0.7  # a track unseen this long is dropped
    retry_s: float = 0.15  # undecided tracks are embedded again this often
    recheck_s: float = 3.0  # confirmed tracks are re-checked this often
    unknown_retry_s: float = 1.0  # tracks labelled unknown are retried this often
    confirm_votes: int = 2  # consecutive agreeing embeddings needed to confirm
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

    @property
    def unknown(self) -> bool:
        return self.confirmed is None and sum(1 for m in self.votes if not m.known) >= self.unknown_votes

    def result(self) -> FaceResult:
        if self.confirmed is not None:
            m = self.confirmed
            return FaceResult(self.track_id, self.box, "confirmed", m.person_id, m.name, m.distance)
        if self.unknown:
            last = self.votes[-1].distance if self.votes else float("inf")
            return FaceResult(self.track_id, self.box, "unknown", distance=last)
        return FaceResult(self.track_id, self.box, "pending", hint="Hold still")


class Tracker:
    """Keeps tracks up to date and says which need an embedding and which became confirmed."""

    def __init__(self, settings: TrackingSettings | None = None) -> None:
        self.settings = settings or TrackingSettings()
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
                track = Track(self._next_id, d.box, now, now, deque(maxlen=s.history), unknown_votes=s.unknown_votes)
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

    def add_vote(self, track: Track, match: Match, now: float) -> bool:
        """Record an embedding's verdict; True when this vote confirms the track's identity."""
        s = self.settings
        track.votes.append(match)
        track.last_embedded = now
        recent = list(track.votes)[-s.confirm_votes :]
        agreed = (
            len(recent) == s.confirm_votes
            and recent[0].known
            and all(m.person_id == recent[0].person_id for m in recent)
        )
        if not agreed:
            return False
        if track.confirmed is not None and track.confirmed.person_id == recent[-1].person_id:
            return False
        best = min(recent, key=lambda m: m.distance)
        track.confirmed = best
        track.confirmed_at = now
        return True
