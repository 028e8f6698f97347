"""Face tracks across frames, and when each track's identity is settled.

A track keeps its id while its box overlaps the next frame's (greedy IoU matching). A track's name
belongs to a face, not to a box, so every analysed frame also asks whether the face inside the box may
have changed: after any frame in which the track was missed, when the box jumps in position or size, and
when a small grey chip of the face stops correlating with the track's own (``kiosk.core.appearance``).
A track under such suspicion shows no name until an embedding settles it; it is embedded before any
other. An embedding that names someone else than the confirmed person (or nobody), or that lies far from
the track's previous embedding, ends the track and starts a new one in its place, with no votes and no
liveness evidence: the next person never inherits the last one's name or blink.

A new track is embedded at once; while undecided it is embedded again every ``retry_s``; an identity is
confirmed only when ``confirm_votes`` of the last ``confirm_window`` embeddings name one person and none
names another, or at once by one *decisive* look (``Match.decisive``: far inside the threshold and far
ahead of everyone else) when no other person was named in the window. Confirmed tracks are re-checked
in turn every ``recheck_s`` when nothing more urgent is due (the worker's idle time); tracks whose votes
keep saying "unknown" are labelled unknown and retried less often.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from kiosk.core.appearance import Chip, chip_similarity, colour_change
from kiosk.core.liveness import LivenessSettings, LivenessState
from kiosk.core.types import Box, Detection, FaceResult, FaceState, Match, Prompt

UNSURE = "unsure"


@dataclass(frozen=True, slots=True)
class TrackingSettings:
    iou_match: float = 0.3  # minimum overlap to continue a track
    max_missed_s: float = 0.7  # a track unseen this long is dropped
    retry_s: float = 0.08  # undecided tracks are embedded again this often
    recheck_s: float = 0.15  # confirmed tracks are re-checked (in turn, when nothing else is due) this often,
    recheck_duty: float = 0.5  # ... but re-checks take at most this share of the worker's time (slow machines)
    unknown_retry_s: float = 0.25  # tracks labelled unknown are retried this often
    confirm_votes: int = 2  # agreeing embeddings (of the last confirm_window) needed to confirm
    confirm_window: int = 3
    unknown_votes: int = 3  # unknown verdicts (of the last few) that label a track unknown
    history: int = 5
    jump: float = 0.4  # a box centre moving more than this share of the box width: maybe another face
    resize: float = 1.4  # a box width changing by more than this factor between analysed frames: the same
    chip_step: float = 0.5  # a face chip correlating below this with the previous frame's: maybe another face
    chip_drop: float = 0.25  # ... or this much below the track's usual frame-to-frame correlation (less for a
    # still face: at most chip_still times the usual level's distance from 1, so 0.16 below a usual 0.96)
    chip_still: float = 4.0
    chip_chroma: float = 0.03  # a face middle's chromaticity moving this far between analysed frames: maybe
    chip_bright: float = 0.3  # another face; or its brightness by this much (log ratio); the same face on
    # the shared real clip (stage light) stays under 0.024 and 0.2
    chip_drift: float = 0.4  # ... or below this with the chip of the last embedding
    same_face: float = 0.7  # embeddings of one face a moment apart lie closer than this
    same_face_live: float = 0.5  # a face unrecognised on a re-check keeps its liveness evidence when this close


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
    chip: Chip | None = None  # the face chip of the last analysed frame
    ref_chip: Chip | None = None  # the face chip of the frame of the last embedding
    usual_step: float | None = None  # the track's usual chip correlation from one analysed frame to the next
    vector: np.ndarray | None = None  # the last embedding
    suspect: str | None = None  # why the face may have changed since the last embedding: miss, jump, look;
    # "unsure": the same face (by its embedding) was not recognised once: the name is hidden until the next
    # embedding names the person again (or ends the track with a second "nobody")
    missed: bool = False  # not found in the last analysed frame
    replaces: Match | None = None  # the confirmed identity of the track this one replaced on the same face

    @property
    def live(self) -> bool:
        return self.liveness is None or self.liveness.live

    @property
    def needs_liveness(self) -> bool:
        """True while liveness evidence is still wanted: not yet live, not labelled unknown, not in doubt."""
        return not self.live and not self.unknown and self.suspect in (None, UNSURE)

    @property
    def unknown(self) -> bool:
        return self.confirmed is None and sum(1 for m in self.votes if not m.known) >= self.unknown_votes

    @property
    def shows_name(self) -> bool:
        return self.confirmed is not None and self.suspect is None

    def result(self) -> FaceResult:
        if self.suspect is not None:
            return FaceResult(self.track_id, self.box, FaceState.PENDING, hint=Prompt.HOLD_STILL)
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


@dataclass(frozen=True, slots=True)
class Vote:
    """What one embedding did to a track: ``track`` is the track that now holds the face (a new one when
    the face changed), ``confirmed`` is True when this vote settled its identity."""

    track: Track
    confirmed: bool
    restarted: bool = False


class Tracker:
    """Keeps tracks up to date and says which need an embedding and which became confirmed."""

    def __init__(self, settings: TrackingSettings | None = None, liveness: LivenessSettings | None = None) -> None:
        """``liveness``: when given, every new track must show liveness evidence before its check-in."""
        self.settings = settings or TrackingSettings()
        self.liveness = liveness
        self.tracks: list[Track] = []
        self.hidden_now = 0  # names taken off the screen by the last update (faces in doubt)
        self.embed_s = 0.0  # what one embedding costs on this machine (the pipeline keeps it up to date)
        self._next_id = 1

    def _new_track(self, box: Box, now: float, chip: Chip | None) -> Track:
        track = Track(self._next_id, box, now, now, deque(maxlen=self.settings.history),
                      unknown_votes=self.settings.unknown_votes,
                      liveness=None if self.liveness is None else LivenessState(self.liveness), chip=chip)
        self._next_id += 1
        return track

    def update(self, detections: list[Detection], now: float,
               chips: list[Chip | None] | None = None) -> list[Track]:
        """Match detections to tracks by IoU (best pairs first); start tracks for the rest.

        ``chips``: the face chip of each detection (``kiosk.core.appearance.face_chip``), for the
        appearance check; without them only misses and jumps raise doubt. Returns the tracks seen now.
        """
        s = self.settings
        chips = chips if chips is not None else [None] * len(detections)
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
        self.hidden_now = 0
        for iou, ti, di in pairs:
            if iou < s.iou_match:
                break
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            self._continue(self.tracks[ti], detections[di].box, chips[di], now)
        for ti, track in enumerate(self.tracks):
            if ti not in used_t:
                track.missed = True
        for di, d in enumerate(detections):
            if di not in used_d:
                self.tracks.append(self._new_track(d.box, now, chips[di]))
        self.tracks = [t for t in self.tracks if now - t.last_seen <= s.max_missed_s]
        return [t for t in self.tracks if t.last_seen == now]

    def _continue(self, track: Track, box: Box, chip: Chip | None, now: float) -> None:
        reason = self._change(track, box, chip)
        if reason is not None:
            if track.vector is None:  # nothing settled yet: start afresh without a verdict
                track.votes.clear()
                if track.liveness is not None:
                    track.liveness = LivenessState(track.liveness.settings)
            elif track.suspect is None:
                self.hidden_now += track.shows_name
                track.suspect = reason
        track.box, track.last_seen, track.chip, track.missed = box, now, chip, False

    def _change(self, track: Track, box: Box, chip: Chip | None) -> str | None:
        """Why the face in ``box`` may not be the track's face any more (None: no reason to doubt)."""
        s = self.settings
        if track.missed:
            return "miss"
        old = track.box
        width = max(1, old.width, box.width)
        dx = (box.left + box.right - old.left - old.right) / 2.0
        dy = (box.top + box.bottom - old.top - old.bottom) / 2.0
        ratio = max(box.width, 1) / max(old.width, 1)
        if (dx * dx + dy * dy) ** 0.5 > s.jump * width or not 1.0 / s.resize <= ratio <= s.resize:
            return "jump"
        step = chip_similarity(chip, track.chip)
        drift = chip_similarity(chip, track.ref_chip)
        usual = track.usual_step
        if step is not None:
            # A still face correlates at 0.95 from frame to frame, a lively one at 0.8: a drop far below the
            # track's own level is another face even when it stays above the fixed floor.
            floor = s.chip_step
            if usual is not None:
                floor = max(floor, usual - min(s.chip_drop, s.chip_still * (1.0 - usual)))
            if step < floor:
                return "look"
        colour = colour_change(chip, track.chip)
        if colour is not None and (colour[0] > s.chip_chroma or colour[1] > s.chip_bright):
            return "look"
        if step is not None:
            track.usual_step = step if usual is None else 0.8 * usual + 0.2 * step
        if drift is not None and drift < s.chip_drift:
            return "look"
        return None

    def needs_embedding(self, track: Track, now: float) -> bool:
        s = self.settings
        if track.suspect is not None:
            return True
        idle_share = self.embed_s / s.recheck_duty  # keeps re-checks to their share of the worker's time
        if track.confirmed is not None:
            interval = max(s.recheck_s, idle_share)
        elif track.unknown:
            interval = max(s.unknown_retry_s, idle_share)
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

    def embedding_order(self, visible: list[Track], now: float) -> list[Track]:
        """The visible tracks due for an embedding, most urgent first: faces in doubt (their names are
        hidden), then undecided faces (fewest votes first, so each face of a group gets its turn; larger
        faces first among equals), then faces labelled unknown, then confirmed faces, longest unchecked
        first."""
        def urgency(t: Track) -> tuple:
            if t.suspect is not None:
                rank = 0
            elif t.confirmed is None and not t.unknown:
                rank = 1
            elif t.unknown:
                rank = 2
            else:
                rank = 3
            return rank, len(t.votes) if rank == 1 else 0, -t.box.area if rank < 3 else t.last_embedded
        return sorted((t for t in visible if self.needs_embedding(t, now)), key=urgency)

    def add_vote(self, track: Track, match: Match, now: float, vector: np.ndarray | None = None) -> Vote:
        """Record an embedding's verdict (``vector``: the embedding itself, for the same-face check)."""
        s = self.settings
        if match.person_id is not None and match.person_id in track.blocked:  # the person said "Not you?"
            match = Match(None, None, match.distance, match.margin)
        apart = (float("nan") if vector is None or track.vector is None
                 else float(np.linalg.norm(np.asarray(vector) - track.vector)))
        far = apart > s.same_face
        other = track.confirmed is not None and match.person_id != track.confirmed.person_id
        if other and not far and not match.known and apart <= s.same_face_live and track.suspect != UNSURE:
            # Clearly the same face, not recognised this time (a blurred or turned frame): hide the name and
            # ask once more at once; a second "nobody" ends the track.
            track.suspect = UNSURE
            self._vote(track, match, now, vector)
            return Vote(track, False)
        if far or other:
            fresh = self._new_track(track.box, now, track.chip)
            fresh.last_seen = track.last_seen
            fresh.replaces = None if far else track.confirmed  # the same face, not recognised this time
            if not far:
                fresh.blocked = track.blocked  # the same face: still not the people it said it is not
            if not match.known and apart <= s.same_face_live:
                fresh.liveness = track.liveness  # clearly the same face: its blink was its own
            self.tracks[self.tracks.index(track)] = fresh
            return Vote(fresh, self._vote(fresh, match, now, vector), restarted=True)
        track.suspect = None
        return Vote(track, self._vote(track, match, now, vector))

    def _vote(self, track: Track, match: Match, now: float, vector: np.ndarray | None) -> bool:
        s = self.settings
        track.votes.append(match)
        track.last_embedded = now
        track.ref_chip = track.chip
        if vector is not None:
            track.vector = np.asarray(vector, dtype=np.float32)
        if not match.known:
            return False
        window = list(track.votes)[-s.confirm_window :]
        known = {m.person_id for m in window if m.known}
        agreeing = [m for m in window if m.person_id == match.person_id]
        # Several agreeing verdicts (or one decisive look), and no other enrolled person named in the window.
        needed = 1 if match.decisive else s.confirm_votes
        if len(agreeing) < needed or len(known) != 1:
            return False
        if track.confirmed is not None and track.confirmed.person_id == match.person_id:
            return False
        best = min(agreeing, key=lambda m: m.distance)
        track.confirmed = best
        track.confirmed_at = now
        return True
