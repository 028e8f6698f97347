"""How well the tracker's cheap appearance cues tell a swap of faces from the same face a moment later.

Three sets of frame pairs, each face found by the live detector (largest face) and cut into a chip
(``kiosk.core.appearance.face_chip``):

* ``swap``: 40 LFW people and 10 strangers one after another at the same spot with no gap
  (``bench.clips.queue``): the last frame of one person (0.15 s before the change) against the first of
  the next (0.02 s after);
* ``same_photo``: the same person 0.13 s apart (the still photo drifting a little);
* ``same_video``: the real Hamilton clip (Lin-Manuel Miranda, stage light), frames 3 and 5 apart.

A pair is *doubted* as the tracker would (``kiosk.core.tracking.Tracker._change``): grey correlation under
the floor, or colour of the face's middle moved past ``chip_chroma`` or ``chip_bright``. The floor depends
on the track's usual frame-to-frame correlation, which this script does not follow over time: it takes a
still photo's usual level as 0.96 and the lively clip's as 0.82 (the medians measured here are printed).

    FACE_DATA_DIR=../shared/data/faces .venv/bin/python -m bench.swap_cues
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import clips  # noqa: E402
from bench.common import emit, face_data_dir, machine  # noqa: E402
from kiosk.core.appearance import chip_similarity, colour_change, face_chip  # noqa: E402
from kiosk.core.tracking import TrackingSettings  # noqa: E402
from kiosk.vision.engine import FaceEngine  # noqa: E402

HAMILTON = ("video/hamilton_short_640x360.mp4", 82, 211)
USUAL = {"swap": 0.96, "same_photo": 0.96, "same_video": 0.82}


def _chip(engine, rgb):
    found = engine.detect_live(rgb)
    if not found:
        return None
    return face_chip(rgb, max(found, key=lambda d: d.box.area).box)


def _pair(older, newer) -> tuple[float, float, float] | None:
    if older is None or newer is None:
        return None
    chroma, bright = colour_change(newer, older)
    return chip_similarity(newer, older), chroma, bright


def _doubted(pair: tuple[float, float, float], usual: float, s: TrackingSettings) -> bool:
    grey, chroma, bright = pair
    floor = max(s.chip_step, usual - min(s.chip_drop, s.chip_still * (1.0 - usual)))
    return grey < floor or chroma > s.chip_chroma or bright > s.chip_bright


def main() -> None:
    root = face_data_dir()
    engine = FaceEngine().load()
    people = clips.lfw_people(root, 40) + clips.strangers(root, 10)
    clip = clips.queue(people, 0.0, dwell_s=1.0)
    pairs: dict[str, list] = {"swap": [], "same_photo": [], "same_video": []}
    for a, b in zip(clip.appearances, clip.appearances[1:], strict=False):
        before = _chip(engine, clip.render(int((a.end - 0.15) * clip.fps)))
        pairs["swap"].append(_pair(before, _chip(engine, clip.render(int((b.start + 0.02) * clip.fps)))))
        pairs["same_photo"].append(_pair(before, _chip(engine, clip.render(int((a.end - 0.02) * clip.fps)))))
    cap = cv2.VideoCapture(str(root / HAMILTON[0]))
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(np.ascontiguousarray(bgr[..., ::-1]))
    for step in (3, 5):
        chips = [_chip(engine, frames[i]) for i in range(HAMILTON[1], HAMILTON[2], step)]
        pairs["same_video"] += [_pair(x, y) for x, y in zip(chips, chips[1:], strict=False)]
    s = TrackingSettings()
    result = {"benchmark": "swap_cues", "machine": machine(), "usual_level_assumed": USUAL}
    for name, found in pairs.items():
        kept = np.array([p for p in found if p is not None])
        doubted = [_doubted(tuple(p), USUAL[name], s) for p in kept]
        grey_only = [p[0] < max(s.chip_step, USUAL[name] - s.chip_drop) for p in kept]
        result[name] = {
            "pairs": len(kept),
            "doubted": int(sum(doubted)),
            "doubted_by_grey_at_the_old_floor": int(sum(grey_only)),
            "grey_median": round(float(np.median(kept[:, 0])), 3),
            "chroma_max": round(float(kept[:, 1].max()), 4),
            "bright_max": round(float(kept[:, 2].max()), 3),
        }
    emit(result)


if __name__ == "__main__":
    main()
