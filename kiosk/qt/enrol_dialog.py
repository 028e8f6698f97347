"""Enrol a person: name, consent, 3-5 good face samples from the camera or from photos, then save.

No consent, no enrolment: Save stays disabled, and says why, until the consent box is ticked. Samples are
computed in the worker process through ``AdminSampler``; this dialog only shows them. A face that already
matches someone enrolled is flagged and needs an explicit "this is a different person" before saving.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.credentials import CredentialStore
from kiosk.core.enrolment import Enrolment, enrol, find_duplicates
from kiosk.core.gallery import Consent, GalleryStore, Person, now_iso
from kiosk.core.matching import DEFAULT_MARGIN, DEFAULT_THRESHOLD, MatchPolicy
from kiosk.errors import KioskError
from kiosk.qt.admin_sampler import AdminSampler
from kiosk.qt.credential_fields import CredentialFields
from kiosk.qt.enrol_camera import EnrolCamera
from kiosk.qt.sample_text import localise
from kiosk.qt.style import TOUCH
from kiosk.qt.touch_keyboard import KeyboardDock
from kiosk.vision.enrol import Sample, choose_samples, sample_photo
from kiosk.vision.image_io import load_image

log = logging.getLogger(__name__)

MAX_SAMPLES = 10  # collected: frames across poses (kiosk.vision.enrol.choose_samples keeps the best)
KEEP_SAMPLES = 5  # saved: outliers dropped, then the ones covering the most poses
GOOD_SAMPLES = 3
_TURN = 0.08  # a sample this far from frontal (yaw) counts as a turned pose
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.bmp *.webp *.tif *.tiff)"
STYLE = TOUCH + """
QLabel#hint { font-size: 22px; font-weight: bold; min-height: 36px; }
QLabel#consent { font-size: 16px; }
"""


def consent_text(name: str) -> str:
    """The sentence the admin confirms, naming the person."""
    who = name.strip() or QCoreApplication.translate("EnrolDialog", "this person")
    return QCoreApplication.translate("EnrolDialog", "I confirm that %1 has agreed to have their face enrolled so that this kiosk can record their attendance, and has been told they can ask for their face data to be deleted at any time.").replace("%1", who)  # noqa: E501


def sample_hint(sample: Sample, accepted_count: int) -> str:
    """What to tell the person in front of the camera after one sample."""
    if sample.accepted:
        turned = sample.quality is not None and sample.quality.yaw >= _TURN
        good = QCoreApplication.translate("EnrolDialog", "Good sample (%1 of %2).")
        good = good.replace("%1", str(accepted_count)).replace("%2", str(MAX_SAMPLES))
        if accepted_count >= 2 and not turned:
            return good + " " + QCoreApplication.translate("EnrolDialog", "Now turn your head a little to one side.")
        return good
    if sample.quality is not None and sample.quality.hints:
        return localise(" · ".join(sample.quality.hints))
    if sample.reason:
        return localise(sample.reason)
    return QCoreApplication.translate("EnrolDialog", "This sample cannot be used.")


class EnrolDialog(QDialog):
    """``EnrolDialog(store, sampler, frame_source=None, parent=None)``; emits ``enrolled(Person)``."""

    enrolled = Signal(object)

    def __init__(
        self,
        store: GalleryStore,
        sampler: AdminSampler,
        frame_source: Callable[[], np.ndarray | None] | None = None,
        parent: QWidget | None = None,
        *,
        admin_label: str = "admin",
        threshold: float = DEFAULT_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
        credentials: CredentialStore | None = None,
    ) -> None:
        super().__init__(parent)
        self._credentials = credentials
        self._store = store
        self._sampler = sampler
        self._frame_source = frame_source
        self._admin_label = admin_label
        self._policy = MatchPolicy(threshold=threshold, margin=margin)
        self._entries: list[Sample] = []  # one per row of the list, accepted or not
        self._frames: dict[str, np.ndarray] = {}  # camera samples' pixels, for "keep photos"
        self._requested: set[str] = set()
        self._captures = 0
        self._duplicates: list[str] = []
        self._thumbs: dict[str, object] = {}  # sample source -> its thumbnail
        self.person: Person | None = None
        self.setStyleSheet(STYLE)
        self.setMinimumWidth(1000)
        self._build()
        sampler.sampleReady.connect(self._on_sample)
        sampler.failed.connect(self._on_failed)
        sampler.busyChanged.connect(self._refresh)
        self._refresh()

    def _build(self) -> None:
        self._build_form()
        self._build_samples()
        self._build_layout()
        self.retranslate()
        self.name_edit.textChanged.connect(self._refresh)
        self.consent_box.toggled.connect(self._refresh)
        self.confirm_different_box.toggled.connect(self._refresh)
        self.credential_fields.changed.connect(self._refresh)

    def _build_form(self) -> None:
        self.name_edit = QLineEdit()
        self.employee_edit = QLineEdit()
        self.form = QFormLayout()
        self.name_label, self.employee_label = QLabel(), QLabel()
        self.form.addRow(self.name_label, self.name_edit)
        self.form.addRow(self.employee_label, self.employee_edit)
        self.credential_fields = CredentialFields()
        self.consent_box = QCheckBox()
        self.consent_label = QLabel()
        self.consent_label.setObjectName("consent")
        self.consent_label.setWordWrap(True)
        self.keep_photos_box = QCheckBox()

    def _build_samples(self) -> None:
        self.camera = EnrolCamera(self._frame_source)
        self.capture_button = QPushButton()
        self.capture_button.clicked.connect(self.capture)
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self.browse_photos)
        self.remove_button = QPushButton()
        self.remove_button.clicked.connect(self.remove_selected)
        self.hint_label = QLabel()
        self.hint_label.setObjectName("hint")
        self.hint_label.setWordWrap(True)
        self.samples_list = QListWidget()
        self.samples_list.setMinimumHeight(56)
        self.samples_list.setWordWrap(True)
        self.samples_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.samples_list.currentRowChanged.connect(self._refresh)
        self.duplicate_label = QLabel()
        self.duplicate_label.setObjectName("warning")
        self.duplicate_label.setWordWrap(True)
        self.confirm_different_box = QCheckBox()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.save_button = QPushButton()
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton()
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)

    def _build_layout(self) -> None:
        """Left: the live picture, or the keyboard while a field is being typed in. Right: the form."""
        self.keyboard = KeyboardDock(self)
        left = QStackedWidget()
        left.addWidget(self.camera)
        left.addWidget(self.keyboard)
        self.keyboard.wanted.connect(lambda typing: left.setCurrentWidget(self.keyboard if typing else self.camera))
        buttons = QHBoxLayout()
        for b in (self.capture_button, self.add_button, self.remove_button):
            buttons.addWidget(b)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.save_button)
        right = QVBoxLayout()
        right.addLayout(self.form)
        right.addWidget(self.credential_fields)
        for w in (self.consent_box, self.consent_label, self.keep_photos_box):
            right.addWidget(w)
        right.addLayout(buttons)
        right.addWidget(self.hint_label)
        right.addWidget(self.samples_list, 1)
        for w in (self.duplicate_label, self.confirm_different_box, self.error_label):
            right.addWidget(w)
        columns = QHBoxLayout()
        columns.addWidget(left, 5)
        columns.addLayout(right, 6)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addLayout(bottom)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Enrol a person"))
        self.name_label.setText(self.tr("Name"))
        self.employee_label.setText(self.tr("Employee no."))
        self.name_edit.setPlaceholderText(self.tr("Full name"))
        self.employee_edit.setPlaceholderText(self.tr("Optional"))
        self.consent_box.setText(self.tr("Consent given"))
        self.keep_photos_box.setText(self.tr("Keep the photos, not only the face measurements"))
        self.capture_button.setText(self.tr("Capture"))
        self.add_button.setText(self.tr("Add photos…"))
        self.remove_button.setText(self.tr("Remove"))
        self.hint_label.setText(self.tr("Add 3 to 5 samples: capture from the camera or add photos."))
        self.confirm_different_box.setText(self.tr("This is a different person: enrol anyway"))
        self.save_button.setText(self.tr("Save"))
        self.cancel_button.setText(self.tr("Cancel"))

    # What the admin sees ---------------------------------------------------------------------------
    def accepted_samples(self) -> list[Sample]:
        return [s for s in self._entries if s.accepted]

    def rejected_samples(self) -> list[Sample]:
        return [s for s in self._entries if not s.accepted]

    def consent_text(self) -> str:
        return consent_text(self.name_edit.text())

    def blocker(self) -> str:
        """Why Save is disabled right now, or "" when saving is allowed."""
        if not self.name_edit.text().strip():
            return self.tr("Enter the person's name.")
        if not self.consent_box.isChecked():
            return self.tr("No consent, no enrolment: tick “Consent given” once the person has agreed.")
        if self._sampler.busy:
            return self.tr("Checking a sample… please wait.")
        if not self.accepted_samples():
            return self.tr("Add at least one good sample (%1 to %2 recognise best).").replace(
                "%1", str(GOOD_SAMPLES)).replace("%2", str(MAX_SAMPLES))
        if self._duplicates and not self.confirm_different_box.isChecked():
            return self.tr("Tick “This is a different person” to enrol anyway, or cancel.")
        return self.credential_fields.problem(self._credentials)

    @Slot()
    def _refresh(self, *_args) -> None:
        self.consent_label.setText(self.consent_text())
        full = len(self.accepted_samples()) >= MAX_SAMPLES
        self.capture_button.setEnabled(self._frame_source is not None and not full)
        self.capture_button.setToolTip("" if self._frame_source else self.tr("No camera is connected."))
        self.add_button.setEnabled(not full)
        self.remove_button.setEnabled(self.samples_list.currentRow() >= 0)
        self.duplicate_label.setText("\n".join(self._duplicates))
        self.duplicate_label.setVisible(bool(self._duplicates))
        self.confirm_different_box.setVisible(bool(self._duplicates))
        reason = self.blocker()
        self.save_button.setEnabled(not reason)
        n = len(self.accepted_samples())
        if reason:
            self.status_label.setText(reason)
        elif n < GOOD_SAMPLES:
            self.status_label.setText(self.tr("Ready to save. %1 to %2 samples recognise better.").replace(
                "%1", str(GOOD_SAMPLES)).replace("%2", str(MAX_SAMPLES)))
        else:
            self.status_label.setText(self.tr("Ready to save (%1 good samples).").replace("%1", str(n)))

    # Getting samples -------------------------------------------------------------------------------
    @Slot()
    def capture(self) -> None:
        """Take the camera's latest frame and have it checked."""
        frame = self._frame_source() if self._frame_source is not None else None
        if frame is None:
            self.hint_label.setText(self.tr("No camera picture yet. Check the camera and try again."))
            return
        self._captures += 1
        source = f"camera #{self._captures}"
        self._frames[source] = np.ascontiguousarray(frame, dtype=np.uint8).copy()
        self._requested.add(source)
        self.hint_label.setText(self.tr("Checking… hold still."))
        self._sampler.request_frame_sample(self._frames[source], source)

    @Slot()
    def browse_photos(self) -> None:
        paths = self.choose_photo_files()
        if paths:
            self.add_photo_files(paths)

    def choose_photo_files(self) -> list[str]:
        """Ask for image files (a separate method so tests and kiosks without a file picker can replace it)."""
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Add photos"), "", IMAGE_FILTER)
        return list(paths)

    def add_photo_files(self, paths: list[str]) -> None:
        """Have each photo checked; results appear in the list as they come."""
        for path in paths:
            self._requested.add(str(path))
            self._sampler.request_file_sample(str(path))
        if paths:
            self.hint_label.setText(self.tr("Checking %1 photo(s)…").replace("%1", str(len(paths))))

    @Slot(object)
    def _on_sample(self, sample: Sample) -> None:
        if sample.source not in self._requested:  # a shared sampler may answer someone else
            return
        self._requested.discard(sample.source)
        if sample.accepted and len(self.accepted_samples()) >= MAX_SAMPLES:
            enough = self.tr("Enough samples already (%1).").replace("%1", str(MAX_SAMPLES))
            sample = Sample(sample.source, None, sample.box, sample.quality, enough)
        self._entries.append(sample)
        label = _short(sample.source)
        text = f"✓  {label}" if sample.accepted else f"✗  {label}: {localise(sample.reason or '')}"
        item = QListWidgetItem(text)
        item.setToolTip(sample.source)
        self.samples_list.addItem(item)
        self.hint_label.setText(sample_hint(sample, len(self.accepted_samples())))
        if sample.accepted:
            self._show_thumbnail(sample)
            self._check_duplicates()
        self._refresh()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._requested.clear()
        self.error_label.setText(message)
        self._refresh()

    @Slot()
    def remove_selected(self) -> None:
        row = self.samples_list.currentRow()
        if row < 0:
            return
        sample = self._entries.pop(row)
        self._frames.pop(sample.source, None)
        thumb = self._thumbs.pop(sample.source, None)
        if thumb is not None:
            self.camera.remove_thumbnail(self.camera.thumbnails.index(thumb))
        self.samples_list.takeItem(row)
        self._check_duplicates()
        self._refresh()

    def _check_duplicates(self) -> bool:
        """Look up the accepted samples in the gallery; False (with the error shown) if it cannot be read."""
        accepted = self.accepted_samples()
        try:
            gallery = self._store.load()
        except KioskError as exc:
            self.error_label.setText(self.tr("The gallery cannot be read: %1").replace("%1", str(exc)))
            return False
        found = find_duplicates(gallery, np.stack([s.embedding for s in accepted]), self._policy) if accepted else []
        self._duplicates = [
            self.tr("This face already matches %1 (distance %2).").replace("%1", d.name).replace(
                "%2", f"{d.distance:.2f}")
            for d in found
        ]
        if not self._duplicates:
            self.confirm_different_box.setChecked(False)
        return True

    # Saving ----------------------------------------------------------------------------------------
    @Slot()
    def save(self) -> None:
        """Enrol the person (after a last duplicate check); errors are shown as sentences."""
        self.error_label.clear()
        if not self._check_duplicates():
            self._refresh()
            return
        self._refresh()
        reason = self.blocker()
        if reason:
            self.status_label.setText(reason)
            return
        name = self.name_edit.text().strip()
        kept, dropped = choose_samples(self.accepted_samples(), KEEP_SAMPLES)
        for sample in dropped:
            log.info("enrolment sample %s left out: %s", sample.source, sample.reason)
        try:
            keep = self.keep_photos_box.isChecked()
            photos = tuple(sample_photo(s, self._frames.get(s.source)) for s in kept) if keep else ()
            person = enrol(self._store, Enrolment(
                name, np.stack([s.embedding for s in kept]),
                Consent(given_by=self._admin_label, given_at=now_iso(), text=self.consent_text()),
                employee_no=self.employee_edit.text().strip() or None, photos=photos,
            ))
            if self._credentials is not None:
                self.credential_fields.store(self._credentials, person.person_id)
        except (KioskError, OSError, ValueError) as exc:
            log.exception("enrolment of %s failed", name)
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.error_label.setText(self.tr("%1 was not enrolled: %2").replace("%1", name).replace("%2", detail))
            return
        self.person = person
        self.enrolled.emit(person)
        self.accept()

    def _show_thumbnail(self, sample: Sample) -> None:
        """A thumbnail of the accepted sample; a camera sample that shows the asked pose moves to the next."""
        rgb = self._frames.get(sample.source)
        if rgb is None:
            try:
                rgb = load_image(sample.source)
            except KioskError:
                return
        else:
            turned = sample.quality is not None and sample.quality.yaw >= _TURN
            if turned == (self.camera.pose != "straight"):
                self.camera.next_pose()
        self._thumbs[sample.source] = self.camera.add_thumbnail(rgb, sample.box, _short(sample.source))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
            self._refresh()
        super().changeEvent(event)

    def done(self, result: int) -> None:
        self.camera.stop()
        for signal, slot in (
            (self._sampler.sampleReady, self._on_sample),
            (self._sampler.failed, self._on_failed),
            (self._sampler.busyChanged, self._refresh),
        ):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        super().done(result)


def _short(source: str) -> str:
    """A file's folder and name ("Alex/2.jpg"); camera sources as they are."""
    parts = source.replace("\\", "/").split("/")
    return "/".join(parts[-2:])
