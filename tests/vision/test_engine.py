import numpy as np
import pytest

from kiosk.errors import ModelMissingError
from kiosk.vision.engine import FaceEngine
from kiosk.vision.image_io import load_image
from kiosk.vision.models import model_paths
from tests.vision.conftest import photo


def test_missing_model_file_is_named_in_the_error(tmp_path):
    with pytest.raises(ModelMissingError, match="shape_predictor_5_face_landmarks.dat"):
        FaceEngine(model_paths(tmp_path)).load()


def test_models_are_found_without_pkg_resources():
    paths = model_paths()
    for p in (paths.landmarks_5, paths.landmarks_68, paths.descriptor, paths.cnn_detector):
        assert p.is_file(), p


def test_astronaut_has_one_face_and_the_badge_is_not_taken_for_one(engine, astronaut):
    faces = engine.detect_photo(astronaut)
    assert len(faces) == 1
    box = faces[0].box
    assert box.top < astronaut.shape[0] // 2  # the face, not the mission patch lower down


def test_embedding_is_128_finite_numbers_and_steady(engine, astronaut):
    box = engine.detect_photo(astronaut)[0].box
    a = engine.embed(astronaut, [box])[0]
    b = engine.embed(np.ascontiguousarray(astronaut[:, :, :]), [box])[0]
    assert a.shape == (128,) and np.all(np.isfinite(a))
    assert np.linalg.norm(a - b) < 1e-5


def test_same_person_is_close_and_different_people_are_far(engine, face_data):
    def emb(person, n):
        img = load_image(photo(face_data, person, n))
        return engine.embed(img, [engine.detect_photo(img)[0].box])[0]

    obama1, obama2 = emb("Barack_Obama", 1), emb("Barack_Obama", 2)
    biden = emb("Joseph_Biden", 1)
    assert np.linalg.norm(obama1 - obama2) < 0.5
    assert np.linalg.norm(obama1 - biden) > 0.6


def test_live_detection_maps_boxes_back_to_full_size(engine, face_data):
    img = load_image(face_data / "extras" / "resolution_series" / "obama-1080p.jpg")
    live = engine.detect_live(img)
    full = engine.detect_photo(img)
    assert len(live) == 1 and len(full) == 1
    assert live[0].box.iou(full[0].box) > 0.6


def test_small_faces_are_found_in_photos_but_only_from_about_40_px(engine, face_data):
    img = load_image(face_data / "extras" / "resolution_series" / "obama-240p.jpg")
    faces = engine.detect_photo(img)
    assert len(faces) == 1 and faces[0].box.width < 80


def test_group_photo_finds_several_faces(engine, face_data):
    img = load_image(face_data / "group" / "fr_obama_and_biden.jpg")
    assert len(engine.detect_photo(img)) >= 2


def test_cnn_detector_is_available_for_enrolment_photos(engine, astronaut):
    small = np.ascontiguousarray(astronaut[::2, ::2])
    faces = engine.detect_cnn(small, upsample=1)
    assert len(faces) >= 1


def test_photos_hog_misses_are_found_by_the_cnn_fallback(engine, face_data):
    from kiosk.vision.enrol import find_faces_for_enrolment

    img = load_image(photo(face_data, "Colin_Montgomerie", 4))  # a face HOG scores under the floor
    assert find_faces_for_enrolment(engine, img, cnn_fallback=False) == []
    faces = find_faces_for_enrolment(engine, img)
    assert len(faces) == 1 and faces[0].box.width > 60
