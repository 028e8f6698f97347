"""Strangers and enrolled people walking up to the kiosk, one at a time, through the real pipeline.

Each clip is made from one photo (never an enrolment photo) by ``bench/clips.py``: the photo on a plain
wall, 60 % of the frame's height, drifting and zooming by a few per cent for ``--seconds``; every
``30 / --fps``-th frame is analysed, with its own timestamp. Every clip goes through ``RecognitionPipeline``
(HOG on the live copy, tracking, live-path embeddings, the matcher's live decision, the tracker's vote;
liveness off, as in the issue's measurement) against the benchmark's gallery of 600+ people
(bench/accuracy_data.py; templates from the cached enrolment embeddings). A stranger is *checked in* when
any confirmation happens in their clip; an enrolled person is checked in when the right person is confirmed.

    python bench/walkup.py --cache DIR [--strangers 463] [--enrolled 104] [--workers 2] [--out clips.jsonl]
                           [--vote-only]

``--vote-only``: every identity needs two agreeing looks (the kiosk's rule before the decisive look,
``MatchPolicy(decisive_spare=None)``), the alternative the product's rule is compared with.

Each clip's outcome is appended to ``--out`` as it finishes (``--summarise`` reports on such a file).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import clips  # noqa: E402
from bench.accuracy_data import build_dataset, gallery_of, gallery_people  # noqa: E402
from bench.accuracy_eval import wilson  # noqa: E402
from bench.common import CACHE, emit, face_data_dir, machine  # noqa: E402
from bench.embed_cache import load  # noqa: E402

_state: dict = {}


def frames(path: str, seconds: float, fps: float) -> list[tuple[float, np.ndarray]]:
    """One person's clip (``bench.clips``: the photo on a plain wall, drifting and zooming slightly, as the
    issue's clips were made), sampled at ``fps``: (timestamp, contiguous RGB frame)."""
    clip = clips.queue([clips.Person(None, Path(path).parent.name, Path(path))], gap_s=0.0, dwell_s=seconds,
                       lead_s=0.1)
    step = max(1, round(clip.fps / fps))
    return [(i / clip.fps, clip.render(i)) for i in range(0, clip.frames, step)]


def _policy(vote_only: bool):
    from kiosk.core.matching import MatchPolicy

    return MatchPolicy(decisive_spare=None) if vote_only else MatchPolicy()


def _init(gallery, seconds: float, fps: float, vote_only: bool) -> None:
    from kiosk.core.matching import Matcher
    from kiosk.vision.engine import FaceEngine

    _state.update(engine=FaceEngine().load(), matcher=Matcher(gallery, _policy(vote_only)), seconds=seconds,
                  fps=fps)


def run_clip(job: tuple[str, str | None]) -> dict:
    """One clip through a fresh pipeline: the people confirmed in it."""
    from kiosk.core.pipeline import RecognitionPipeline
    path, person = job
    pipeline = RecognitionPipeline(_state["engine"], _state["matcher"], liveness=None)
    confirmed = []
    for i, (t, rgb) in enumerate(frames(path, _state["seconds"], _state["fps"])):
        for c in pipeline.process(rgb, i, t).confirmations:
            confirmed.append(c.match.person_id)
    return {"path": path, "person": person, "confirmed": confirmed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--strangers", type=int, default=463)
    ap.add_argument("--enrolled", type=int, default=104)
    ap.add_argument("--seconds", type=float, default=1.5)
    ap.add_argument("--fps", type=float, default=8.0)
    ap.add_argument("--out", type=Path, default=None, help="append each clip's outcome here (JSON lines)")
    ap.add_argument("--summarise", action="store_true", help="only report on --out's clips")
    ap.add_argument("--vote-only", action="store_true", help="no decisive single look (the rule before it)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    root = face_data_dir()
    data = build_dataset(load(args.cache), root)
    gallery = gallery_of(data, gallery_people(data, 10**6))
    enrolled = set(data.enrol)
    first_probe: dict[str, str] = {}
    for path, person, ok in zip(data.probes.paths, data.probes.person, data.probes.found, strict=True):
        if ok and person in enrolled and person not in first_probe:
            first_probe[person] = path
    jobs = [(str(root / p), None) for p in data.strangers.paths[: args.strangers]]
    jobs += [(str(root / p), person) for person, p in sorted(first_probe.items())[: args.enrolled]]
    t0 = time.perf_counter()
    if not args.summarise:
        out = open(args.out, "a") if args.out else None  # noqa: SIM115 (closed below)
        setup = (gallery, args.seconds, args.fps, args.vote_only)
        with mp.get_context("spawn").Pool(args.workers, _init, setup) as pool:
            results = []
            for r in pool.imap_unordered(run_clip, jobs, chunksize=2):
                results.append(r)
                if out:
                    out.write(json.dumps(r) + "\n")
                    out.flush()
        if out:
            out.close()
    else:
        results = [json.loads(line) for line in args.out.read_text().splitlines() if line.strip()]
    strangers = [r for r in results if r["person"] is None]
    people = [r for r in results if r["person"] is not None]
    false_in = [r for r in strangers if r["confirmed"]]
    right = sum(1 for r in people if r["person"] in r["confirmed"])
    wrong = [r for r in people if any(c != r["person"] for c in r["confirmed"])]
    from kiosk.core.matching import Matcher

    m = Matcher(gallery, _policy(args.vote_only))
    emit({
        "benchmark": "walkup",
        "machine": machine(),
        "rule": "two agreeing looks" if args.vote_only else "two agreeing looks, or one decisive look",
        "people_enrolled": m.people,
        "threshold": round(m.threshold, 4),
        "confirm_threshold": round(m.confirm_threshold, 4),
        "decisive_threshold": None if m.decisive_threshold is None else round(m.decisive_threshold, 4),
        "clip": {"seconds": args.seconds, "fps_analysed": args.fps, "size": clips.SIZE},
        "strangers": len(strangers),
        "strangers_checked_in": len(false_in),
        "strangers_checked_in_ci95": [round(x, 4) for x in wilson(len(false_in), len(strangers))],
        "strangers_checked_in_as": [(Path(r["path"]).parent.name, r["confirmed"]) for r in false_in],
        "enrolled_walkups": len(people),
        "enrolled_checked_in": right,
        "enrolled_missed": [Path(r["path"]).parent.name for r in people if r["person"] not in r["confirmed"]],
        "given_to_wrong_person": [(r["person"], r["confirmed"]) for r in wrong],
        "seconds": round(time.perf_counter() - t0, 1),
        "clips_planned": len(jobs),
    })


if __name__ == "__main__":
    main()
