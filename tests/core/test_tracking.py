import numpy as np

from kiosk.core.appearance import CONTEXT, CORE, Chip
from kiosk.core.liveness import LivenessSettings
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
    assert not t.add_vote(track, ADA, 0.0).confirmed
    assert track.result().state == "pending"
    assert t.add_vote(track, ADA, 0.2).confirmed
    assert track.result().state == "confirmed" and track.result().name == "Ada"
    assert not t.add_vote(track, ADA, 3.5).confirmed  # a re-check that agrees is not a new confirmation


def test_one_decisive_look_confirms_at_once_unless_another_person_was_named():
    decisive = Match("ada", "Ada", 0.25, 0.3, decisive=True)
    t = Tracker(TrackingSettings(confirm_votes=2))
    track = t.update([det(0)], 0.0)[0]
    assert t.add_vote(track, decisive, 0.0).confirmed
    assert track.result().name == "Ada" and track.confirmed_at == 0.0
    other = t.update([det(0), det(400)], 0.1)[1]
    assert not t.add_vote(other, BOB, 0.1).confirmed
    assert not t.add_vote(other, decisive, 0.2).confirmed  # Bob named in the window: the vote decides
    assert other.confirmed is None


def test_disagreeing_votes_do_not_confirm():
    t = Tracker(TrackingSettings(confirm_votes=2))
    track = t.update([det(0)], 0.0)[0]
    for i, m in enumerate([ADA, BOB, ADA, BOB]):
        assert not t.add_vote(track, m, i * 0.2).confirmed
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


# -- a track's name belongs to a face, not to a box --------------------------------------------------------
def vec(seed: int) -> np.ndarray:
    """A unit vector per face (different seeds: about 1.4 apart, far beyond one face's spread)."""
    v = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return v / np.linalg.norm(v)


def chip(seed: int, colour: tuple[float, float, float] = (0.4, 0.33, 120.0)) -> Chip:
    """A face chip per face: its core is the middle of its context, so it matches itself at 1.0."""
    context = np.random.default_rng(1000 + seed).normal(size=(CORE + 2 * CONTEXT,) * 2).astype(np.float32)
    core = context[CONTEXT:-CONTEXT, CONTEXT:-CONTEXT].ravel()
    core = (core - core.mean()) / core.std()
    return Chip(np.stack([core] * 3), context, colour)


def confirmed_ada(t: Tracker, x: int = 0, face: int = 1):
    track = t.update([det(x)], 0.0, [chip(face)])[0]
    t.add_vote(track, ADA, 0.0, vec(face))
    assert t.add_vote(track, ADA, 0.1, vec(face)).confirmed
    return track


def test_after_a_miss_the_name_is_hidden_until_an_embedding_agrees():
    t = Tracker()
    track = confirmed_ada(t)
    t.update([], 0.2)
    again = t.update([det(0)], 0.3, [chip(1)])[0]
    assert again.track_id == track.track_id
    assert again.result().name is None and again.result().state == "pending"
    assert t.embedding_order([again], 0.3) == [again]  # embedded at once, recheck interval or not
    vote = t.add_vote(again, ADA, 0.35, vec(1) + 0.01)
    assert not vote.restarted and not vote.confirmed  # the same person: no second check-in
    assert again.result().state == "confirmed" and again.result().name == "Ada"


def test_a_face_of_another_colour_in_the_same_box_loses_the_name_even_when_grey_correlation_holds():
    t = Tracker()
    confirmed_ada(t)
    assert t.update([det(0)], 0.2, [chip(1, (0.41, 0.33, 125.0))])[0].result().name == "Ada"  # light drift
    tinted = t.update([det(0)], 0.3, [chip(1, (0.46, 0.31, 125.0))])[0]
    assert tinted.suspect == "look" and tinted.result().name is None
    t2 = Tracker()
    confirmed_ada(t2)
    darker = t2.update([det(0)], 0.2, [chip(1, (0.4, 0.33, 80.0))])[0]  # log(120 / 80) = 0.41
    assert darker.suspect == "look"


def test_a_jump_in_box_position_or_size_hides_the_name():
    t = Tracker()
    confirmed_ada(t)
    moved = t.update([Detection(Box(45, 10, 145, 110), 1.0)], 0.2, [chip(1)])[0]  # IoU 0.38: same track
    assert moved.suspect == "jump" and moved.result().name is None
    t2 = Tracker()
    confirmed_ada(t2)
    grown = t2.update([Detection(Box(-20, -10, 130, 140), 1.0)], 0.2, [chip(1)])[0]
    assert grown.suspect == "jump" and grown.result().name is None


def test_another_face_in_the_same_box_loses_the_name_and_gets_a_new_track():
    t = Tracker()
    ada = confirmed_ada(t)
    same_box = t.update([det(0)], 0.2, [chip(1)])[0]
    assert same_box.result().name == "Ada"  # the same chip: no doubt
    swapped = t.update([det(0)], 0.25, [chip(2)])[0]
    assert swapped.track_id == ada.track_id and swapped.suspect == "look"
    assert swapped.result().name is None and t.hidden_now == 1
    vote = t.add_vote(swapped, BOB, 0.3, vec(2))
    assert vote.restarted and vote.track.track_id != ada.track_id and not vote.confirmed
    assert vote.track.result().name is None and list(vote.track.votes) == [BOB]
    assert t.add_vote(vote.track, BOB, 0.4, vec(2)).confirmed
    assert vote.track.result().name == "Bob" and [x.track_id for x in t.tracks] == [vote.track.track_id]


def test_a_routine_recheck_naming_nobody_ends_the_track():
    t = Tracker(TrackingSettings(recheck_s=0.2))
    ada = confirmed_ada(t)
    t.update([det(0)], 0.25, [chip(1)])
    assert t.embedding_order(t.tracks, 0.25) == []  # checked 0.15 s ago
    t.update([det(0)], 0.35, [chip(1)])
    assert t.embedding_order(t.tracks, 0.35) == [ada]  # 0.25 s since the last embedding
    doubt = t.add_vote(ada, UNKNOWN, 0.35, vec(1))  # the same face, unrecognised once: name hidden
    assert not doubt.restarted and ada.result().name is None and t.embedding_order([ada], 0.36) == [ada]
    vote = t.add_vote(ada, UNKNOWN, 0.4, vec(1))  # and again: the track ends
    assert vote.restarted and vote.track.result().name is None
    assert vote.track.replaces == ADA  # the same face, unrecognised twice


def test_a_face_unrecognised_once_gets_its_name_back_when_the_next_look_names_it():
    t = Tracker()
    ada = confirmed_ada(t)
    t.add_vote(ada, UNKNOWN, 0.3, vec(1))
    vote = t.add_vote(ada, ADA, 0.4, vec(1))
    assert not vote.restarted and not vote.confirmed  # no second check-in
    assert ada.result().name == "Ada"


def test_a_recheck_naming_nobody_on_a_different_looking_face_ends_the_track_at_once():
    t = Tracker()
    ada = confirmed_ada(t)
    vote = t.add_vote(ada, UNKNOWN, 0.3, vec(1) + 0.05 * vec(9))  # 0.05 apart: same face
    assert not vote.restarted
    t2 = Tracker()
    ada2 = confirmed_ada(t2)
    far = vec(1) * 0.8 + vec(9) * 0.6  # 0.6 apart: not clearly the same face, not far enough to be sure
    assert t2.add_vote(ada2, UNKNOWN, 0.3, far).restarted


def test_an_embedding_far_from_the_last_one_starts_a_new_track_even_before_a_name():
    t = Tracker()
    track = t.update([det(0)], 0.0, [chip(1)])[0]
    t.add_vote(track, ADA, 0.0, vec(1))
    vote = t.add_vote(track, ADA, 0.1, vec(2))  # the appearance check missed it; the embedding did not
    assert vote.restarted and not vote.confirmed and len(vote.track.votes) == 1


def test_the_next_person_never_inherits_the_last_ones_liveness():
    t = Tracker(liveness=LivenessSettings())
    track = t.update([det(0)], 0.0, [chip(1)])[0]
    track.liveness.cue = "blink"  # Ada blinked
    t.add_vote(track, ADA, 0.0, vec(1))
    t.add_vote(track, ADA, 0.1, vec(1))
    assert track.result().state == "confirmed"
    swapped = t.update([det(0)], 0.2, [chip(2)])[0]
    vote = t.add_vote(swapped, BOB, 0.3, vec(2))
    t.add_vote(vote.track, BOB, 0.4, vec(2))
    assert vote.track.confirmed == BOB and not vote.track.live
    assert vote.track.result().state == "pending" and vote.track.result().hint == "Please blink"


def test_embedding_order_doubt_first_then_each_new_face_in_turn_largest_first_then_rechecks():
    t = Tracker(TrackingSettings(recheck_s=0.2))
    ada = confirmed_ada(t)
    small = Detection(Box(300, 10, 360, 70), 1.0)
    big = Detection(Box(500, 10, 620, 130), 1.0)
    visible = t.update([det(0), small, big], 0.5, [chip(1), chip(3), chip(4)])
    order = t.embedding_order(visible, 0.5)
    assert [x.box for x in order] == [big.box, small.box, ada.box]
    t.add_vote(order[0], BOB, 0.5, vec(4))  # the big face has had its turn: the small one goes first now
    assert [x.box for x in t.embedding_order(visible, 0.6)] == [small.box, big.box, ada.box]
    visible = t.update([det(0), small, big], 0.7, [chip(5), chip(3), chip(4)])  # Ada's box: another face
    assert t.embedding_order(visible, 0.7)[0].track_id == ada.track_id


def test_a_face_unrecognised_on_a_recheck_keeps_its_own_liveness_but_not_its_name():
    t = Tracker(liveness=LivenessSettings())
    track = t.update([det(0)], 0.0, [chip(1)])[0]
    track.liveness.cue = "motion"
    t.add_vote(track, ADA, 0.0, vec(1))
    t.add_vote(track, ADA, 0.1, vec(1))
    t.add_vote(track, UNKNOWN, 0.3, vec(1) + 0.01)  # the same face, bad frames
    vote = t.add_vote(track, UNKNOWN, 0.35, vec(1) + 0.01)
    assert vote.restarted and vote.track.result().name is None and vote.track.live
    stranger = t.add_vote(vote.track, UNKNOWN, 0.5, vec(7))  # another face: no evidence carried
    assert stranger.restarted and not stranger.track.live


def test_a_frame_that_hides_a_name_answers_without_embedding_and_the_next_one_embeds_it():
    from kiosk.core.pipeline import RecognitionPipeline

    class Analyzer:
        def __init__(self):
            self.embedded = []

        def detect_live(self, rgb):
            return [] if rgb[0, 0, 0] == 1 else [det(0)]

        def embed(self, rgb, boxes):
            self.embedded.append(len(boxes))
            return np.stack([vec(1)] * len(boxes))

    class Matcher:
        def match(self, vector, live=False):
            return ADA

    analyzer = Analyzer()
    pipe = RecognitionPipeline(analyzer, Matcher())
    frame, gone = np.zeros((200, 200, 3), np.uint8), np.ones((200, 200, 3), np.uint8)
    pipe.process(frame, 0, 0.0)
    assert pipe.process(frame, 1, 0.1).frame.faces[0].name == "Ada"
    pipe.process(gone, 2, 0.2)  # a missed frame
    calls = len(analyzer.embedded)
    back = pipe.process(frame, 3, 0.3)
    assert back.frame.faces[0].name is None and back.frame.embeddings_computed == 0  # hidden at once
    again = pipe.process(frame, 4, 0.35)
    assert again.frame.embeddings_computed == 1 and again.frame.faces[0].name == "Ada"
    assert not again.confirmations and len(analyzer.embedded) == calls + 1  # the same person: no new check-in
