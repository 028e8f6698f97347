"""The large greeting, readable from 1.5 m: each state told by an icon and words as well as by colour.

After a check-in by face a "Not you?" button stays for ``NOT_YOU_S`` seconds; pressing it emits
``notYou(checkin)``. Colours are for those who see them; the icon (✓ welcome, ↺ already, ✗ refused,
⚠ problem, ☺ idle) and the sentence say the same for those who do not.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QEvent, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

SHOW_MS = 4000
NOT_YOU_S = 10


class Mood(str, Enum):
    IDLE = "idle"
    HINT = "hint"
    WELCOME = "welcome"
    ALREADY = "already"
    REFUSED = "refused"
    ERROR = "error"


# background, icon; the text is always white on these (contrast >= 4.5:1 at this size)
LOOKS = {
    Mood.IDLE: ("#34495e", "☺"),
    Mood.HINT: ("#34495e", "…"),
    Mood.WELCOME: ("#1e8449", "✓"),
    Mood.ALREADY: ("#1f618d", "↺"),
    Mood.REFUSED: ("#a04000", "✗"),
    Mood.ERROR: ("#922b21", "⚠"),
}


class GreetingBanner(QWidget):
    notYou = Signal(object)  # the CheckIn the person says is not theirs

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("greeting")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setMinimumHeight(112)
        self.icon = QLabel()
        self.icon.setObjectName("greetingIcon")
        self.icon.setFixedWidth(84)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label = QLabel()
        self.label.setObjectName("greetingText")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.not_you_button = QPushButton()
        self.not_you_button.setObjectName("notYou")
        self.not_you_button.setMinimumSize(200, 72)
        self.not_you_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.not_you_button.clicked.connect(self._not_you)
        self.not_you_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.not_you_button)
        self.mood = Mood.IDLE
        self._checkin = None
        self._render: tuple = ()
        self._timer = QTimer(self, singleShot=True, interval=SHOW_MS, timeout=self.clear_greeting)
        self._not_you_timer = QTimer(self, singleShot=True, interval=NOT_YOU_S * 1000, timeout=self._hide_not_you)
        self.retranslate()
        self.clear_greeting()

    # -- the states ----------------------------------------------------------------------------------
    def _show(self, mood: Mood, render: tuple, hold_ms: int = SHOW_MS) -> None:
        if mood is self.mood and render == self._render and mood in (Mood.IDLE, Mood.HINT):
            return  # the same prompt again (every analysed frame asks): nothing to redraw
        restyle = mood is not self.mood or not self._render
        self.mood = mood
        self._render = render
        background, icon = LOOKS[mood]
        if restyle:
            self._restyle(background)
        self.icon.setText(icon)
        self.label.setText(self._text())
        self._fit()
        if mood in (Mood.IDLE, Mood.HINT):
            self._timer.stop()
        else:
            self._timer.start(hold_ms)

    def _restyle(self, background: str) -> None:
        self.setStyleSheet(
            f"#greeting {{ background: {background}; }}"
            "QLabel { color: white; font-weight: 600; background: transparent; }"
            "#greetingIcon { font-size: 40pt; }"
            "#notYou { background: white; color: #1c2833; font-size: 20pt; font-weight: 600; border-radius: 10px;"
            " padding: 0 18px; }"
        )

    def _fit(self) -> None:
        """The largest font (34 pt for news, 26 pt for prompts) at which the sentence fits the bar."""
        top = 26 if self.mood in (Mood.IDLE, Mood.HINT) else 34
        button = self.not_you_button.sizeHint().width() + 16 if self.not_you_button.isVisibleTo(self) else 0
        width = max(200, (self.width() or 1280) - self.icon.width() - button - 48)
        height = max(self.minimumHeight(), self.height()) - 16
        font = QFont(self.label.font())
        for size in range(top, 13, -2):
            font.setPointSize(size)
            box = QFontMetrics(font).boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap,
                                                  self.label.text())
            if box.height() <= height and box.width() <= width:
                break
        self.label.setFont(font)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _text(self) -> str:
        kind, *args = self._render
        texts = {
            "idle": lambda: self.tr("Look at the camera to check in"),
            "hint": self._prompt,
            "welcome": lambda name, at: self.tr("Welcome, %1, checked in at %2").replace("%1", name).replace("%2", at),
            "already": lambda name, at: self.tr("%1, already checked in at %2").replace("%1", name).replace("%2", at),
            "earlier": lambda name: self.tr("%1, already checked in earlier").replace("%1", name),
            "voided": lambda: self.tr("Sorry! That check-in is cancelled. Look at the camera again, or tap “Can't be recognised?”."),  # noqa: E501
            "text": lambda text: text,
        }
        return texts[kind](*args)

    def _prompt(self, text: str) -> str:
        """A face's prompt (``kiosk.core.types.Prompt``) in the UI's language."""
        known = {"Hold still": self.tr("Hold still"), "Please blink": self.tr("Please blink")}
        return known.get(str(text), str(text))

    def welcome(self, name: str, time_text: str, checkin=None) -> None:
        """Welcome; with ``checkin`` (a face check-in) "Not you?" is offered for 10 seconds."""
        hold = NOT_YOU_S * 1000 if checkin is not None else SHOW_MS
        self._show(Mood.WELCOME, ("welcome", name, time_text), hold)
        self._checkin = checkin
        self.not_you_button.setVisible(checkin is not None)
        self._fit()
        if checkin is not None:
            self._not_you_timer.start()

    def already(self, name: str, time_text: str | None) -> None:
        self._hide_not_you()
        self._show(Mood.ALREADY, ("already", name, time_text) if time_text else ("earlier", name))

    def hint(self, text: str) -> None:
        if not self._timer.isActive():
            self._show(Mood.HINT, ("hint", text))

    def refused(self, text: str) -> None:
        self._hide_not_you()
        self._show(Mood.REFUSED, ("text", text))

    def voided(self) -> None:
        self._hide_not_you()
        self._show(Mood.REFUSED, ("voided",), SHOW_MS * 2)

    def error(self, text: str) -> None:
        self._hide_not_you()
        self._show(Mood.ERROR, ("text", text))

    def clear_greeting(self) -> None:
        self._hide_not_you()
        self._show(Mood.IDLE, ("idle",))

    def text(self) -> str:
        """The sentence shown now."""
        return self.label.text()

    # -- "Not you?" ----------------------------------------------------------------------------------
    def _not_you(self) -> None:
        checkin, self._checkin = self._checkin, None
        self._hide_not_you()
        if checkin is not None:
            self.notYou.emit(checkin)

    def _hide_not_you(self) -> None:
        self._not_you_timer.stop()
        self.not_you_button.hide()
        if self.mood is Mood.WELCOME and self._timer.remainingTime() > SHOW_MS:
            self._timer.start(SHOW_MS)

    def retranslate(self) -> None:
        self.not_you_button.setText(self.tr("Not you?"))
        self.not_you_button.setAccessibleName(self.tr("Not you? Cancel this check-in"))
        if self._render:
            self.label.setText(self._text())
            self._fit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802
        self.retranslate()
        super().showEvent(event)
