"""A busy entrance: queues, swaps and groups built from real photos, run through the real pipeline.

Each clip is replayed the way the kiosk runs (newest frame wins, the screen shows the last answer) with
the real dlib models; how long each analysis takes comes from a fixed cost model (bench/replay.py), so
the outcome does not depend on how busy the machine is. Clips are rendered on the fly, never stored.
"""

import pytest

from bench.clips import Person, lfw_people, one_after_another, queue, strangers, together
from bench.replay import enrol, recognised_alone, replay
from kiosk.core.liveness import LivenessSettings
from kiosk.core.matching import Matcher
from kiosk.core.pipeline import RecognitionPipeline
from kiosk.vision.engine import FaceEngine

pytestmark = pytest.mark.slow

HAMILTON = "video/hamilton_short_640x360.mp4"

WRONG_NAME_LIMIT_S = 0.25


def miranda(face_data) -> Person:
    """Lin-Manuel Miranda as the Hamilton clip shows him (a live, moving face), enrolled from his photos."""
    photos = tuple(sorted((face_data / "identities" / "Lin_Manuel_Miranda").iterdir()))
    return Person("miranda", "Lin-Manuel Miranda", face_data / HAMILTON, photos, frames=(82, 210))


@pytest.fixture(scope="module")
def kiosk(face_data):
    """The engine, a matcher over 9 enrolled people (3 photos each) and Miranda, the enrolled people whose
    clip photo is recognised on its own (the queue is under test here, not accuracy), and two strangers."""
    engine = FaceEngine().load(landmarks_68=True)
    people = lfw_people(face_data, 9)
    matcher = Matcher(enrol(engine, [*people, miranda(face_data)]))
    usable = [p for p in people if recognised_alone(engine, matcher, p)]
    assert len(usable) >= 6, "too few of the shared photos are recognised to build queue clips"
    return engine, matcher, usable, strangers(face_data, 2)


def run(kiosk, clip):
    """The kiosk's pipeline as the worker builds it (far pass on, liveness off: these are photos)."""
    engine, matcher, _, _ = kiosk
    return replay(RecognitionPipeline(engine, matcher, far=True), clip)


def assert_each_once_no_stranger_no_lasting_wrong_name(score):
    assert score.checked_in() == {pid: 1 for pid in score.enrolled}, score.summary()
    assert score.strangers_checked_in() == []
    assert score.longest_wrong_s() <= WRONG_NAME_LIMIT_S, score.wrong


def test_a_queue_with_gaps_of_0_to_0_67_s_checks_everyone_in_once_and_never_a_stranger(kiosk):
    _, _, people, strange = kiosk
    # Gaps in turn: none (the next face where the last one was), 0.2 s, 0.33 s, 0.67 s, and none again.
    lineup = [people[0], people[1], strange[0], people[2], people[3], people[4], strange[1]]
    clip = queue(lineup, [0.0, 0.2, 0.33, 0.67, 0.0, 0.2], dwell_s=1.4)
    score = run(kiosk, clip)
    assert_each_once_no_stranger_no_lasting_wrong_name(score)
    assert len(score.enrolled) == 5


def test_one_person_replaced_by_another_in_the_same_spot_loses_the_name_at_once(kiosk):
    _, _, people, _ = kiosk
    clip = queue([people[5], people[0], people[5]], 0.0, dwell_s=1.5)
    score = run(kiosk, clip)
    # The first person comes back after the swap: still one row for them, and no name lingers.
    assert_each_once_no_stranger_no_lasting_wrong_name(score)
    assert score.repeats >= 1  # recognised again on their return, and not written twice


def test_two_people_side_by_side_are_each_checked_in(kiosk):
    _, _, people, _ = kiosk
    score = run(kiosk, together([people[1], people[2]], dwell_s=2.0))
    assert_each_once_no_stranger_no_lasting_wrong_name(score)


def test_a_group_of_four_is_all_checked_in_within_two_seconds(kiosk):
    _, _, people, _ = kiosk
    clip = together(people[:4], dwell_s=3.0)
    score = run(kiosk, clip)
    assert_each_once_no_stranger_no_lasting_wrong_name(score)
    assert max(score.confirm_s()) <= 2.0, score.summary()


@pytest.mark.parametrize("live_first", [False, True], ids=["photo-then-live", "live-then-photo"])
def test_with_liveness_on_each_face_needs_its_own_motion_in_a_queue(kiosk, face_data, live_first):
    """An enrolled person's photo and Miranda (live) take turns at the same spot with no gap: Miranda is
    checked in on his own motion; the photo, recognised but never live, is never checked in, whether its
    track was there before Miranda (his motion must not release its held name) or after him."""
    engine, matcher, people, _ = kiosk
    live, photo = (miranda(face_data), 4.0, 0.0, 16 / 9), (people[0], 1.5, 0.0, 1.0)
    clip = one_after_another([live, photo] if live_first else [photo, live], size=(640, 360))
    score = replay(RecognitionPipeline(engine, matcher, far=True, liveness=LivenessSettings()), clip)
    assert score.checked_in() == {"miranda": 1}, score.summary()
    assert score.longest_wrong_s() <= WRONG_NAME_LIMIT_S, score.wrong


def test_a_face_of_about_48_px_is_found_on_the_live_path_and_carried_from_frame_to_frame(kiosk):
    """A person a few metres away: the 480-px live copy cannot see a 50-px face, the far pass does (one
    tile every other frame), and the tracked face is then searched for every frame."""
    engine, matcher, people, _ = kiosk
    clip = queue([people[0]], 0.0, dwell_s=1.0, lead_s=0.0, height=0.23)
    seen = {}
    for far in (False, True):
        pipe = RecognitionPipeline(engine, Matcher(matcher.gallery), far=far)
        faces = [pipe.process(clip.render(i), i, i / clip.fps).frame.faces for i in range(20)]
        seen[far] = [max(f.box.height for f in fs) for fs in faces if fs]
    assert seen[False] == []
    assert len(seen[True]) >= 15 and max(seen[True]) <= 60, seen[True]
