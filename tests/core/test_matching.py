import numpy as np
import pytest

from kiosk.core.gallery import Gallery, Person
from kiosk.core.matching import Matcher, MatchPolicy


def gallery(vectors_by_person: dict[str, list[np.ndarray]]) -> Gallery:
    people, rows, owners = [], [], []
    for i, (pid, vecs) in enumerate(vectors_by_person.items()):
        people.append(Person(pid, pid.title()))
        rows += vecs
        owners += [i] * len(vecs)
    return Gallery(tuple(people), np.asarray(rows, np.float32), np.asarray(owners, np.int32))


def unit(i: int) -> np.ndarray:
    v = np.zeros(128, np.float32)
    v[i] = 1.0
    return v


def test_nearest_person_within_threshold_and_margin_is_recognised():
    m = Matcher(gallery({"ada": [unit(0)], "bob": [unit(1)]}), MatchPolicy(0.5, 0.1))
    q = unit(0) * 0.9
    r = m.match(q)
    assert r.person_id == "ada" and r.name == "Ada"
    assert r.distance == pytest.approx(0.1, abs=1e-5)


def test_face_far_from_everyone_is_unknown():
    m = Matcher(gallery({"ada": [unit(0)], "bob": [unit(1)]}), MatchPolicy(0.5, 0.0))
    r = m.match(unit(5))
    assert not r.known and r.person_id is None
    assert r.distance == pytest.approx(np.sqrt(2), abs=1e-5)


def test_face_between_two_people_is_unknown_because_of_the_margin():
    m = Matcher(gallery({"ada": [unit(0) * 0.2], "bob": [unit(1) * 0.2]}), MatchPolicy(0.5, 0.05))
    q = (unit(0) * 0.2 + unit(1) * 0.21) / 1.0
    r = m.match(q)
    assert r.distance < 0.5
    assert not r.known


def test_margin_is_measured_against_another_person_not_the_same_persons_other_photo():
    m = Matcher(gallery({"ada": [unit(0), unit(0) * 0.99], "bob": [unit(1)]}), MatchPolicy(0.5, 0.3))
    r = m.match(unit(0))
    assert r.known and r.margin > 1.0


def test_a_person_is_matched_by_the_mean_of_their_embeddings():
    # Two photos of Ada either side of the probe: each alone is 0.6 away, their mean is exact.
    m = Matcher(gallery({"ada": [unit(0) + unit(2) * 0.6, unit(0) - unit(2) * 0.6], "bob": [unit(1)]}),
                MatchPolicy(0.5, 0.1))
    r = m.match(unit(0))
    assert r.person_id == "ada" and r.distance == pytest.approx(0.0, abs=1e-5)


def test_empty_gallery_and_single_person():
    assert not Matcher(Gallery()).match(unit(0)).known
    r = Matcher(gallery({"ada": [unit(0)]}), MatchPolicy(0.5, 0.1)).match(unit(0))
    assert r.known and r.margin == float("inf")


def test_vectorised_distances_equal_the_direct_formula():
    rng = np.random.default_rng(1)
    g = rng.normal(size=(1000, 128)).astype(np.float32)
    people = tuple(Person(f"p{i}", f"P{i}") for i in range(100))
    m = Matcher(Gallery(people, g, np.arange(1000, dtype=np.int32) % 100))
    q = rng.normal(size=128).astype(np.float32)
    assert np.allclose(m.distances(q), np.linalg.norm(g - q, axis=1), atol=1e-3)


@pytest.mark.parametrize("threshold,margin", [(0.0, 0.1), (2.5, 0.1), (0.5, -0.1)])
def test_invalid_policy_is_refused(threshold, margin):
    with pytest.raises(ValueError):
        MatchPolicy(threshold, margin)


def test_threshold_tightens_as_the_gallery_grows_and_loosens_only_a_little_for_small_ones():
    p = MatchPolicy(0.42, 0.04, size_slope=0.01, reference_people=100, confirm_spare=0.005)
    assert p.threshold_for(100) == 0.42
    assert p.threshold_for(50) == pytest.approx(0.43)  # one halving below the reference
    assert p.threshold_for(2) == pytest.approx(0.4725)  # capped at the loosest (the old default)
    assert p.threshold_for(200) == pytest.approx(0.41)
    assert p.threshold_for(800) == pytest.approx(0.39)
    assert p.confirm_threshold_for(50) == pytest.approx(0.43)  # no spare in a small gallery
    assert p.confirm_threshold_for(800) == pytest.approx(0.385)
    assert MatchPolicy(0.5, 0.0).threshold_for(2) == 0.5  # an admin's looser setting is kept


def test_the_same_face_is_accepted_in_a_small_gallery_and_refused_in_a_large_one():
    rng = np.random.default_rng(7)
    ada = rng.normal(size=128).astype(np.float32)
    ada /= np.linalg.norm(ada)
    probe = ada.copy()
    probe[0] += 0.45  # 0.45 from Ada's template
    others = {f"p{i}": [rng.normal(size=128).astype(np.float32)] for i in range(999)}
    policy = MatchPolicy(0.47, 0.0, size_slope=0.01)
    small = Matcher(gallery({"ada": [ada], "p0": others["p0"]}), policy)
    large = Matcher(gallery({"ada": [ada], **others}), policy)
    assert small.match(probe).person_id == "ada"
    assert large.people == 1000 and large.threshold < 0.45
    assert not large.match(probe).known


def test_live_looks_need_margin_to_spare_in_a_large_gallery():
    rng = np.random.default_rng(8)
    ada = rng.normal(size=128).astype(np.float32)
    probe = ada.copy()
    probe[0] += 0.435
    others = {f"p{i}": [rng.normal(size=128).astype(np.float32)] for i in range(799)}
    m = Matcher(gallery({"ada": [ada], **others}), MatchPolicy(0.47, 0.0, size_slope=0.01, confirm_spare=0.01,
                                                            crowding_weight=0.0))
    assert m.threshold == pytest.approx(0.44) and m.confirm_threshold == pytest.approx(0.43)
    assert m.match(probe).person_id == "ada"  # a photo (identify) or a single look is accepted
    assert not m.match(probe, live=True).known  # a kiosk look this close does not count towards a check-in


def test_a_face_near_a_crowded_template_needs_to_be_closer():
    """Crowding: a template with many look-alikes nearby (a typical face) asks for a closer match."""
    rng = np.random.default_rng(9)
    crowd_centre = rng.normal(size=128).astype(np.float32) * 0.05
    people = {f"c{i}": [crowd_centre + rng.normal(size=128).astype(np.float32) * 0.04] for i in range(12)}
    people |= {f"s{i}": [rng.normal(size=128).astype(np.float32)] for i in range(12)}
    g = gallery(people)
    plain = Matcher(g, MatchPolicy(0.3, 0.0, crowding_weight=0.0))
    normed = Matcher(g, MatchPolicy(0.3, 0.0, crowding_weight=1.0))
    probe_c = people["c0"][0] + np.eye(128, dtype=np.float32)[0] * 0.25
    probe_s = people["s0"][0] + np.eye(128, dtype=np.float32)[0] * 0.25
    assert plain.match(probe_c).known and plain.match(probe_s).known
    assert not normed.match(probe_c).known  # crowded: 0.25 is not close enough
    assert normed.match(probe_s).person_id == "s0"  # sparse neighbourhood: accepted


def test_only_a_live_look_far_inside_the_threshold_and_far_ahead_of_the_next_person_is_decisive():
    ada, bob = unit(0), unit(1)  # 1.41 apart
    policy = MatchPolicy(0.45, 0.05, reference_people=2, confirm_spare=0.0, crowding_weight=0.0, decisive_spare=0.1,
                         decisive_margin=0.2)
    m = Matcher(gallery({"ada": [ada], "bob": [bob]}), policy)
    assert m.decisive_threshold == pytest.approx(0.35)  # the threshold less 0.1
    close = ada.copy()
    close[5] = 0.3  # 0.3 from Ada
    near_edge = ada.copy()
    near_edge[5] = 0.4  # inside the threshold, not inside the decisive one
    assert m.match(close, live=True).decisive
    assert m.match(close, live=True).person_id == "ada"
    assert not m.match(close).decisive  # a photo (identify) is no look of the kiosk's vote
    assert m.match(near_edge, live=True).known and not m.match(near_edge, live=True).decisive
    between = (ada * 0.58 + bob * 0.42) / np.linalg.norm(ada * 0.58 + bob * 0.42)
    assert not m.match(between, live=True).decisive  # whatever it matches, not far enough ahead of Bob
    off = Matcher(gallery({"ada": [ada], "bob": [bob]}), MatchPolicy(0.45, 0.05, decisive_spare=None))
    assert off.decisive_threshold is None and not off.match(close, live=True).decisive


def test_a_decisive_look_needs_at_least_the_policys_own_margin():
    ada, bob = unit(0), unit(0) + unit(2) * 0.6
    probe = ada.copy()
    probe[5] = 0.2  # 0.2 from Ada, 0.63 from Bob: a margin of 0.43
    people = gallery({"ada": [ada], "bob": [bob]})
    loose = Matcher(people, MatchPolicy(0.45, 0.05, crowding_weight=0.0, decisive_spare=0.1, decisive_margin=0.1))
    strict = Matcher(people, MatchPolicy(0.45, 0.5, crowding_weight=0.0, decisive_spare=0.1, decisive_margin=0.1))
    assert loose.match(probe, live=True).decisive
    assert not strict.match(probe, live=True).known and not strict.match(probe, live=True).decisive


@pytest.mark.parametrize("spare", [-0.1, 0.3])
def test_an_invalid_decisive_spare_is_refused(spare):
    with pytest.raises(ValueError):
        MatchPolicy(0.45, 0.05, decisive_spare=spare)
