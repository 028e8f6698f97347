""""Not you?" blocks one identity on one track; other tracks and other people are unaffected."""

from __future__ import annotations

from kiosk.core.tracking import Tracker
from kiosk.core.types import Box, Detection, Match

ANN = Match("ann", "Ann", 0.35, 0.2)
BOB = Match("bob", "Bob", 0.36, 0.2)


def test_a_blocked_identity_is_never_confirmed_again_on_that_track_but_another_can_be():
    tracker = Tracker()
    track = tracker.update([Detection(Box(0, 0, 100, 100), 1.0)], 0.0)[0]
    assert not tracker.add_vote(track, ANN, 0.0).confirmed
    assert tracker.add_vote(track, ANN, 0.2).confirmed
    assert tracker.block(track.track_id, "ann")
    assert track.confirmed is None and tracker.needs_embedding(track, 0.3)
    for i in range(5):
        assert not tracker.add_vote(track, ANN, 0.4 + i * 0.2).confirmed
    assert track.confirmed is None and track.result().state == "unknown"
    assert not tracker.add_vote(track, BOB, 2.0).confirmed and tracker.add_vote(track, BOB, 2.2).confirmed
    assert track.confirmed.person_id == "bob"


def test_blocking_a_track_that_is_gone_says_so_and_new_tracks_start_afresh():
    tracker = Tracker()
    first = tracker.update([Detection(Box(0, 0, 100, 100), 1.0)], 0.0)[0]
    assert not tracker.block(first.track_id + 1, "ann")
    tracker.block(first.track_id, "ann")
    tracker.update([], 5.0)  # the person walked away
    second = tracker.update([Detection(Box(0, 0, 100, 100), 1.0)], 6.0)[0]
    assert second.track_id != first.track_id
    tracker.add_vote(second, ANN, 6.0)
    assert tracker.add_vote(second, ANN, 6.2).confirmed
