"""The live picture with a box and a label over each face; a clear screen when there is no picture."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.core.types import FaceResult, FaceState, Prompt

COLOURS = {
    FaceState.CONFIRMED: QColor(46, 204, 113),  # green: a known, confirmed person
    FaceState.PENDING: QColor(243, 156, 18),  # amber: still deciding
    FaceState.UNKNOWN: QColor(189, 195, 199),  # neutral grey: not enrolled
}


def label_for(face: FaceResult) -> str:
    """The words over a face box, in the UI's language."""
    if face.state is FaceState.CONFIRMED:
        return face.name or ""
    if face.state is FaceState.PENDING:
        if (face.hint or Prompt.HOLD_STILL) == Prompt.BLINK:
            return QCoreApplication.translate("VideoView", "Please blink")
        return QCoreApplication.translate("VideoView", "Hold still")
    return QCoreApplication.translate("VideoView", "Unknown")


class VideoView(QWidget):
    """Paints, in ``paintEvent``, the last frame and faces it was given; never touched off the GUI thread."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)
        self._image: QImage | None = None
        self._frame_size = (0, 0)
        self._faces: tuple[FaceResult, ...] = ()
        self._message = self.tr("Starting camera…")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def set_frame(self, rgb: np.ndarray) -> None:
        h, w = rgb.shape[:2]
        # QImage shares the buffer: keep a reference to the array with the image.
        self._buffer = np.ascontiguousarray(rgb)
        self._image = QImage(self._buffer.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        self._frame_size = (w, h)
        self._message = ""
        self.update()

    def set_faces(self, faces: tuple[FaceResult, ...]) -> None:
        self._faces = faces
        self.update()

    def show_message(self, text: str) -> None:
        """Replace the picture with a message (camera missing, lost, ended)."""
        self._message = text
        self._image = None
        self._faces = ()
        self.update()

    @property
    def faces(self) -> tuple[FaceResult, ...]:
        return self._faces

    @property
    def message(self) -> str:
        return self._message

    def _target(self) -> tuple[QRectF, float]:
        w, h = self._frame_size
        scale = min(self.width() / w, self.height() / h)
        tw, th = w * scale, h * scale
        return QRectF((self.width() - tw) / 2, (self.height() - th) / 2, tw, th), scale

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(20, 24, 28))
        if self._image is None:
            p.setPen(QColor(236, 240, 241))
            font = QFont()
            font.setPointSize(max(14, self.height() // 18))
            p.setFont(font)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message)
            p.end()
            return
        target, scale = self._target()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(target, self._image)
        font = QFont()
        font.setPointSize(max(12, int(self.height() / 28)))
        font.setBold(True)
        p.setFont(font)
        for face in self._faces:
            colour = COLOURS[face.state]
            b = face.box
            r = QRectF(target.x() + b.left * scale, target.y() + b.top * scale, b.width * scale, b.height * scale)
            p.setPen(QPen(colour, max(3, int(self.height() / 160))))
            p.drawRect(r)
            text = label_for(face)
            if text:
                metrics = p.fontMetrics()
                tw = metrics.horizontalAdvance(text) + 16
                th = metrics.height() + 8
                label = QRectF(r.left(), max(target.top(), r.top() - th), max(tw, r.width()), th)
                p.fillRect(label, colour)
                p.setPen(QColor(0, 0, 0))
                p.drawText(label, Qt.AlignmentFlag.AlignCenter, text)
        p.end()
