"""Live enrolment keeps the samples that cover the most poses and leaves out the ones unlike the rest."""

import numpy as np

from kiosk.core.types import Box
from kiosk.vision.enrol import Sample, choose_samples
from kiosk.vision.quality import Quality


def sample(i: int, yaw: float, sharp: float, vector: np.ndarray) -> Sample:
    q = Quality(120, sharp, 120.0, yaw, 0.0, (), ())
    return Sample(f"camera #{i}", vector.astype(np.float32), Box(0, 0, 120, 120), q)


def test_keeps_the_sharpest_frontal_sample_then_the_most_different_poses():
    rng = np.random.default_rng(0)
    me = rng.normal(size=128) * 0.05
    yaws = [0.01, 0.02, 0.03, 0.12, 0.13, 0.25, 0.02]
    samples = [sample(i, y, 50.0 + i, me + rng.normal(size=128) * 0.01) for i, y in enumerate(yaws)]
    kept, dropped = choose_samples(samples, 3)
    assert [s.source for s in kept][0] == "camera #6"  # frontal bucket, sharpest
    assert sorted(round(s.quality.yaw, 2) for s in kept) == [0.02, 0.13, 0.25]
    assert len(dropped) == 4 and all(not s.accepted and "pose" in s.reason for s in dropped)


def test_a_sample_of_someone_else_is_left_out_first():
    rng = np.random.default_rng(1)
    me, other = rng.normal(size=128) * 0.05, rng.normal(size=128) * 0.05 + 0.1
    samples = [sample(i, 0.02 * i, 60.0, me + rng.normal(size=128) * 0.01) for i in range(4)]
    samples.append(sample(9, 0.2, 90.0, other))
    kept, dropped = choose_samples(samples, 5)
    assert "camera #9" not in {s.source for s in kept} and len(kept) == 4
    assert dropped[0].source == "camera #9" and "does not look like" in dropped[0].reason
