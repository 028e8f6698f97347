"""An on-screen keyboard for the admin dialogs on a touchscreen without a physical keyboard.

PySide6-Essentials has no Qt Virtual Keyboard, so this is a widget of our own: QWERTY for English, QWERTZ
with Ä Ö Ü ß for German, a digits row, Shift (one letter) and Caps, ⌫, space and "Next" (to the next
field). Keys never take the focus; they type into the focused text field (``QLineEdit`` or a spin box's
editor). ``attach_keyboard(dialog)`` docks one at the bottom of a dialog and shows it while a text field
has the focus.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.qt.i18n import keyboard_layout

KEY_MIN = 48  # px: a finger
ROWS = {
    "qwerty": ("1234567890", "qwertyuiop", "asdfghjkl'", "zxcvbnm,.-"),
    "qwertz": ("1234567890ß", "qwertzuiopü", "asdfghjklöä", "yxcvbnm,.-"),
}
STYLE = f"""
QWidget#touchKeyboard {{ background: #d5d8dc; border-top: 1px solid #aab7b8; }}
QPushButton {{ min-height: {KEY_MIN}px; min-width: {KEY_MIN}px; font-size: 22px; padding: 0 4px;
              background: white; color: #1c2833; border: 1px solid #aab7b8; border-radius: 6px; }}
QPushButton:pressed {{ background: #aed6f1; }}
QPushButton:checked {{ background: #5dade2; color: white; }}
"""


def _text_target(widget: QWidget | None) -> QLineEdit | None:
    """The line edit a key should type into: the focused one, or a spin box's editor."""
    if isinstance(widget, QLineEdit) and not widget.isReadOnly():
        return widget
    if isinstance(widget, QAbstractSpinBox):
        return widget.findChild(QLineEdit)
    return None


class TouchKeyboard(QWidget):
    """``TouchKeyboard(layout="qwerty" | "qwertz" | None)``: None follows the UI's language."""

    typed = Signal(str)  # each character or key name ("backspace", "next"), for the log and the tests

    def __init__(self, layout: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("touchKeyboard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.layout_name = layout or keyboard_layout()
        self.keys: dict[str, QPushButton] = {}
        self._shift = False
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 8, 8, 8)
        box.setSpacing(6)
        rows = ROWS[self.layout_name]
        for i, row in enumerate(rows):
            line = QHBoxLayout()
            line.setSpacing(6)
            if i == 3:
                self.shift_button = self._special(line, "⇧", self._toggle_shift, checkable=True)
            for ch in row:
                line.addWidget(self._key(ch))
            if i == 0:
                self.backspace_button = self._special(line, "⌫", self._backspace)
            if i == 3:
                self.caps_button = self._special(line, "⇪", self._refresh_caps, checkable=True)
            box.addLayout(line)
        bottom = QHBoxLayout()
        bottom.setSpacing(6)
        for ch in "@_":
            bottom.addWidget(self._key(ch))
        self.space_button = self._special(bottom, "", lambda: self._type(" "), stretch=6)
        self.next_button = self._special(bottom, "", self._next, stretch=2)
        box.addLayout(bottom)
        self.retranslate()

    # -- keys ----------------------------------------------------------------------------------------
    def _key(self, ch: str) -> QPushButton:
        button = QPushButton(ch)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoDefault(False)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.clicked.connect(lambda _=False, b=button: self._type(b.text()))
        self.keys[ch] = button
        return button

    def _special(self, line: QHBoxLayout, text: str, slot, *, checkable: bool = False, stretch: int = 1):
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoDefault(False)
        button.setCheckable(checkable)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.clicked.connect(slot)
        line.addWidget(button, stretch)
        return button

    def retranslate(self) -> None:
        self.space_button.setText(self.tr("Space"))
        self.next_button.setText(self.tr("Next ⏎"))
        self.backspace_button.setAccessibleName(self.tr("Delete"))
        self.shift_button.setAccessibleName(self.tr("Shift"))
        self.caps_button.setAccessibleName(self.tr("Caps lock"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    @property
    def upper(self) -> bool:
        return self._shift != self.caps_button.isChecked()

    def _toggle_shift(self) -> None:
        self._shift = self.shift_button.isChecked()
        self._refresh_caps()

    def _refresh_caps(self) -> None:
        for ch, button in self.keys.items():
            button.setText(ch.upper() if self.upper and ch.isalpha() and ch != "ß" else ch)

    # -- typing --------------------------------------------------------------------------------------
    def _type(self, text: str) -> None:
        target = _text_target(QApplication.focusWidget())
        if target is None:
            return
        target.insert(text)
        self.typed.emit(text)
        if self._shift:  # Shift is for one letter
            self._shift = False
            self.shift_button.setChecked(False)
            self._refresh_caps()

    def _backspace(self) -> None:
        target = _text_target(QApplication.focusWidget())
        if target is not None:
            target.backspace()
            self.typed.emit("backspace")

    def _next(self) -> None:
        """To the next field, as Tab would (Enter in the last field does not press a default button)."""
        focus = QApplication.focusWidget()
        if focus is None:
            return
        QApplication.sendEvent(focus, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier))
        self.typed.emit("next")


class KeyboardDock(QWidget):
    """Holds a keyboard for ``dialog``, wanted while one of its text fields has the focus.

    ``wanted(bool)`` says when that changes; with ``own_visibility`` the dock also shows and hides itself
    (at the bottom of a dialog), otherwise the dialog decides (e.g. in place of its camera picture).
    """

    wanted = Signal(bool)

    def __init__(self, dialog: QDialog, *, own_visibility: bool = False) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        self._own = own_visibility
        self.is_wanted = False
        self.keyboard = TouchKeyboard(parent=self)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addStretch(1)
        box.addWidget(self.keyboard)
        if own_visibility:
            self.hide()
        QApplication.instance().focusChanged.connect(self._focus_changed)
        dialog.destroyed.connect(self._disconnect)

    def _focus_changed(self, _old, new) -> None:
        if new is None or not isinstance(new, QWidget) or new.window() is not self._dialog:
            return  # focus left for another window (a message box): keep the state
        if new is self or self.isAncestorOf(new):
            return
        wanted = _text_target(new) is not None
        if self._own:
            self.setVisible(wanted)
        if wanted != self.is_wanted:
            self.is_wanted = wanted
            self.wanted.emit(wanted)

    def _disconnect(self) -> None:
        try:
            QApplication.instance().focusChanged.disconnect(self._focus_changed)
        except (RuntimeError, TypeError):
            pass


def attach_keyboard(dialog: QDialog) -> KeyboardDock:
    """Add an on-screen keyboard at the bottom of ``dialog`` (its layout must be a box layout)."""
    dock = KeyboardDock(dialog, own_visibility=True)
    dialog.layout().addWidget(dock)
    return dock
