"""One enrolment path (kiosk.core.enrolment): the duplicate check with threshold and margin, and enrol()."""

import numpy as np
import pytest
from filelock import FileLock

from kiosk.core.enrolment import Enrolment, enrol, find_duplicates
from kiosk.core.gallery import Consent, GalleryStore
from kiosk.core.matching import MatchPolicy
from kiosk.core.types import EMBEDDING_DIM
from kiosk.errors import EnrolmentError, GalleryError

CONSENT = Consent("admin", "2026-12-02T09:00:00+00:00", "Agreed.")


def unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=EMBEDDING_DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def near(v: np.ndarray, distance: float, seed: int) -> np.ndarray:
    """A vector at exactly ``distance`` from ``v``."""
    d = np.random.default_rng(seed).normal(size=EMBEDDING_DIM).astype(np.float32)
    return v + distance * d / np.linalg.norm(d)


def test_duplicates_are_who_recognition_would_name_nearest_first(tmp_path):
    ada, bob = unit(1), unit(2)
    store = GalleryStore(tmp_path / "g")
    store.add_person("Ada", ada[None], person_id="ada")
    store.add_person("Bob", bob[None], person_id="bob")
    new = np.stack([near(bob, 0.30, 3), near(ada, 0.20, 4), near(ada, 0.10, 5), unit(6)])
    found = find_duplicates(store.load(), new, MatchPolicy(threshold=0.45, margin=0.04))
    assert [(d.person_id, d.samples) for d in found] == [("ada", (1, 2)), ("bob", (0,))]
    assert found[0].distance == pytest.approx(0.10, abs=1e-4)
    assert "1.jpg, 2.jpg: already matches Ada (ada" in found[0].warning(["0.jpg", "x/1.jpg", "x/2.jpg", "3.jpg"])
    # Adding photos to Ada herself is not a duplicate.
    assert [d.person_id for d in find_duplicates(store.load(), new, MatchPolicy(0.45, 0.04), exclude="ada")] == ["bob"]


def test_a_face_between_two_people_is_no_duplicate_of_either_under_the_margin(tmp_path):
    ada = unit(1)
    twin = near(ada, 0.2, 2)
    store = GalleryStore(tmp_path / "g")
    store.add_person("Ada", ada[None], person_id="ada")
    store.add_person("Twin", twin[None], person_id="twin")
    between = (ada + twin) / 2  # 0.1 from both: recognition names neither, so neither is flagged
    assert find_duplicates(store.load(), between[None], MatchPolicy(0.45, 0.04)) == []
    assert [d.person_id for d in find_duplicates(store.load(), between[None], MatchPolicy(0.45, 0.0))] in (
        ["ada"], ["twin"])


def test_enrol_keeps_photos_only_when_given_and_numbers_them_after_the_ones_there(tmp_path):
    store = GalleryStore(tmp_path / "g")
    plain = enrol(store, Enrolment("Bob", unit(2)[None], CONSENT))
    assert not plain.keep_photos and not store.photos_dir(plain.person_id).exists()
    ada = enrol(store, Enrolment("Ada", np.stack([unit(1), unit(3)]), CONSENT, person_id="ada",
                                 photos=(b"jpeg-1", b"jpeg-2")))
    assert ada.keep_photos and store.load().counts()["ada"] == 2
    enrol(store, Enrolment("Ada", unit(4)[None], CONSENT, person_id="ada", photos=(b"jpeg-3",)))
    folder = store.photos_dir("ada")
    assert sorted(p.name for p in folder.iterdir()) == ["1.jpg", "2.jpg", "3.jpg"]
    assert (folder / "3.jpg").read_bytes() == b"jpeg-3" and store.load().counts()["ada"] == 3


def test_enrol_leaves_no_photo_behind_when_the_gallery_refuses(tmp_path):
    store = GalleryStore(tmp_path / "g", lock_timeout=0.2)
    store.root.mkdir(parents=True)
    with FileLock(str(store.root / "gallery.lock")), pytest.raises(GalleryError, match="locked"):
        enrol(store, Enrolment("Ada", unit(1)[None], CONSENT, person_id="ada", photos=(b"jpeg",)))
    assert not store.photos_dir("ada").exists() and store.load().people == ()


def test_enrol_refuses_without_consent_or_samples(tmp_path):
    store = GalleryStore(tmp_path / "g")
    with pytest.raises(EnrolmentError, match="consent"):
        enrol(store, Enrolment("Ada", unit(1)[None], Consent(" ", "", "")))
    with pytest.raises(EnrolmentError, match="No sample"):
        enrol(store, Enrolment("Ada", np.zeros((0, EMBEDDING_DIM), np.float32), CONSENT))
    assert store.load().people == ()
