"""Embeddings of every shared face photo, computed once with the product's own paths, cached as JSON lines.

For each photo: the faces found by the enrolment/identify detector (HOG, padded retry, CNN fallback), the
largest face's box, its quality (kiosk.vision.quality.assess: the enrolment checks), its enrolment/identify
embedding (68-point alignment, ``ENROL_JITTER`` jittered copies: ``sample_from_image`` and ``kiosk identify``
embed the same way) and its live-path embedding (5-point alignment, no jitter: what the kiosk's worker computes
for a camera frame). The accuracy benchmark reads this cache; it is resumable (photos already in the file are
skipped) and uses a ``spawn`` process pool.

    FACE_DATA_DIR=... python bench/embed_cache.py --cache /work/team/cache-accuracy [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CACHE, face_data_dir  # noqa: E402

FOLDERS = ("identities", "unknowns", "strangers_more", "distractors")
IMAGE_EXT = {".jpg", ".jpeg", ".png"}
VERSION = "v1"
_engine = None


def cache_file(cache_dir: Path) -> Path:
    return cache_dir / f"embeddings-{VERSION}.jsonl"


def all_photos(root: Path) -> list[str]:
    out = []
    for folder in FOLDERS:
        for person in sorted((root / folder).iterdir()):
            if person.is_dir():
                out.extend(
                    str(p.relative_to(root)) for p in sorted(person.iterdir()) if p.suffix.lower() in IMAGE_EXT
                )
    return out


def _init() -> None:
    global _engine
    from kiosk.vision.engine import FaceEngine

    _engine = FaceEngine().load(landmarks_68=True)


def embed_photo(args: tuple[str, str]) -> dict:
    """One cache record for ``rel`` under ``root`` (never raises: failures are recorded)."""
    root, rel = args
    from kiosk.errors import ImageError
    from kiosk.vision.enrol import _BACKGROUND_FACE_RATIO, ENROL_JITTER, ENROL_POINTS, find_faces_for_enrolment
    from kiosk.vision.image_io import load_image
    from kiosk.vision.quality import assess

    rec: dict = {"path": rel, "folder": rel.split("/")[0], "person": rel.split("/")[1]}
    try:
        rgb = load_image(str(Path(root) / rel))
    except ImageError as exc:
        rec["error"] = str(exc)
        return rec
    t0 = time.perf_counter()
    faces = find_faces_for_enrolment(_engine, rgb)
    rec["faces"] = len(faces)
    if not faces:
        return rec
    main = [d for d in faces if d.box.width >= _BACKGROUND_FACE_RATIO * faces[0].box.width]
    rec["main_faces"] = len(main)
    box = faces[0].box
    emb, marks = _engine.embed_with_landmarks(rgb, box, jitter=ENROL_JITTER, points=ENROL_POINTS)
    q = assess(rgb, box, marks.points)
    live = _engine.embed(rgb, [box])[0]
    rec.update(
        box=[box.left, box.top, box.right, box.bottom],
        face_px=q.face_px, sharpness=round(q.sharpness, 2), brightness=round(q.brightness, 1),
        yaw=round(q.yaw, 4), roll=round(q.roll_deg, 2), problems=list(q.problems),
        embedding=[round(float(x), 6) for x in emb], live=[round(float(x), 6) for x in live],
        seconds=round(time.perf_counter() - t0, 3),
    )
    return rec


def load(cache_dir: Path) -> dict[str, dict]:
    path = cache_file(cache_dir)
    out: dict[str, dict] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                rec = json.loads(line)
            except ValueError:  # a line torn by an interrupted run: that photo is embedded again
                continue
            out[rec["path"]] = rec
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("ACCURACY_CACHE", CACHE)))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    root = face_data_dir()
    args.cache.mkdir(parents=True, exist_ok=True)
    done = load(args.cache)
    todo = [p for p in all_photos(root) if p not in done]
    print(f"{len(done)} cached, {len(todo)} to embed", flush=True)
    t0 = time.perf_counter()
    with open(cache_file(args.cache), "a") as out, mp.get_context("spawn").Pool(args.workers, _init) as pool:
        for i, rec in enumerate(pool.imap_unordered(embed_photo, [(str(root), p) for p in todo], chunksize=4)):
            out.write(json.dumps(rec) + "\n")
            out.flush()
            if i % 50 == 0:
                print(f"{i + 1}/{len(todo)} {time.perf_counter() - t0:.0f}s", flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main()
