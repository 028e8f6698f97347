from kiosk.core.tracking import Tracker, TrackingSettings
from kiosk.core.types import Box, Detection, Match

ADA = Match("ada", "Ada", 0.3, 0.2)
BOB = Match("bob", "Bob", 0.35, 0.2)
UNKNOWN = Match(None, None, 0.7, 0.0)


def det(x: int) -> Detection:
    return Detection(Box(x, 10, x + 100, 110), 1.0)


def test_a_moving_face_keeps_its_track_id():
    t = Tracker()
    first = t.update([det(0)], 0.0)[0].track_id
    assert t.update([det(10)], 0.1)[0].track_id == first
    assert t.update([det(20)], 0.2)[0].track_id == first


def test_a_new_face_far_away_gets_a_new_track_and_lost_tracks_expire():
    t = Tracker(TrackingSettings(max_missed_s=0.5))
    a = t.update([det(0)], 0.0)[0].track_id
    b = [x.track_id for x in t.update([det(0), det(400)], 0.1)]
    assert a in b and len(set(b)) == 2
    t.update([], 1.0)
    assert t.tracks == []


def test_identity_is_confirmed_only_after_agreeing_votes():
    t = Tracker(TrackingSettings(confirm_votes=2))
    track = t.update([det(0)], 0.0)[0]
    assert not t.add_vote(track, ADA, 0.0)
    assert track.result().state == "pending"
    assert t.add_vote(track, ADA, 0.2)
    assert track.result().state == "confirmed" and track.result().name == "Ada"
    assert not t.add_vote(track, ADA, 3.5)  # a re-check that agrees is not a new confirmation


def test_disagreeing_votes_do_not_confirm():
    t = Tracker(TrackingSettings(confirm_votes=2))
    track = t.update([det(0)], 0.0)[0]
    for i, m in enumerate([ADA, BOB, ADA, BOB]):
        assert not t.add_vote(track, m, i * 0.2)
    assert track.confirmed is None


def test_repeated_unknown_votes_label_the_track_unknown():
    t = Tracker(TrackingSettings(unknown_votes=3))
    track = t.update([det(0)], 0.0)[0]
    for i in range(3):
        t.add_vote(track, UNKNOWN, i * 0.2)
    assert track.result().state == "unknown"


def test_embedding_schedule_new_then_retry_then_recheck():
    s = TrackingSettings(retry_s=0.15, recheck_s=3.0, confirm_votes=2)
    t = Tracker(s)
    track = t.update([det(0)], 0.0)[0]
    assert t.needs_embedding(track, 0.0)
    t.add_vote(track, ADA, 0.0)
    assert not t.needs_embedding(track, 0.1)
    assert t.needs_embedding(track, 0.16)
    t.add_vote(track, ADA, 0.16)
    assert not t.needs_embedding(track, 1.0)
    assert t.needs_embedding(track, 3.2)
