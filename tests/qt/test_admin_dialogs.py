"""The admin dialogs on real parts: PIN keypad, enrolment through the real worker process, people, settings."""

from __future__ import annotations

import os
from datetime import datetime

import numpy as np
import pytest
from filelock import FileLock
from PySide6.QtCore import Qt

from kiosk.core.config import KioskConfig, load_config, save_settings
from kiosk.core.gallery import GalleryStore
from kiosk.core.pin import PinGuard, hash_pin
from kiosk.core.secrets import sealer_for
from kiosk.qt.admin_sampler import AdminSampler
from kiosk.qt.enrol_dialog import EnrolDialog
from kiosk.qt.people_dialog import PeopleDialog
from kiosk.qt.pin_dialog import PinDialog
from kiosk.qt.settings_dialog import SettingsDialog
from kiosk.vision.image_io import load_image
from kiosk.vision.worker import WorkerClient, WorkerSettings

SAMPLE_TIMEOUT_MS = 60_000


class FakeClock:  # pure logic: the lockout's notion of time
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


# Fixtures -----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def key_env(tmp_path_factory):
    """No real key is ever written to ~/.config: every sealer (here and in the worker) uses a tmp key."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIOSK_KEY_FILE", str(tmp_path_factory.mktemp("keys") / "gallery.key"))
        yield


@pytest.fixture(autouse=True)
def _key_file(key_env):
    yield


@pytest.fixture(scope="module")
def worker(tmp_path_factory, key_env):
    client = WorkerClient(WorkerSettings(gallery_dir=str(tmp_path_factory.mktemp("worker_gallery"))))
    client.start()
    yield client
    client.stop()


@pytest.fixture
def sampler(worker, qtbot):
    s = AdminSampler(worker)
    yield s
    s.stop()


@pytest.fixture
def store(tmp_path):
    root = tmp_path / "gallery"
    return GalleryStore(root, sealer=sealer_for(root), lock_timeout=0.5)


@pytest.fixture(scope="module")
def pin_hash():
    return hash_pin("2468")


def photo(face_data, rel: str) -> str:
    path = face_data / rel
    assert path.exists(), path
    return str(path)


def open_enrol(qtbot, store, sampler, frame_source=None) -> EnrolDialog:
    dlg = EnrolDialog(store, sampler, frame_source)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def wait_samples(qtbot, dlg: EnrolDialog, n: int) -> None:
    qtbot.waitUntil(
        lambda: len(dlg.accepted_samples()) + len(dlg.rejected_samples()) >= n and not dlg._sampler.busy,
        timeout=SAMPLE_TIMEOUT_MS,
    )


def enter_pin(qtbot, dlg: PinDialog, digits: str) -> None:
    for d in digits:
        qtbot.mouseClick(dlg.digit_buttons[d], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)


# PIN dialog -------------------------------------------------------------------------------------------
def test_pin_dialog_accepts_the_right_pin_from_the_keypad(qtbot, pin_hash):
    dlg = PinDialog(PinGuard(pin_hash))
    qtbot.addWidget(dlg)
    dlg.show()
    with qtbot.waitSignal(dlg.accepted, timeout=2000):
        enter_pin(qtbot, dlg, "2468")
    assert dlg.result() == dlg.DialogCode.Accepted


def test_pin_dialog_accepts_keyboard_entry_and_masks_it(qtbot, pin_hash):
    dlg = PinDialog(PinGuard(pin_hash))
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.display, "2468")
    assert dlg.display.displayText() != "2468"  # masked
    with qtbot.waitSignal(dlg.accepted, timeout=2000):
        qtbot.keyClick(dlg.display, Qt.Key.Key_Return)


def test_pin_dialog_locks_out_after_three_wrong_pins_then_lets_the_right_one_in(qtbot, pin_hash):
    clock = FakeClock()
    dlg = PinDialog(PinGuard(pin_hash, clock=clock))
    qtbot.addWidget(dlg)
    dlg.show()
    accepted = []
    dlg.accepted.connect(lambda: accepted.append(True))

    enter_pin(qtbot, dlg, "")  # an empty OK is not counted as a guess
    assert dlg.message.text() == "Enter the PIN first."
    enter_pin(qtbot, dlg, "1111")
    assert "Wrong PIN. 2 more tries" in dlg.message.text() and dlg.ok_button.isEnabled()
    enter_pin(qtbot, dlg, "1111")
    enter_pin(qtbot, dlg, "1111")
    assert dlg.message.text() == "Too many wrong PINs. Try again in 5 s."
    assert not dlg.ok_button.isEnabled() and not dlg.digit_buttons["2"].isEnabled()

    clock.t += 3  # the countdown follows the clock
    qtbot.waitUntil(lambda: dlg.message.text() == "Too many wrong PINs. Try again in 2 s.", timeout=2000)
    qtbot.keyClicks(dlg.display, "2468")
    dlg.submit()  # even the right PIN is refused while locked
    assert not accepted and dlg.isVisible()

    clock.t += 2
    qtbot.waitUntil(dlg.ok_button.isEnabled, timeout=2000)
    assert dlg.message.text() == "You can try again now."
    assert dlg.display.text() == ""  # the refused PIN was not kept
    enter_pin(qtbot, dlg, "2468")
    assert accepted == [True]


def test_pin_dialog_shows_a_lockout_that_survived_a_restart(qtbot, pin_hash, tmp_path):
    state = tmp_path / "pin.json"
    guard = PinGuard(pin_hash, state_file=state)
    for _ in range(4):
        guard.attempt("0000")
    dlg = PinDialog(PinGuard(pin_hash, state_file=state))
    qtbot.addWidget(dlg)
    assert not dlg.ok_button.isEnabled()
    assert dlg.message.text().startswith("Too many wrong PINs. Try again in")


# Enrolment ----------------------------------------------------------------------------------------------
def test_enrols_a_person_from_a_photo_file_with_consent(qtbot, store, sampler, face_data):
    dlg = open_enrol(qtbot, store, sampler)
    qtbot.keyClicks(dlg.name_edit, "Alex Lacamoire")
    qtbot.keyClicks(dlg.employee_edit, "E-042")
    assert "Alex Lacamoire has agreed" in dlg.consent_label.text()
    dlg.add_photo_files([photo(face_data, "identities/Alex_Lacamoire/2.jpg")])
    wait_samples(qtbot, dlg, 1)
    assert len(dlg.accepted_samples()) == 1
    assert not dlg.save_button.isEnabled()  # consent not given yet
    dlg.consent_box.setChecked(True)
    assert dlg.save_button.isEnabled()

    with qtbot.waitSignal(dlg.enrolled, timeout=5000) as sig:
        qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    person = sig.args[0]
    gallery = store.load()
    assert [p.name for p in gallery.people] == ["Alex Lacamoire"]
    saved = gallery.people[0]
    assert saved == person and saved.employee_no == "E-042"
    assert gallery.counts()[saved.person_id] == 1
    assert saved.consent.given_by == "admin" and "Alex Lacamoire has agreed" in saved.consent.text
    assert datetime.fromisoformat(saved.consent.given_at).utcoffset() is not None
    assert not saved.keep_photos and not store.photos_dir(saved.person_id).exists()  # embeddings only


def test_enrols_from_the_camera_feed_and_keeps_photos_when_asked(qtbot, store, sampler, face_data):
    frame = load_image(photo(face_data, "identities/Lin_Manuel_Miranda/1.png"))
    dlg = open_enrol(qtbot, store, sampler, frame_source=lambda: frame)
    qtbot.keyClicks(dlg.name_edit, "Lin-Manuel Miranda")
    dlg.consent_box.setChecked(True)
    dlg.keep_photos_box.setChecked(True)
    for n in (1, 2):
        qtbot.mouseClick(dlg.capture_button, Qt.MouseButton.LeftButton)
        wait_samples(qtbot, dlg, n)
    assert len(dlg.accepted_samples()) == 2
    assert dlg.hint_label.text().startswith("Good sample (2 of 10).")  # then a prompt to turn if frontal

    with qtbot.waitSignal(dlg.enrolled, timeout=5000):
        qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    person = store.load().people[0]
    assert person.name == "Lin-Manuel Miranda" and person.keep_photos
    photos = sorted(p.name for p in store.photos_dir(person.person_id).iterdir())
    assert photos == ["1.jpg", "2.jpg"]
    assert load_image(store.photos_dir(person.person_id) / "1.jpg").shape == frame.shape


def test_no_consent_no_enrolment(qtbot, store, sampler, face_data):
    dlg = open_enrol(qtbot, store, sampler)
    qtbot.keyClicks(dlg.name_edit, "Alex Lacamoire")
    dlg.add_photo_files([photo(face_data, "identities/Alex_Lacamoire/2.jpg")])
    wait_samples(qtbot, dlg, 1)
    assert not dlg.save_button.isEnabled()
    assert "No consent, no enrolment" in dlg.status_label.text()
    dlg.save()  # even forced, nothing is written
    assert store.load().people == ()
    assert not store.path.exists()


def test_a_group_photo_is_rejected_with_the_reason(qtbot, store, sampler, face_data):
    dlg = open_enrol(qtbot, store, sampler)
    dlg.add_photo_files([photo(face_data, "group/fr_obama_and_biden.jpg")])
    wait_samples(qtbot, dlg, 1)
    assert dlg.accepted_samples() == []
    reason = dlg.rejected_samples()[0].reason
    assert "faces are in the photo" in reason
    assert reason in dlg.samples_list.item(0).text()
    assert "fr_obama_and_biden.jpg" in dlg.samples_list.item(0).text()


def test_an_unreadable_file_is_rejected_without_reaching_the_engine(qtbot, store, sampler, tmp_path):
    bad = tmp_path / "not_a_photo.jpg"
    bad.write_bytes(b"hello")
    dlg = open_enrol(qtbot, store, sampler)
    dlg.add_photo_files([str(bad), str(tmp_path / "missing.jpg")])
    wait_samples(qtbot, dlg, 2)
    reasons = [s.reason for s in dlg.rejected_samples()]
    assert "not an image" in reasons[0] and "no such file" in reasons[1]


def test_warns_when_the_face_already_matches_someone_and_needs_a_confirm(qtbot, store, sampler, face_data):
    first = open_enrol(qtbot, store, sampler)
    first.add_photo_files([photo(face_data, "identities/Alex_Lacamoire/2.jpg")])
    wait_samples(qtbot, first, 1)
    store.add_person("Alex Lacamoire", first.accepted_samples()[0].embedding)
    first.reject()

    dlg = open_enrol(qtbot, store, sampler)
    qtbot.keyClicks(dlg.name_edit, "Alex L.")
    dlg.consent_box.setChecked(True)
    dlg.add_photo_files([photo(face_data, "identities/Alex_Lacamoire/3.jpg")])
    wait_samples(qtbot, dlg, 1)
    warning = dlg.duplicate_label.text()
    assert warning.startswith("This face already matches Alex Lacamoire (distance 0.")
    assert not dlg.save_button.isEnabled() and dlg.confirm_different_box.isVisible()
    dlg.save()
    assert len(store.load().people) == 1  # not without the explicit confirm

    dlg.confirm_different_box.setChecked(True)
    with qtbot.waitSignal(dlg.enrolled, timeout=5000):
        qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert sorted(p.name for p in store.load().people) == ["Alex L.", "Alex Lacamoire"]


def test_a_locked_gallery_is_reported_as_a_sentence(qtbot, store, sampler, face_data):
    frame = load_image(photo(face_data, "identities/Lin_Manuel_Miranda/1.png"))
    dlg = open_enrol(qtbot, store, sampler, frame_source=lambda: frame)
    qtbot.keyClicks(dlg.name_edit, "Lin-Manuel Miranda")
    dlg.consent_box.setChecked(True)
    dlg.keep_photos_box.setChecked(True)
    dlg.capture()
    wait_samples(qtbot, dlg, 1)
    store.root.mkdir(parents=True, exist_ok=True)
    other = FileLock(str(store.root / "gallery.lock"))
    with other:
        dlg.save()
    assert "was not enrolled" in dlg.error_label.text() and "locked by another process" in dlg.error_label.text()
    assert "Traceback" not in dlg.error_label.text()
    assert dlg.isVisible() and store.load().people == ()
    assert not (store.root / "photos").exists() or not any((store.root / "photos").iterdir())


def test_sampler_keeps_only_the_newest_frame_while_busy(qtbot, sampler, face_data):
    frame = load_image(photo(face_data, "identities/Lin_Manuel_Miranda/1.png"))
    got = []
    sampler.sampleReady.connect(lambda s: got.append(s.source))
    for n in range(1, 5):
        sampler.request_frame_sample(frame, f"frame {n}")
    qtbot.waitUntil(lambda: not sampler.busy and sampler.pending() == 0, timeout=SAMPLE_TIMEOUT_MS)
    assert got == ["frame 1", "frame 4"]


# People -------------------------------------------------------------------------------------------------
def _unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(2, 128)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def people_store(store):
    store.add_person("Ada Lovelace", _unit(1), person_id="ada", employee_no="E-001")
    store.add_person("Grace Hopper", _unit(2), person_id="grace", employee_no="E-002", keep_photos=True)
    store.add_person("Alan Turing", _unit(3)[:1], person_id="alan")
    folder = store.photos_dir("grace")
    folder.mkdir(parents=True)
    (folder / "1.jpg").write_bytes(b"jpeg")
    return store


def test_people_dialog_lists_and_searches(qtbot, people_store):
    dlg = PeopleDialog(people_store)
    qtbot.addWidget(dlg)
    assert [p.name for p in dlg.visible_people()] == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert [dlg.table.item(0, c).text() for c in range(3)] == ["Ada Lovelace", "E-001", "2"]
    qtbot.keyClicks(dlg.search_edit, "a")
    assert len(dlg.visible_people()) == 3
    dlg.search_edit.setText("hopper")
    assert [p.name for p in dlg.visible_people()] == ["Grace Hopper"]
    dlg.search_edit.setText("E-001")
    assert [p.name for p in dlg.visible_people()] == ["Ada Lovelace"]
    assert dlg.count_label.text() == "1 of 3 people shown"


def test_people_dialog_renames(qtbot, people_store, monkeypatch):
    dlg = PeopleDialog(people_store)
    qtbot.addWidget(dlg)
    assert not dlg.rename_button.isEnabled()
    dlg.select_person("alan")
    monkeypatch.setattr(dlg, "ask_new_name", lambda person: "Alan M. Turing")
    with qtbot.waitSignal(dlg.changed, timeout=2000):
        qtbot.mouseClick(dlg.rename_button, Qt.MouseButton.LeftButton)
    assert people_store.load().person("alan").name == "Alan M. Turing"
    assert "Alan M. Turing" in [p.name for p in dlg.visible_people()]


def test_people_dialog_deletes_embeddings_and_photos_after_confirming(qtbot, people_store, monkeypatch):
    dlg = PeopleDialog(people_store)
    qtbot.addWidget(dlg)
    dlg.select_person("grace")
    asked = []
    monkeypatch.setattr(dlg, "confirm_delete", lambda person: asked.append(person.name) or False)
    qtbot.mouseClick(dlg.delete_button, Qt.MouseButton.LeftButton)
    assert asked == ["Grace Hopper"] and len(people_store.load().people) == 3  # cancelled

    monkeypatch.setattr(dlg, "confirm_delete", lambda person: True)
    with qtbot.waitSignal(dlg.changed, timeout=2000):
        qtbot.mouseClick(dlg.delete_button, Qt.MouseButton.LeftButton)
    gallery = GalleryStore(people_store.root, sealer=sealer_for(people_store.root)).load()  # re-read the file
    assert [p.person_id for p in gallery.people] == ["ada", "alan"]
    assert len(gallery.embeddings) == 3
    assert not people_store.photos_dir("grace").exists()
    assert "Grace Hopper was deleted." in dlg.count_label.text()


# Settings -----------------------------------------------------------------------------------------------
def test_settings_dialog_persists_to_the_toml_file(qtbot, tmp_path, monkeypatch):
    cfg_file = tmp_path / "kiosk.toml"
    save_settings({"kiosk_id": "front-door", "server_url": "https://attend.example"}, cfg_file)
    config = load_config(cfg_file, env={})
    video = tmp_path / "entrance.mp4"
    video.write_bytes(b"video")
    dlg = SettingsDialog(config, cfg_file)
    qtbot.addWidget(dlg)
    assert dlg.cooldown_spin.value() == 5 and dlg.cooldown_unit.currentText() == "minutes"
    monkeypatch.setattr(dlg, "choose_source_file", lambda: str(video))
    qtbot.mouseClick(dlg.browse_button, Qt.MouseButton.LeftButton)
    dlg.cooldown_spin.setValue(90)
    dlg.cooldown_unit.setCurrentIndex(0)  # seconds
    dlg.threshold_spin.setValue(0.45)
    dlg.direction_combo.setCurrentIndex(dlg.direction_combo.findData("out"))
    with qtbot.waitSignal(dlg.saved, timeout=2000) as sig:
        qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    new = sig.args[0]
    assert isinstance(new, KioskConfig) and new.direction == "out"
    reloaded = load_config(cfg_file, env={})
    assert (reloaded.source, reloaded.cooldown_s, reloaded.threshold, reloaded.direction) == (
        str(video), 90.0, 0.45, "out",
    )
    assert reloaded.kiosk_id == "front-door" and reloaded.server_url == "https://attend.example"


def test_settings_dialog_refuses_invalid_values_and_writes_nothing(qtbot, tmp_path):
    cfg_file = tmp_path / "kiosk.toml"
    dlg = SettingsDialog(KioskConfig(), cfg_file)
    qtbot.addWidget(dlg)
    saved = []
    dlg.saved.connect(saved.append)
    dlg.threshold_spin.setValue(0.0)
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert dlg.error_label.text() == "Not saved: threshold must be between 0 and 2."
    dlg.threshold_spin.setValue(0.5)
    dlg.source_edit.setText(os.path.join(str(tmp_path), "no_such_video.mp4"))
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert "there is no camera or file called" in dlg.error_label.text()
    dlg.source_edit.setText("  ")
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert "enter a camera" in dlg.error_label.text()
    assert not cfg_file.exists() and saved == []


def test_settings_saved_untouched_write_nothing_and_keep_every_decimal(qtbot, tmp_path):
    cfg_file = tmp_path / "kiosk.toml"
    save_settings({"kiosk_id": "front-door", "threshold": 0.4725, "cooldown_s": 90.5}, cfg_file)
    before = (cfg_file.read_bytes(), cfg_file.stat().st_mtime_ns)
    dlg = SettingsDialog(load_config(cfg_file, env={}), cfg_file)
    qtbot.addWidget(dlg)
    assert dlg.threshold_spin.value() == 0.4725 and "0.4725" in dlg.threshold_spin.text()
    saved = []
    dlg.saved.connect(saved.append)
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    assert saved == [] and dlg.result() == dlg.DialogCode.Accepted
    assert (cfg_file.read_bytes(), cfg_file.stat().st_mtime_ns) == before


def test_settings_write_only_what_the_admin_changed(qtbot, tmp_path):
    cfg_file = tmp_path / "kiosk.toml"
    save_settings({"kiosk_id": "front-door"}, cfg_file)
    dlg = SettingsDialog(KioskConfig(threshold=0.4725, source=str(tmp_path / "gone.mp4")), cfg_file)
    qtbot.addWidget(dlg)
    dlg.set_cooldown(120)
    with qtbot.waitSignal(dlg.saved, timeout=2000) as sig:
        qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)  # the missing source was not touched
    assert sig.args[0].threshold == 0.4725 and sig.args[0].cooldown_s == 120.0
    text = cfg_file.read_text()
    assert "cooldown_s = 120.0" in text and "kiosk_id" in text
    assert "threshold" not in text and "source" not in text and "direction" not in text
