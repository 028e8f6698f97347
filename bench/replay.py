"""Replays a queue clip through the recognition pipeline the way the kiosk runs it, and scores it.

The kiosk's camera delivers a frame every 1/30 s; the recognition side analyses the newest frame and
drops the ones that arrived meanwhile; the screen shows, over every frame, the faces of the last answer
(kept through a short empty spell, ``FACE_HOLD_S``, as ``kiosk.qt.app`` does). ``replay`` simulates
exactly that on the clip's own clock. How long an analysis takes is either the measured wall time
(benchmarks) or a fixed cost model (tests: the same run gives the same answer on a busy machine).

Scores: who was checked in and when (through the real ``CheckInPolicy``), how long after each person
arrived, and every spell in which a face on screen carried somebody else's name.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

from bench.clips import Appearance, Clip, Person
from kiosk.core.checkin import CheckInPolicy
from kiosk.core.gallery import Gallery, GalleryEdit
from kiosk.core.pipeline import PipelineResult, RecognitionPipeline
from kiosk.core.types import FaceState

FACE_HOLD_S = 0.4  # kiosk.qt.app keeps the last boxes this long through frames without faces

# Measured on this machine (docs/benchmarks.md): HOG on the 480-px copy, one descriptor, one 68-point fit,
# one far-pass call.
MODEL_DETECT_MS = 15.0
MODEL_EMBED_MS = 105.0
MODEL_LANDMARKS_MS = 2.0
MODEL_FAR_TILE_MS = 25.0  # one far-pass tile (480 px square after upsampling)
MODEL_FAR_REGION_MS = 5.0  # the neighbourhood of one small tracked face, upsampled


def modelled_cost(result: PipelineResult, _wall_s: float) -> float:
    """Seconds an analysis takes by the fixed cost model (deterministic: for tests)."""
    ms = MODEL_DETECT_MS + MODEL_EMBED_MS * result.frame.embeddings_computed
    far = MODEL_FAR_TILE_MS * result.far_tiles + MODEL_FAR_REGION_MS * result.far_regions
    return (ms + MODEL_LANDMARKS_MS * result.landmarks_computed + far) / 1000.0


def wall_cost(_result: PipelineResult, wall_s: float) -> float:
    """Seconds an analysis took, as measured."""
    return wall_s


@dataclass(frozen=True, slots=True)
class WrongName:
    """A spell in which the face of ``truth`` (None: a stranger) showed ``shown``'s name."""

    shown: str
    truth: str | None
    start: float
    seconds: float


@dataclass
class ReplayScore:
    clip: Clip
    checkins: list[tuple[str, float]] = field(default_factory=list)  # person_id, time of the check-in
    repeats: int = 0  # confirmations the policy turned away as "already checked in"
    wrong: list[WrongName] = field(default_factory=list)
    analysed: int = 0
    analyse_ms: list[float] = field(default_factory=list)

    @property
    def enrolled(self) -> list[str]:
        return sorted({a.person.person_id for a in self.clip.appearances if a.person.person_id})

    def checked_in(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for pid, _ in self.checkins:
            out[pid] = out.get(pid, 0) + 1
        return out

    def strangers_checked_in(self) -> list[str]:
        return [pid for pid, _ in self.checkins if pid not in self.enrolled]

    def confirm_s(self) -> list[float]:
        """Per checked-in person: seconds from their first appearance to their check-in."""
        arrived: dict[str, float] = {}
        for a in self.clip.appearances:
            if a.person.person_id:
                arrived[a.person.person_id] = min(arrived.get(a.person.person_id, a.start), a.start)
        return [t - arrived[pid] for pid, t in self.checkins if pid in arrived]

    def longest_wrong_s(self) -> float:
        return max((w.seconds for w in self.wrong), default=0.0)

    def summary(self) -> dict:
        confirm = sorted(self.confirm_s())
        ins = self.checked_in()
        return {
            "people": len(self.enrolled),
            "checked_in": len(ins),
            "checked_in_twice": sum(1 for n in ins.values() if n > 1),
            "stranger_rows": len(self.strangers_checked_in()),
            "confirm_ms_p50": _pct(confirm, 50),
            "confirm_ms_p95": _pct(confirm, 95),
            "confirm_ms_max": round(confirm[-1] * 1000, 1) if confirm else None,
            "wrong_name_spells": len(self.wrong),
            "wrong_name_ms_max": round(self.longest_wrong_s() * 1000, 1),
            "frames_analysed": self.analysed,
            "analyses_per_s": round(self.analysed / self.clip.duration, 1),
        }


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else None


def replay(pipeline: RecognitionPipeline, clip: Clip,
           cost: Callable[[PipelineResult, float], float] = modelled_cost) -> ReplayScore:
    """Run ``clip`` through ``pipeline`` as the kiosk would (newest frame wins) and score what the
    screen showed and what was checked in."""
    if cost is modelled_cost:
        pipeline.fixed_embed_s = MODEL_EMBED_MS / 1000.0  # the re-check schedule follows the model too
    epoch = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    sim = [0.0]
    policy = CheckInPolicy("queue-bench", clock=lambda: epoch + timedelta(seconds=sim[0]))
    score = ReplayScore(clip)
    answers: list[tuple[float, PipelineResult]] = []  # (when the answer reached the screen, result)
    free, i, n = 0.0, 0, clip.frames
    while i < n:
        start = max(i / clip.fps, free)
        j = min(n - 1, max(i, int(start * clip.fps + 1e-9)))  # the newest frame at that moment
        rgb = clip.render(j)
        t0 = time.perf_counter()
        result = pipeline.process(rgb, j, j / clip.fps)
        wall = time.perf_counter() - t0
        done = start + cost(result, wall)
        sim[0] = done
        for c in result.confirmations:
            if policy.decide(c.match.person_id, c.match.name, c.match.distance).is_new:
                score.checkins.append((c.match.person_id, done))
            else:
                score.repeats += 1
        answers.append((done, result))
        score.analysed += 1
        score.analyse_ms.append(wall * 1000.0)
        free, i = done, j + 1
    score.wrong = _wrong_names(clip, answers)
    return score


def _wrong_names(clip: Clip, answers: list[tuple[float, PipelineResult]]) -> list[WrongName]:
    """Walk the frames as shown: the faces of the last answer over each, checked against the clip."""
    shown_faces: tuple = ()
    faces_at = -1e9
    k = 0
    open_spells: dict[tuple[int, str], tuple[str | None, float]] = {}
    spells: list[WrongName] = []
    period = 1.0 / clip.fps
    for i in range(clip.frames):
        t = i * period
        while k < len(answers) and answers[k][0] <= t:
            faces = answers[k][1].frame.faces
            if faces or answers[k][0] - faces_at > FACE_HOLD_S:
                shown_faces, faces_at = faces, answers[k][0]
            k += 1
        now_wrong: set[tuple[int, str]] = set()
        for face in shown_faces:
            if face.state is not FaceState.CONFIRMED or face.person_id is None:
                continue
            who: Appearance | None = clip.who_is_at(face.box, t)
            if who is None or who.person.person_id == face.person_id:
                continue  # over empty wall (the person has left), or right
            key = (face.track_id, face.person_id)
            now_wrong.add(key)
            if key not in open_spells:
                open_spells[key] = (who.person.person_id, t)
        for key in list(open_spells):
            if key not in now_wrong:
                truth, start = open_spells.pop(key)
                spells.append(WrongName(key[1], truth, start, t - start))
    end = clip.frames * period
    spells += [WrongName(key[1], truth, start, end - start) for key, (truth, start) in open_spells.items()]
    return spells


def enrol(engine, people: Sequence[Person]) -> Gallery:
    """An in-memory gallery of the enrolled ``people``, from their enrolment photos, the kiosk's way."""
    from kiosk.vision.enrol import sample_from_file

    edit = GalleryEdit(Gallery())
    for p in people:
        if p.person_id is None:
            continue
        samples = [sample_from_file(engine, str(photo)) for photo in p.enrol]
        vectors = [s.embedding for s in samples if s.accepted]
        if vectors:
            edit.add_person(p.name, np.stack(vectors), person_id=p.person_id)
    return edit.snapshot()


def recognised_alone(engine, matcher, person: Person, clip_height: float = 0.6) -> bool:
    """True when the person's probe photo, as the camera shows it in a queue clip, is recognised as them
    (3 % of the shared probes are not, whatever the queue does: tests leave those people out)."""
    from bench.clips import queue

    clip = queue([person], 0.0, dwell_s=0.1, lead_s=0.0, height=clip_height)
    rgb = clip.render(0)
    found = engine.detect_live(rgb)
    names = {matcher.match(v).person_id for v in engine.embed(rgb, [d.box for d in found])}
    return person.person_id in names and names <= {person.person_id, None}
