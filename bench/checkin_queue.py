"""The queue benchmark: a busy entrance at 9:00, built from the shared photos, run as the kiosk runs.

Sections (JSON on stdout):

Under ``measured`` the replays take each analysis's measured time (on a shared machine: pessimistic);
under ``modelled`` the fixed costs of a quiet machine (bench/replay.py, from docs/benchmarks.md).

* ``queue``: at least 30 enrolled people (3 enrolment photos each, a 4th photo in the clip) and some
  strangers, one after another at the same spot, ``--gap`` s apart, replayed through our pipeline with
  the measured time of every analysis (newest frame wins, bench/replay.py): people checked in, people
  per minute, time to confirm p50/p95 (from the moment the person appears), wrong names on screen.
* ``rush``: the same people with 1 s each and 0.2 s between them (50 people a minute offered).
* ``swap``: people replacing each other at the same spot with no gap: how long a wrong name stays.
* ``group``: four people arriving together: the time until all four are checked in.
* ``face_recognition_loop``: the face_recognition README's loop on the queue clip (detect, encode,
  compare at 0.6 on every frame it can take; a person counts as checked in once named on two analysed
  frames in a row), replayed the same way.
* ``kiosk``: the headless kiosk (``python -m kiosk run --exit-at-end``) on the queue clip written as an
  mp4: shown fps, UI stall p99, its own confirm times, rows in the CSV.
* ``far``: the shared street and crowd clips: face boxes found per frame by the live pass alone, by the
  live pass plus the far pass, and by face_recognition's ``face_locations`` (HOG, upsampled once), fps.

    flock /work/team/bench.lock .venv/bin/python -m bench.checkin_queue [--people 32] [--skip kiosk,far]

(Not ``bench/queue.py``: run as a script from bench/, that name would shadow the standard library's queue.)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.clips import Person, lfw_people, queue, strangers, together, write_video  # noqa: E402
from bench.common import CACHE, emit, face_data_dir, machine  # noqa: E402
from bench.pipeline import import_face_recognition, read_frames  # noqa: E402
from bench.replay import (  # noqa: E402
    MODEL_DETECT_MS,
    MODEL_EMBED_MS,
    MODEL_FAR_REGION_MS,
    MODEL_FAR_TILE_MS,
    MODEL_LANDMARKS_MS,
    enrol,
    modelled_cost,
    recognised_alone,
    replay,
    wall_cost,
)
from kiosk.core.gallery import Gallery  # noqa: E402
from kiosk.core.matching import Matcher  # noqa: E402
from kiosk.core.pipeline import Confirmation, PipelineResult, RecognitionPipeline  # noqa: E402
from kiosk.core.types import Box, FaceResult, FaceState, FrameResult, Match  # noqa: E402
from kiosk.vision.engine import FaceEngine  # noqa: E402

FAR_CLIPS = {"street": "street_pedestrians_1920x1080.mp4", "crowd": "crowd_walking_800x450.mp4"}


def cached_gallery(engine, people: list[Person]) -> Gallery:
    """``enrol`` once per set of photos (bench/.cache): enrolment is 1-2 s a photo."""
    key = hashlib.sha256("|".join(str(p) for person in people for p in person.enrol).encode()).hexdigest()[:16]
    path = CACHE / f"queue-gallery-{key}.npz"
    if path.exists():
        data = np.load(path, allow_pickle=False)
        from kiosk.core.gallery import GalleryEdit

        edit = GalleryEdit(Gallery())
        for pid, name in zip(data["ids"], data["names"], strict=True):
            edit.add_person(str(name), data[f"e_{pid}"], person_id=str(pid))
        return edit.snapshot()
    gallery = enrol(engine, people)
    CACHE.mkdir(parents=True, exist_ok=True)
    arrays = {f"e_{p.person_id}": gallery.embeddings_of(p.person_id) for p in gallery.people}
    np.savez(path, ids=np.array([p.person_id for p in gallery.people]),
             names=np.array([p.name for p in gallery.people]), **arrays)
    return gallery


def interleave(people: list[Person], others: list[Person]) -> list[Person]:
    """A stranger after every few enrolled people."""
    step = max(1, len(people) // max(1, len(others)))
    out, k = [], 0
    for i, p in enumerate(people):
        out.append(p)
        if (i + 1) % step == 0 and k < len(others):
            out.append(others[k])
            k += 1
    return out + others[k:]


def scored(score, clip) -> dict:
    out = score.summary()
    out["clip_s"] = round(clip.duration, 1)
    out["people_per_minute"] = round(len(score.checked_in()) / clip.duration * 60.0, 1)
    out["analyse_ms_p50"] = round(float(np.percentile(score.analyse_ms, 50)), 1)
    return out


class FaceRecognitionLoop:
    """The face_recognition README's loop, shaped as a pipeline so ``replay`` can run and score it."""

    def __init__(self, fr, people: list[Person]) -> None:
        self.fr = fr
        self.known, self.ids = [], []
        for p in people:
            for photo in p.enrol:
                enc = fr.face_encodings(fr.load_image_file(str(photo)))
                if enc:
                    self.known.append(enc[0])
                    self.ids.append(p)
        self._last: set[str] = set()
        self._done: set[str] = set()

    def process(self, rgb: np.ndarray, frame_no: int, now: float) -> PipelineResult:
        t0 = time.perf_counter()
        locations = self.fr.face_locations(rgb)
        faces, named, confirmations = [], set(), []
        for k, (enc, (top, right, bottom, left)) in enumerate(
                zip(self.fr.face_encodings(rgb, locations), locations, strict=True)):
            box = Box(left, top, right, bottom)
            hits = self.fr.compare_faces(self.known, enc, tolerance=0.6)
            if not any(hits):
                faces.append(FaceResult(k, box, FaceState.UNKNOWN))
                continue
            p = self.ids[int(np.argmin(self.fr.face_distance(self.known, enc)))]
            faces.append(FaceResult(k, box, FaceState.CONFIRMED, p.person_id, p.name))
            named.add(p.person_id)
            if p.person_id in self._last and p.person_id not in self._done:
                self._done.add(p.person_id)
                confirmations.append(Confirmation(k, Match(p.person_id, p.name, 0.0, 0.0), now, now))
        self._last = named
        ms = (time.perf_counter() - t0) * 1000.0
        frame = FrameResult(frame_no, tuple(faces), embeddings_computed=len(faces))
        return PipelineResult(frame, tuple(confirmations), ms, 0.0)


def run_kiosk(clip, gallery: Gallery, tmp: Path) -> dict:
    """The headless kiosk on the clip written as an mp4, with the gallery stored the kiosk's way."""
    from kiosk.core.gallery import GalleryStore
    from kiosk.core.secrets import Sealer

    video = write_video(clip, tmp / "queue.mp4")
    store = GalleryStore(tmp / "gallery", sealer=Sealer(tmp / "gallery.key"))
    for person in gallery.people:
        store.add_person(person.name, gallery.embeddings_of(person.person_id), person_id=person.person_id)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KIOSK_KEY_FILE=str(tmp / "gallery.key"),
               KIOSK_CONFIG=str(tmp / "none.toml"))
    cmd = [sys.executable, "-m", "kiosk", "run", "--source", str(video), "--gallery", str(tmp / "gallery"),
           "--attendance", str(tmp / "att.csv"), "--exit-at-end", "--no-liveness", "--log-level", "WARNING"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    if r.returncode != 0:
        return {"error": r.stderr[-2000:]}
    stats = json.loads(r.stdout.strip().splitlines()[-1])
    with open(tmp / "att.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    enrolled = {a.person.person_id for a in clip.appearances if a.person.person_id}
    ids = [row["person_id"] for row in rows]
    stats.update(people=len(enrolled), rows=len(rows), checked_in=len(set(ids) & enrolled),
                 rows_for_strangers=sum(1 for i in ids if i not in enrolled), duplicate_rows=len(ids) - len(set(ids)),
                 people_per_minute=round(len(set(ids) & enrolled) / clip.duration * 60.0, 1))
    return stats


def far_section(engine: FaceEngine, root: Path, frames_per_clip: int, fr) -> dict:
    out = {}
    for key, name in FAR_CLIPS.items():
        frames, _ = read_frames(root / "video" / name, frames_per_clip)
        clip = {"file": name, "frames": len(frames), "resolution": f"{frames[0].shape[1]}x{frames[0].shape[0]}",
                "far_tiles": len(engine.far_tiles(frames[0].shape))}
        for label, far in (("ours_live_only", False), ("ours_live_and_far", True)):
            pipe = RecognitionPipeline(engine, Matcher(Gallery()), far=far)
            boxes, small, t0, ms = 0, 0, time.perf_counter(), []
            for i, rgb in enumerate(frames):
                s = time.perf_counter()
                faces = pipe.process(rgb, i, i / 30.0).frame.faces
                ms.append((time.perf_counter() - s) * 1000.0)
                boxes += len(faces)
                small += sum(1 for f in faces if f.box.height < 80)
            fps = round(len(frames) / (time.perf_counter() - t0), 2)
            clip[label] = {"boxes": boxes, "boxes_under_80px": small, "fps": fps,
                           "ms_p50": round(float(np.percentile(ms, 50)), 1)}
        if fr is not None:
            n = min(len(frames), 10 if key == "street" else len(frames))
            boxes, small, t0 = 0, 0, time.perf_counter()
            for rgb in frames[:n]:
                locs = fr.face_locations(rgb, number_of_times_to_upsample=1)
                boxes += len(locs)
                small += sum(1 for (t, _r, b, _l) in locs if b - t < 80)
            elapsed = time.perf_counter() - t0
            clip["face_recognition_locations"] = {"frames": n, "boxes": boxes, "boxes_under_80px": small,
                                                  "boxes_per_frame": round(boxes / n, 2), "fps": round(n / elapsed, 3)}
        out[key] = clip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--people", type=int, default=32, help="enrolled people in the queue (>= 30 for p95)")
    ap.add_argument("--strangers", type=int, default=8)
    ap.add_argument("--gap", type=float, default=0.33, help="seconds of empty frame between two people")
    ap.add_argument("--dwell", type=float, default=2.5, help="seconds each person stands at the kiosk")
    ap.add_argument("--far-frames", type=int, default=60, help="frames of each far clip")
    ap.add_argument("--skip", default="", help="comma-separated sections to leave out")
    ap.add_argument("--cost", choices=("measured", "modelled", "both"), default="both",
                    help="analysis times as measured now, or by the fixed model of a quiet machine (bench/replay.py)")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    root = face_data_dir()
    engine = FaceEngine().load()
    candidates = lfw_people(root, args.people + 8)
    gallery = cached_gallery(engine, candidates)
    matcher = Matcher(gallery)
    people = [p for p in candidates if recognised_alone(engine, matcher, p)][: args.people]
    others = strangers(root, args.strangers)
    out: dict = {"benchmark": "queue", "machine": machine(), "enrolled": len(gallery.people),
                 "people_in_queue": len(people), "strangers_in_queue": len(others),
                 "note": "enrolled people whose clip photo is not recognised on its own are left out of the queue "
                         "(they stay enrolled): accuracy is bench/accuracy.py's subject"}
    lineup = interleave(people, others)
    clip = queue(lineup, args.gap, dwell_s=args.dwell)

    def ours():
        return RecognitionPipeline(engine, matcher, far=True)

    costs = {"measured": wall_cost, "modelled": modelled_cost}
    costs = {k: v for k, v in costs.items() if args.cost in (k, "both")}
    out["cost_model_ms"] = {"detect": MODEL_DETECT_MS, "embed": MODEL_EMBED_MS, "far_tile": MODEL_FAR_TILE_MS,
                            "far_region": MODEL_FAR_REGION_MS, "landmarks": MODEL_LANDMARKS_MS}
    for label, cost in costs.items():
        part = out.setdefault(label, {})
        if "queue" not in skip:
            part["queue"] = dict(gap_s=args.gap, dwell_s=args.dwell, **scored(replay(ours(), clip, cost), clip))
        if "rush" not in skip:
            rush = queue(lineup, 0.2, dwell_s=1.0)
            part["rush"] = dict(gap_s=0.2, dwell_s=1.0, offered_per_minute=round(len(people) / rush.duration * 60, 1),
                                **scored(replay(ours(), rush, cost), rush))
        if "swap" not in skip:
            swap = queue(people[:12], 0.0, dwell_s=1.5)
            part["swap"] = dict(gap_s=0.0, **scored(replay(ours(), swap, cost), swap))
        if "group" not in skip:
            times = []
            for k in range(0, min(len(people), 16) - 3, 4):
                score = replay(ours(), together(people[k : k + 4], dwell_s=3.0), cost)
                confirm = score.confirm_s()
                times.append(round(max(confirm), 3) if len(confirm) == 4 else None)
            part["group_of_four"] = {"groups": len(times), "all_four_checked_in_s": times,
                                     "all_within_2s": all(t is not None and t <= 2.0 for t in times)}
    fr = None
    if "face_recognition_loop" not in skip or "far" not in skip:
        fr = import_face_recognition()
    if "face_recognition_loop" not in skip:
        loop = FaceRecognitionLoop(fr, people)
        out["face_recognition_loop_measured"] = scored(replay(loop, clip, wall_cost), clip)
    if "kiosk" not in skip:
        with tempfile.TemporaryDirectory(prefix="queue-bench-") as tmp:
            out["kiosk"] = run_kiosk(clip, gallery, Path(tmp))
    if "far" not in skip:
        out["far"] = far_section(engine, root, args.far_frames, fr)
    emit(out)


if __name__ == "__main__":
    main()
