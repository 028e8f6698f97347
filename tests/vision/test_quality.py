import cv2
import numpy as np

from kiosk.vision.enrol import sample_from_file, sample_from_image
from tests.vision.conftest import photo


def test_a_good_photo_is_accepted(engine, face_data):
    s = sample_from_file(engine, str(photo(face_data, "Barack_Obama", 1)), jitter=0)
    assert s.accepted, s.reason
    assert s.embedding.shape == (128,)


def test_blurred_photo_is_refused_as_blurred(engine, astronaut):
    blurred = np.ascontiguousarray(cv2.GaussianBlur(astronaut, (0, 0), 2.5))
    s = sample_from_image(engine, blurred, "blurred", jitter=0)
    assert not s.accepted
    assert "blurred" in s.reason


def test_dark_photo_is_refused_as_too_dark(engine, astronaut):
    dark = np.ascontiguousarray((astronaut * 0.15).astype(np.uint8))
    s = sample_from_image(engine, dark, "dark", jitter=0)
    assert not s.accepted
    assert "too dark" in s.reason or "No face" in s.reason


def test_overexposed_photo_is_refused_as_too_bright(engine, astronaut):
    bright = np.ascontiguousarray(np.clip(astronaut.astype(int) + 150, 0, 255).astype(np.uint8))
    s = sample_from_image(engine, bright, "bright", jitter=0)
    assert not s.accepted
    assert "too bright" in s.reason or "No face" in s.reason


def test_small_face_is_refused_as_too_small(engine, face_data):
    s = sample_from_file(engine, str(face_data / "extras" / "resolution_series" / "obama-240p.jpg"), jitter=0)
    assert not s.accepted
    assert "too small" in s.reason


def test_group_photo_is_refused_with_the_number_of_faces(engine, face_data):
    s = sample_from_file(engine, str(face_data / "group" / "fr_obama_and_biden.jpg"), jitter=0)
    assert not s.accepted
    assert "faces are in the photo" in s.reason


def test_photo_without_a_face_says_so(engine, tmp_path):
    p = tmp_path / "wall.png"
    cv2.imwrite(str(p), np.full((300, 300, 3), 128, np.uint8))
    s = sample_from_file(engine, str(p))
    assert not s.accepted and s.reason == "No face was found in the photo."


def test_unreadable_file_becomes_a_rejection_not_a_crash(engine, tmp_path):
    p = tmp_path / "x.jpg"
    p.write_bytes(b"\xff\xd8garbage")
    s = sample_from_file(engine, str(p))
    assert not s.accepted and "not an image" in s.reason


def test_tight_crop_where_hog_sees_nothing_is_found_after_padding(engine, face_data):
    crops = sorted((face_data / "identities").glob("John_*/1.*"))
    assert crops, "expected John_* 150x150 crops in the shared data"
    found = 0
    for p in crops[:4]:
        s = sample_from_file(engine, str(p), jitter=0)
        found += s.box is not None
    assert found >= 3
