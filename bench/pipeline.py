"""Throughput and per-frame latency: our pipeline vs the face_recognition library's loop, same frames.

Ours: ``RecognitionPipeline`` (HOG on a copy downsized to 480 px, IoU tracking, an embedding only when a
track is new or due for a re-check) on every frame, with the clip's own timestamps. Theirs: the
face_recognition README's loop, ``face_locations`` + ``face_encodings`` + ``compare_faces`` (tolerance
0.6) on every frame. Both enrol Lin-Manuel Miranda and Alex Lacamoire from identities/ the way each
library does; "people found" are the names each reports in at least two frames.

    .venv/bin/python bench/pipeline.py [--max-frames N] [--clips hamilton,street]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import types
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit, face_data_dir, machine  # noqa: E402
from kiosk.core.gallery import Gallery, GalleryEdit  # noqa: E402
from kiosk.core.matching import Matcher  # noqa: E402
from kiosk.core.pipeline import RecognitionPipeline  # noqa: E402
from kiosk.vision.engine import DetectorSettings, FaceEngine  # noqa: E402
from kiosk.vision.enrol import sample_from_file  # noqa: E402

CLIPS = {"hamilton": "hamilton_short_640x360.mp4", "street": "street_pedestrians_1920x1080.mp4"}
PEOPLE = {"Lin-Manuel Miranda": "Lin_Manuel_Miranda", "Alex Lacamoire": "Alex_Lacamoire"}


def read_frames(path: Path, limit: int) -> tuple[list[np.ndarray], float]:
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    frames = []
    while len(frames) < limit:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(np.ascontiguousarray(frame[:, :, ::-1]))
    cap.release()
    return frames, fps


def photos(root: Path, folder: str) -> list[Path]:
    return sorted((root / "identities" / folder).iterdir())


def import_face_recognition():
    """face_recognition's model package imports pkg_resources (gone in setuptools 82+): shim it if needed."""
    try:
        import pkg_resources  # noqa: F401
    except ImportError:
        spec = importlib.util.find_spec("face_recognition_models")
        base = Path(next(iter(spec.submodule_search_locations)))
        shim = types.ModuleType("pkg_resources")
        shim.resource_filename = lambda _pkg, name: str(base / name)
        sys.modules["pkg_resources"] = shim
    import face_recognition

    return face_recognition


def run_ours(frames, fps, root: Path, live_width: int = 480) -> dict:
    engine = FaceEngine(settings=DetectorSettings(live_width=live_width)).load()
    edit = GalleryEdit(Gallery())
    for name, folder in PEOPLE.items():
        samples = [sample_from_file(engine, str(p)) for p in photos(root, folder)]
        edit.add_person(name, np.stack([s.embedding for s in samples if s.accepted]), person_id=folder)
    pipeline = RecognitionPipeline(engine, Matcher(edit.snapshot()))
    latencies, seen, faces = [], {}, 0
    t0 = time.perf_counter()
    for i, rgb in enumerate(frames):
        s = time.perf_counter()
        result = pipeline.process(rgb, i, i / fps)
        latencies.append((time.perf_counter() - s) * 1000.0)
        faces += len(result.frame.faces)
        for face in result.frame.faces:
            if face.state == "confirmed":
                seen[face.name] = seen.get(face.name, 0) + 1
    total = time.perf_counter() - t0
    return summarise(latencies, total, seen, faces)


def run_theirs(frames, root: Path) -> dict:
    fr = import_face_recognition()
    known, names = [], []
    for name, folder in PEOPLE.items():
        for p in photos(root, folder):
            enc = fr.face_encodings(fr.load_image_file(str(p)))
            if enc:
                known.append(enc[0])
                names.append(name)
    latencies, seen, faces = [], {}, 0
    t0 = time.perf_counter()
    for rgb in frames:
        s = time.perf_counter()
        locations = fr.face_locations(rgb)
        faces += len(locations)
        for enc in fr.face_encodings(rgb, locations):
            hits = fr.compare_faces(known, enc, tolerance=0.6)
            if any(hits):
                best = int(np.argmin(fr.face_distance(known, enc)))
                seen[names[best]] = seen.get(names[best], 0) + 1
        latencies.append((time.perf_counter() - s) * 1000.0)
    total = time.perf_counter() - t0
    return summarise(latencies, total, seen, faces)


def summarise(latencies: list[float], total: float, seen: dict[str, int], faces: int) -> dict:
    return {
        "face_boxes": faces,
        "frames": len(latencies),
        "fps": round(len(latencies) / total, 2),
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 1),
        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 1),
        "latency_ms_max": round(float(max(latencies)), 1),
        "people_found": sorted(n for n, c in seen.items() if c >= 2),
        "frames_with_name": seen,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", default="hamilton,street")
    ap.add_argument("--max-frames", type=int, default=0, help="per clip (0: all)")
    ap.add_argument("--street-frames", type=int, default=40, help="frames of the 1080p street clip")
    ap.add_argument("--live-width", type=int, default=480, help="our detection width (the kiosk's setting)")
    ap.add_argument("--ours-only", action="store_true", help="skip the face_recognition loop")
    args = ap.parse_args()
    root = face_data_dir()
    out = {"benchmark": "pipeline", "machine": machine(), "clips": {}}
    for key in args.clips.split(","):
        limit = args.max_frames or (args.street_frames if key == "street" else 10**6)
        frames, fps = read_frames(root / "video" / CLIPS[key], limit)
        ours = run_ours(frames, fps, root, args.live_width)
        clip = {"file": CLIPS[key], "resolution": f"{frames[0].shape[1]}x{frames[0].shape[0]}", "frames": len(frames),
                "live_width": args.live_width, "ours": ours}
        if not args.ours_only:
            clip["face_recognition_loop"] = theirs = run_theirs(frames, root)
            clip["throughput_ratio"] = round(ours["fps"] / theirs["fps"], 1)
        out["clips"][key] = clip
    emit(out)


if __name__ == "__main__":
    main()
