"""Templates: outlier samples are dropped before averaging; the spread says how varied the samples are."""

import numpy as np

from kiosk.core.gallery import Gallery, Person
from kiosk.core.matching import Matcher, MatchPolicy
from kiosk.core.templates import OUTLIER_DISTANCE, outliers, template


def around(centre: np.ndarray, n: int, scale: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (centre + rng.normal(scale=scale / np.sqrt(128), size=(n, 128))).astype(np.float32)


def test_a_sample_unlike_the_others_is_dropped_and_close_ones_are_kept():
    rng = np.random.default_rng(0)
    me, other = rng.normal(size=128) * 0.1, rng.normal(size=128) * 0.1 + 0.08
    samples = np.vstack([around(me, 3, 0.2, 1), other[None, :]])
    assert np.linalg.norm(other - me) > OUTLIER_DISTANCE + 0.2
    assert outliers(samples) == [3]
    assert outliers(around(me, 5, 0.2, 2)) == []


def test_two_samples_are_never_judged():
    a = np.zeros(128, np.float32)
    b = np.full(128, 0.5, np.float32)
    assert outliers(np.vstack([a, b])) == []


def test_template_is_the_mean_and_spread_the_rms_distance():
    e = np.vstack([np.zeros(128), np.eye(128)[0] * 0.2]).astype(np.float32)
    mean, spread = template(e)
    assert np.allclose(mean, np.eye(128)[0] * 0.1)
    assert abs(spread - 0.1) < 1e-6
    assert template(e[:1])[1] == 0.0


def test_the_matcher_ignores_an_outlier_sample_of_a_person():
    rng = np.random.default_rng(3)
    ada, bob = rng.normal(size=128) * 0.1, rng.normal(size=128) * 0.1 + 0.1
    rows = np.vstack([around(ada, 3, 0.15, 4), bob[None, :], around(bob, 3, 0.15, 5)])
    g = Gallery((Person("ada", "Ada"), Person("bob", "Bob")), rows, np.asarray([0, 0, 0, 0, 1, 1, 1], np.int32))
    m = Matcher(g, MatchPolicy(0.3, 0.0))
    # With the stray photo of Bob averaged in, Ada's template would sit 0.2 from her own face.
    assert m.match(ada).person_id == "ada" and m.match(ada).distance < 0.1
