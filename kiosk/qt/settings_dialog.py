"""The settings an admin changes on the spot: camera source, cooldown, match threshold, direction.

Save checks the values with ``KioskConfig.validate`` and writes only the settings the admin changed to the
TOML file (``save_settings`` keeps the others); ``saved`` carries the new config for the app to apply.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.config import KioskConfig, save_settings
from kiosk.errors import ConfigError, KioskError
from kiosk.qt.style import TOUCH

log = logging.getLogger(__name__)

UNITS = ((QT_TRANSLATE_NOOP("SettingsDialog", "seconds"), 1), (QT_TRANSLATE_NOOP("SettingsDialog", "minutes"), 60))
DIRECTIONS = ((QT_TRANSLATE_NOOP("SettingsDialog", "Arriving (check in)"), "in"),
              (QT_TRANSLATE_NOOP("SettingsDialog", "Leaving (check out)"), "out"))
LANGUAGES = ((QT_TRANSLATE_NOOP("SettingsDialog", "The system's language"), ""), ("English", "en"), ("Deutsch", "de"))
VIDEO_FILTER = "Videos and images (*.mp4 *.avi *.mkv *.mov *.webm *.gif *.jpg *.jpeg *.png);;All files (*)"
THRESHOLD_HELP = QT_TRANSLATE_NOOP("SettingsDialog", "How close a face must be to an enrolled one to count as a match. Lower is stricter: fewer mix-ups, but people may need to look at the camera a little longer. The default, 0.4225, was chosen on held-out test photos to accept under 1 % of strangers with 600 people enrolled; with fewer than 100 people the kiosk loosens it a little.")  # noqa: E501
THRESHOLD_DECIMALS = 4  # the measured default is 0.4725: every digit of it shows and survives a save
STYLE = TOUCH + """
QLabel#help { color: #555555; font-size: 16px; }
"""


def check_source(source: str) -> str:
    """The camera source, stripped; raises ConfigError when it is empty or names a missing file."""
    source = source.strip()
    if not source:
        raise ConfigError("enter a camera: a device number such as 0, a video file, or a stream URL")
    if source.isdigit() or "://" in source:
        return source
    if not Path(source).expanduser().exists():
        raise ConfigError(f"there is no camera or file called {source!r}")
    return source


class SettingsDialog(QDialog):
    """``SettingsDialog(config, config_file, parent=None)``; emits ``saved(KioskConfig)`` after writing.

    Only what the admin changed is written and emitted: a field left as it was shown keeps the config's
    exact value (a threshold of 0.4725 stays 0.4725), and Save with nothing changed writes nothing.
    """

    saved = Signal(object)

    def __init__(self, config: KioskConfig, config_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._config = config
        self._config_file = Path(config_file)
        self.new_config: KioskConfig | None = None
        self.setWindowTitle(self.tr("Settings"))
        self.setStyleSheet(STYLE)
        self.setMinimumWidth(640)
        form = QFormLayout()
        form.addRow(self.tr("Camera"), self._build_source(config))
        form.addRow(self.tr("Cooldown"), self._build_cooldown(config))
        form.addRow("", self._help(self.tr("How long before the same person is checked in again.")))
        form.addRow(self.tr("Match threshold"), self._build_threshold(config))
        form.addRow("", self._help(self.tr(THRESHOLD_HELP)))
        self.direction_combo = self._combo(DIRECTIONS, config.direction)
        form.addRow(self.tr("This kiosk records"), self.direction_combo)
        self.language_combo = self._combo(LANGUAGES, config.language.strip().lower())
        form.addRow(self.tr("Language"), self.language_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self._build_error())
        layout.addLayout(self._build_buttons())
        self._shown = self._values()  # what the admin sees before touching anything

    def _build_source(self, config: KioskConfig) -> QHBoxLayout:
        self.source_edit = QLineEdit(config.source)
        self.source_edit.setToolTip(
            self.tr("A device number (0 is the first camera), a video file, or an RTSP/HTTP URL."))
        self.browse_button = QPushButton(self.tr("Browse…"))
        self.browse_button.clicked.connect(self.browse_source)
        row = QHBoxLayout()
        row.addWidget(self.source_edit, 1)
        row.addWidget(self.browse_button)
        return row

    def _build_cooldown(self, config: KioskConfig) -> QHBoxLayout:
        self.cooldown_spin = QSpinBox()
        self.cooldown_spin.setRange(0, 100_000)
        self.cooldown_unit = QComboBox()
        for label, factor in UNITS:
            self.cooldown_unit.addItem(self.tr(label), factor)
        self.set_cooldown(config.cooldown_s)
        row = QHBoxLayout()
        row.addWidget(self.cooldown_spin, 1)
        row.addWidget(self.cooldown_unit)
        return row

    def _build_threshold(self, config: KioskConfig) -> QDoubleSpinBox:
        self.threshold_spin = QDoubleSpinBox()
        self.threshold_spin.setRange(0.0, 1.5)
        self.threshold_spin.setDecimals(THRESHOLD_DECIMALS)
        self.threshold_spin.setSingleStep(0.01)
        self.threshold_spin.setValue(config.threshold)
        return self.threshold_spin

    def _combo(self, choices: tuple[tuple[str, str], ...], current: str) -> QComboBox:
        combo = QComboBox()
        for label, value in choices:
            combo.addItem(self.tr(label), value)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        return combo

    @staticmethod
    def _help(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("help")
        label.setWordWrap(True)
        return label

    def _build_error(self) -> QLabel:
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        return self.error_label

    def _build_buttons(self) -> QHBoxLayout:
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        for b in (self.browse_button, self.save_button, self.cancel_button):
            b.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        return buttons

    def set_cooldown(self, seconds: float) -> None:
        """Show ``seconds`` in minutes when it is a whole number of minutes, else in seconds."""
        whole = round(seconds)
        if whole >= 60 and whole % 60 == 0:
            self.cooldown_unit.setCurrentIndex(1)
            self.cooldown_spin.setValue(whole // 60)
        else:
            self.cooldown_unit.setCurrentIndex(0)
            self.cooldown_spin.setValue(whole)

    def cooldown_seconds(self) -> float:
        return float(self.cooldown_spin.value() * int(self.cooldown_unit.currentData()))

    def choose_source_file(self) -> str:
        """Ask for a video file (replaceable in tests); "" when cancelled."""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a video file"), "", VIDEO_FILTER)
        return path

    @Slot()
    def browse_source(self) -> None:
        path = self.choose_source_file()
        if path:
            self.source_edit.setText(path)

    def _values(self) -> dict[str, object]:
        """What the widgets show now, by setting name."""
        return {
            "source": self.source_edit.text(),
            "cooldown_s": self.cooldown_seconds(),
            "threshold": round(self.threshold_spin.value(), THRESHOLD_DECIMALS),
            "direction": str(self.direction_combo.currentData()),
            "language": str(self.language_combo.currentData()),
        }

    def edited_config(self) -> KioskConfig:
        """The config with the values the admin changed; raises ConfigError when one is invalid."""
        edits = {k: v for k, v in self._values().items() if v != self._shown[k]}
        if "source" in edits:
            edits["source"] = check_source(str(edits["source"]))
        return dataclasses.replace(self._config, **edits).validate()

    def changes(self, new: KioskConfig) -> dict[str, object]:
        """The settings of this dialog whose values differ in ``new``."""
        return {k: getattr(new, k) for k in self._shown if getattr(new, k) != getattr(self._config, k)}

    @Slot()
    def save(self) -> None:
        """Validate, write what changed to the TOML file, emit ``saved`` and close; otherwise say what is wrong.

        With nothing changed, nothing is written or emitted: the dialog just closes.
        """
        try:
            new = self.edited_config()
        except ConfigError as exc:
            self.error_label.setText(self.tr("Not saved: %1.").replace("%1", str(exc)))
            return
        changes = self.changes(new)
        self.new_config = new
        if not changes:
            log.info("settings: nothing changed, nothing written")
            self.accept()
            return
        try:
            save_settings(changes, self._config_file)
        except (KioskError, OSError, ValueError) as exc:
            log.exception("cannot save settings to %s", self._config_file)
            self.new_config = None
            self.error_label.setText(self.tr("Not saved: the settings file %1 cannot be written (%2).").replace(
                "%1", str(self._config_file)).replace("%2", str(exc)))
            return
        log.info("settings saved to %s: %s", self._config_file, changes)
        self.saved.emit(new)
        self.accept()
