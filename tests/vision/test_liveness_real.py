"""Liveness on real faces: a replayed photo of Miranda never checks in; the real Hamilton clip does.

Miranda does not visibly blink in the clip's detected frames (his eyes' aspect ratio never falls below
0.7 of his own open level; see docs/benchmarks.md, section 6), so the clip is checked in through the second
cue, non-planar landmark motion, and the test says which cue it was.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.liveness import MOTIONS, attack_frame, photo_on_frame, read_video
from kiosk.core.gallery import Gallery, Person
from kiosk.core.liveness import LivenessSettings
from kiosk.core.matching import Matcher
from kiosk.core.pipeline import RecognitionPipeline
from kiosk.vision.enrol import sample_from_file
from kiosk.vision.image_io import load_image
from tests.vision.conftest import photo

pytestmark = pytest.mark.slow

HAMILTON = "video/hamilton_short_640x360.mp4"
FPS = 15.0


@pytest.fixture(scope="module")
def matcher(engine, face_data):
    people, rows, owners = [], [], []
    for pid, name, folder in (("miranda", "Lin-Manuel Miranda", "Lin_Manuel_Miranda"),
                              ("lacamoire", "Alex Lacamoire", "Alex_Lacamoire")):
        vectors = [s.embedding for p in sorted((face_data / "identities" / folder).iterdir())
                   if (s := sample_from_file(engine, str(p), jitter=1)).accepted]
        people.append(Person(pid, name))
        rows.extend(vectors)
        owners.extend([len(people) - 1] * len(vectors))
    return Matcher(Gallery(tuple(people), np.asarray(rows, np.float32), np.asarray(owners, np.int32)))


def replay(engine, matcher, frames, times):
    pipe = RecognitionPipeline(engine, matcher, liveness=LivenessSettings())
    confirmations, held = [], set()
    for i, (rgb, t) in enumerate(zip(frames, times, strict=True)):
        result = pipe.process(rgb, i, t)
        confirmations.extend(result.confirmations)
        held |= {f.person_id for f in result.frame.faces if f.hint == "Please blink"}
    return confirmations, held


@pytest.mark.parametrize("motion", ["still", "all"])
def test_a_replayed_photo_of_miranda_never_checks_in(engine, matcher, face_data, motion):
    assert "all" in MOTIONS  # shift, zoom, rotation and tilt at once
    base = photo_on_frame(load_image(photo(face_data, "Lin_Manuel_Miranda")))
    rng = np.random.default_rng(0)
    times = [i / FPS for i in range(int(3 * FPS))]
    confirmations, held = replay(engine, matcher, [attack_frame(base, motion, t, rng) for t in times], times)
    assert "miranda" in held  # the photo is recognised as Miranda and asked to blink ...
    assert confirmations == []  # ... but never checked in


def test_the_real_hamilton_clip_checks_miranda_in_once(engine, matcher, face_data):
    frames = read_video(face_data / HAMILTON, 60, 220)
    step = 2  # about 15 analysed frames a second
    times = [(60 + i) / 29.97 for i in range(0, len(frames), step)]
    confirmations, _ = replay(engine, matcher, frames[::step], times)
    miranda = [c for c in confirmations if c.match.person_id == "miranda"]
    # A face re-confirmed as the same person after a doubt is marked repeat (no greeting, no new row).
    greeted = [c for c in miranda if not c.repeat]
    assert len(greeted) == 1
    assert all(c.match.person_id == "miranda" for c in confirmations)
    c = greeted[0]
    assert c.live_cue in ("blink", "motion") and c.live_at is not None
    assert c.live_at - c.confirmed_at < 1.0  # liveness adds well under a second for a moving person
