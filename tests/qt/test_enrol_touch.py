"""Enrolment at the touchscreen: taps only (on-screen keyboard, keypad-free PIN fields, big buttons), the live
picture with its oval and pose prompts, a thumbnail per accepted sample, and a PIN and badge that work at
the keypad afterwards. Real worker process, real photos."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QLineEdit

from kiosk.core.credentials import CredentialStore, FallbackCheck
from kiosk.core.gallery import GalleryStore
from kiosk.qt.enrol_dialog import EnrolDialog
from kiosk.vision.image_io import load_image
from tests.qt import test_admin_dialogs as _dialogs
from tests.qt.test_touch_keyboard import tap_text

TAP = Qt.MouseButton.LeftButton
# The admin dialogs' fixtures: a temporary key file, one worker process per module, a sampler per test.
key_env, _key_file, worker, sampler = _dialogs.key_env, _dialogs._key_file, _dialogs.worker, _dialogs.sampler
SAMPLE_TIMEOUT_MS = 60_000


def tap_into(qtbot, dlg: EnrolDialog, field: QLineEdit) -> None:
    qtbot.mouseClick(field, TAP)
    qtbot.waitUntil(lambda: dlg.keyboard.isVisible() and field.hasFocus(), timeout=3000)


def test_a_person_is_enrolled_from_photos_with_taps_only_and_can_then_use_pin_and_badge(
        qtbot, sampler, face_data, tmp_path, monkeypatch):
    store = GalleryStore(tmp_path / "gallery")
    credentials = CredentialStore(tmp_path / "gallery")
    photos = [str(face_data / "identities" / "Alex_Lacamoire" / name) for name in ("1.png", "2.jpg")]
    dlg = EnrolDialog(store, sampler, None, credentials=credentials)
    monkeypatch.setattr(dlg, "choose_photo_files", lambda: photos)  # the system's file picker, tapped through
    qtbot.addWidget(dlg)
    dlg.resize(1280, 800)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    kb = dlg.keyboard.keyboard
    assert not dlg.keyboard.isVisible() and dlg.camera.isVisible()  # the picture until a field is touched

    tap_into(qtbot, dlg, dlg.name_edit)
    assert not dlg.camera.isVisible()  # the keyboard takes the picture's place
    tap_text(qtbot, kb, "Alex Lacamoire")
    qtbot.mouseClick(kb.next_button, TAP)
    assert dlg.employee_edit.hasFocus()
    tap_text(qtbot, kb, "42")
    for field in (dlg.credential_fields.pin_edit, dlg.credential_fields.pin_again_edit):
        qtbot.mouseClick(kb.next_button, TAP)
        assert field.hasFocus()
        tap_text(qtbot, kb, "2468")
    qtbot.mouseClick(kb.next_button, TAP)
    tap_text(qtbot, kb, "9876543210")
    assert dlg.credential_fields.badge_edit.text() == "9876543210"

    qtbot.mouseClick(dlg.consent_box, TAP, pos=QPoint(24, dlg.consent_box.height() // 2))
    qtbot.waitUntil(lambda: dlg.camera.isVisible(), timeout=3000)  # a checkbox has the focus: picture again
    assert dlg.consent_box.isChecked()
    qtbot.mouseClick(dlg.add_button, TAP)
    qtbot.waitUntil(lambda: len(dlg.accepted_samples()) == 2 and not sampler.busy, timeout=SAMPLE_TIMEOUT_MS)
    assert len(dlg.camera.thumbnails) == 2
    assert dlg.save_button.isEnabled(), dlg.status_label.text()
    with qtbot.waitSignal(dlg.enrolled, timeout=10_000) as sig:
        qtbot.mouseClick(dlg.save_button, TAP)

    person = sig.args[0]
    assert (person.name, person.employee_no) == ("Alex Lacamoire", "42")
    assert "2468" not in credentials.path.read_text() and "9876543210" not in credentials.path.read_text()
    check = FallbackCheck(CredentialStore(tmp_path / "gallery"), lambda: store.load().people)
    assert check.check_pin("42", "2468").person_id == person.person_id
    assert check.check_badge("9876543210").person_id == person.person_id


def test_pins_that_differ_or_are_too_short_block_saving_with_a_reason(qtbot, sampler, tmp_path):
    dlg = EnrolDialog(GalleryStore(tmp_path / "g"), sampler, None, credentials=CredentialStore(tmp_path / "g"))
    qtbot.addWidget(dlg)
    fields = dlg.credential_fields
    fields.pin_edit.setText("12")
    assert fields.problem() == "The personal PIN needs 4 to 12 digits."
    fields.pin_edit.setText("1234")
    fields.pin_again_edit.setText("1243")
    assert fields.problem() == "The two PINs differ: type the same PIN twice."
    fields.pin_again_edit.setText("1234")
    assert fields.problem() == ""
    fields.pin_edit.clear()
    qtbot.keyClicks(fields.pin_edit, "12a4")  # the field takes digits only
    assert fields.pin_edit.text() == "124"


def test_the_live_picture_has_an_oval_and_asks_for_poses_and_every_control_is_finger_sized(
        qtbot, sampler, face_data, tmp_path):
    frame = load_image(face_data / "identities" / "Lin_Manuel_Miranda" / "1.png")
    dlg = EnrolDialog(GalleryStore(tmp_path / "g"), sampler, lambda: frame)
    qtbot.addWidget(dlg)
    dlg.resize(1280, 800)
    dlg.show()
    qtbot.waitExposed(dlg)
    preview = dlg.camera.preview
    qtbot.waitUntil(lambda: preview._image is not None, timeout=2000)
    oval = preview.oval()
    assert preview.rect().contains(oval.toRect()) and oval.height() > oval.width()
    assert dlg.camera.prompt.text() == "Look straight at the camera, face inside the oval"
    dlg.camera.next_pose()
    assert dlg.camera.prompt.text() == "Turn your head a little to the left"
    dlg.camera.next_pose()
    assert dlg.camera.prompt.text() == "Turn your head a little to the right"
    for widget in dlg.findChildren(QAbstractButton) + dlg.findChildren(QLineEdit):
        if widget.isVisible() and widget.parent() is not dlg.samples_list.viewport():
            assert widget.height() >= 48, (widget.objectName(), widget.text(), widget.height())
