"""Liveness: photo attacks accepted (APCER), real faces refused (BPCER), and the delay liveness adds.

Gallery: a seeded sample of people under identities/ (always including Lin-Manuel Miranda), each enrolled
from up to 3 of their photos through the production enrolment path (unjittered, for speed).

Attacks: each sampled person's first photo, the same photo that was enrolled (the strongest attack: an
attacker holding the enrolment photo), pasted on a 640x360 grey frame at about 300 px high (a face of
about 120 px) and replayed for ``--seconds`` as a video, generated in memory with OpenCV warps: still,
shift (+-12 px), zoom (+-8 %), rotation (+-5 deg), tilt (+-12 deg out of plane, a perspective warp, as a held
print or a tilted phone shows) and all of them at once; every frame gets sensor noise (sigma 2 levels), so
even a still photo is not bit-identical from frame to frame. APCER = share of these presentations that
produce a check-in (a released confirmation). The share that reached the liveness gate (identity confirmed
and held) is reported too, so a low APCER cannot come from attacks that were simply not recognised.

Real faces: windows of the Hamilton clip (Miranda in close-up, frames 82-210) from start frames 60, 70, ...,
150 to frame 220, each through a fresh pipeline. BPCER = share of windows in which Miranda's identity was
confirmed but no check-in was released by the window's end. Delay = live_at - confirmed_at (0 when the face
was live before its identity settled), in ms and analysed frames. Lacamoire (frames 0-19) is not detected by
the live path (faces at the piano are too small at 480 px), so he gives no real window.

Every run uses the real FaceEngine and RecognitionPipeline with liveness on, analysing ``--fps`` frames a
second of video time (the kiosk analyses 10-20 a second on this machine).

    .venv/bin/python bench/liveness.py [--people 30] [--seconds 3] [--fps 15]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit, face_data_dir, machine  # noqa: E402
from kiosk.core.gallery import Gallery, Person  # noqa: E402
from kiosk.core.liveness import LivenessSettings  # noqa: E402
from kiosk.core.matching import Matcher  # noqa: E402
from kiosk.core.pipeline import RecognitionPipeline  # noqa: E402
from kiosk.vision.engine import FaceEngine  # noqa: E402
from kiosk.vision.enrol import sample_from_file  # noqa: E402
from kiosk.vision.image_io import load_image  # noqa: E402

HAMILTON = "video/hamilton_short_640x360.mp4"
MIRANDA = "Lin_Manuel_Miranda"
MOTIONS = ("still", "shift", "zoom", "rotation", "tilt", "all")
IMAGE_EXT = {".jpg", ".jpeg", ".png"}
FRAME_W, FRAME_H = 640, 360


def _photos(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXT)


def sample_people(root: Path, n: int, seed: int = 7) -> list[str]:
    names = sorted(p.name for p in (root / "identities").iterdir() if p.is_dir())
    rng = np.random.default_rng(seed)
    others = [x for x in names if x != MIRANDA]
    picked = list(rng.choice(others, size=min(n - 1, len(others)), replace=False))
    return [MIRANDA, *sorted(picked)]


def enrol(engine: FaceEngine, root: Path, names: list[str]) -> Gallery:
    people, rows, owners = [], [], []
    for name in names:
        vectors = [s.embedding for p in _photos(root / "identities" / name)[:3]
                   if (s := sample_from_file(engine, str(p), jitter=0)).accepted]
        if not vectors:
            continue
        people.append(Person(name.lower(), name))
        rows.extend(vectors)
        owners.extend([len(people) - 1] * len(vectors))
    return Gallery(tuple(people), np.asarray(rows, np.float32), np.asarray(owners, np.int32))


def photo_on_frame(rgb: np.ndarray) -> np.ndarray:
    scale = 300.0 / rgb.shape[0]
    img = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    img = img[:, : FRAME_W - 20]
    canvas = np.full((FRAME_H, FRAME_W, 3), 90, np.uint8)
    y0, x0 = (FRAME_H - img.shape[0]) // 2, (FRAME_W - img.shape[1]) // 2
    canvas[y0 : y0 + img.shape[0], x0 : x0 + img.shape[1]] = img
    return canvas


def attack_frame(base: np.ndarray, motion: str, t: float, rng: np.random.Generator) -> np.ndarray:
    """The photo frame ``base`` as the camera sees it at ``t`` s into a presentation with ``motion``."""
    phase = np.sin(2 * np.pi * 0.5 * t)  # one slow sway every 2 s
    dx = dy = angle = tilt = 0.0
    zoom = 1.0
    if motion in ("shift", "all"):
        dx, dy = 12 * phase, 6 * np.cos(2 * np.pi * 0.5 * t)
    if motion in ("zoom", "all"):
        zoom = 1 + 0.08 * phase
    if motion in ("rotation", "all"):
        angle = 5 * phase
    if motion in ("tilt", "all"):
        tilt = np.deg2rad(12 * phase)
    m = cv2.getRotationMatrix2D((FRAME_W / 2, FRAME_H / 2), angle, zoom)
    m[0, 2] += dx
    m[1, 2] += dy
    frame = cv2.warpAffine(base, m, (FRAME_W, FRAME_H), borderValue=(90, 90, 90))
    if tilt:
        f = 600.0  # focal length in pixels: a webcam's field of view
        src = np.float32([[0, 0], [FRAME_W, 0], [FRAME_W, FRAME_H], [0, FRAME_H]])
        x = src[:, 0] - FRAME_W / 2
        depth = f + x * np.sin(tilt)
        dst = np.float32(np.c_[FRAME_W / 2 + x * np.cos(tilt) * f / depth,
                               FRAME_H / 2 + (src[:, 1] - FRAME_H / 2) * f / depth])
        frame = cv2.warpPerspective(frame, cv2.getPerspectiveTransform(src, dst), (FRAME_W, FRAME_H),
                                    borderValue=(90, 90, 90))
    noisy = frame.astype(np.int16) + rng.normal(0, 2, frame.shape).astype(np.int16)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def run_frames(engine, matcher, frames, times, settings: LivenessSettings) -> dict:
    """One presentation through a fresh pipeline: what was confirmed, held, released; costs."""
    pipe = RecognitionPipeline(engine, matcher, liveness=settings)
    held = {}
    released = []
    states = {}
    landmark_ms = []
    for i, (rgb, t) in enumerate(zip(frames, times, strict=True)):
        r = pipe.process(rgb, i, t)
        for track in pipe.tracker.tracks:
            states[track.track_id] = track.liveness
            if track.confirmed is not None and track.track_id not in held:
                held[track.track_id] = (track.confirmed.person_id, track.confirmed_at, i)
        for c in r.confirmations:
            released.append((c, i))
        if r.landmarks_computed:
            landmark_ms.append(r.liveness_ms / r.landmarks_computed)
    return {"held": held, "released": released, "states": states, "landmark_ms": landmark_ms}


def attacks(engine, matcher, root, names, seconds, fps, settings) -> dict:
    rng = np.random.default_rng(0)
    per_motion = {m: {"presentations": 0, "recognised": 0, "accepted": 0} for m in MOTIONS}
    accepted, residuals, landmark_ms = [], [], []
    times = [i / fps for i in range(int(seconds * fps))]
    for name in names:
        base = photo_on_frame(load_image(_photos(root / "identities" / name)[0]))
        for motion in MOTIONS:
            frames = [attack_frame(base, motion, t, rng) for t in times]
            out = run_frames(engine, matcher, frames, times, settings)
            row = per_motion[motion]
            row["presentations"] += 1
            row["recognised"] += any(pid == name.lower() for pid, _, _ in out["held"].values())
            row["accepted"] += len(out["released"]) > 0
            if out["released"]:
                accepted.append({"person": name, "motion": motion,
                                 "cues": [c.live_cue for c, _ in out["released"]]})
            residuals.extend(s.peak_residual for s in out["states"].values() if s is not None and s.frames > 1)
            landmark_ms.extend(out["landmark_ms"])
    total = sum(r["presentations"] for r in per_motion.values())
    n_acc = sum(r["accepted"] for r in per_motion.values())
    n_rec = sum(r["recognised"] for r in per_motion.values())
    return {
        "presentations": total, "recognised_and_held": n_rec, "accepted": n_acc,
        "apcer": n_acc / total if total else None,
        "apcer_among_recognised": n_acc / n_rec if n_rec else None,
        "per_motion": per_motion, "accepted_cases": accepted,
        "peak_planar_residual": _dist(residuals), "landmark_ms_per_face": _dist(landmark_ms),
    }


def read_video(path: Path, first: int, last: int) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames, i = [], 0
    while i <= last:
        ok, bgr = cap.read()
        if not ok:
            break
        if i >= first:
            frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        i += 1
    cap.release()
    return frames


def real(engine, matcher, root, fps, settings) -> dict:
    video_fps = 29.97
    clip = read_video(root / HAMILTON, 0, 220)
    step = max(1, round(video_fps / fps))
    windows, delays_ms, delays_frames, residuals = [], [], [], []
    for start in range(60, 160, 10):
        idx = list(range(start, 221, step))
        times = [i / video_fps for i in idx]
        out = run_frames(engine, matcher, [clip[i] for i in idx], times, settings)
        confirmed = [v for v in out["held"].values() if v[0] == "lin_manuel_miranda"]
        released = [(c, k) for c, k in out["released"] if c.match.person_id == "lin_manuel_miranda"]
        w = {"start": start, "identity_confirmed": bool(confirmed), "checked_in": bool(released)}
        if released:
            c, k = released[0]
            delay = max(0.0, c.live_at - c.confirmed_at)
            held_frame = next(v[2] for v in confirmed)
            w.update(cue=c.live_cue, delay_ms=round(delay * 1000), delay_frames=k - held_frame,
                     identity_frame=idx[held_frame], live_frame=idx[k])
            delays_ms.append(delay * 1000)
            delays_frames.append(k - held_frame)
        residuals.extend(s.peak_residual for s in out["states"].values() if s is not None and s.frames > 1)
        windows.append(w)
    confirmed = [w for w in windows if w["identity_confirmed"]]
    refused = [w for w in confirmed if not w["checked_in"]]
    return {
        "clip": HAMILTON, "windows": windows, "analysed_fps": video_fps / step,
        "bpcer": len(refused) / len(confirmed) if confirmed else None,
        "windows_with_identity": len(confirmed), "refused": len(refused),
        "added_delay_ms": _dist(delays_ms), "added_delay_frames": _dist(delays_frames),
        "cues": {c: sum(1 for w in windows if w.get("cue") == c) for c in ("blink", "motion")},
        "peak_planar_residual": _dist(residuals),
    }


def _dist(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    a = np.asarray(values, dtype=np.float64)
    return {"n": len(a), "median": round(float(np.median(a)), 4), "p95": round(float(np.percentile(a, 95)), 4),
            "min": round(float(a.min()), 4), "max": round(float(a.max()), 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--fps", type=float, default=15.0, help="analysed frames per second of video")
    ap.add_argument("--no-motion-cue", action="store_true", help="blinks only")
    args = ap.parse_args()
    root = face_data_dir()
    settings = LivenessSettings(motion=not args.no_motion_cue)
    engine = FaceEngine().load(landmarks_68=True)
    names = sample_people(root, args.people)
    t0 = time.perf_counter()
    matcher = Matcher(enrol(engine, root, names))
    t1 = time.perf_counter()
    attack = attacks(engine, matcher, root, names, args.seconds, args.fps, settings)
    t2 = time.perf_counter()
    genuine = real(engine, matcher, root, args.fps, settings)
    t3 = time.perf_counter()
    emit({
        "benchmark": "liveness", "machine": machine(),
        "command": "bench/liveness.py " + " ".join(sys.argv[1:]),
        "settings": {f: getattr(settings, f) for f in settings.__dataclass_fields__},
        "people": len(matcher.gallery.people), "seconds_per_attack": args.seconds, "analysed_fps": args.fps,
        "attacks": attack, "real": genuine,
        "wall_s": {"enrol": round(t1 - t0, 1), "attacks": round(t2 - t1, 1), "real": round(t3 - t2, 1)},
    })


if __name__ == "__main__":
    main()
