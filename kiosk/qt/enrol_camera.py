"""The live picture in the enrolment dialog: an oval to put the face in, the pose to take, and a thumbnail
per accepted sample.

The panel pulls the kiosk's latest frame (``frame_source()``) 10 times a second and mirrors it, as people
expect of a camera they face. Poses are asked in turn: straight, a little left, a little right, then
straight again; ``next_pose()`` moves on after each accepted sample.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

REFRESH_MS = 100
THUMB = 72
POSES = ("straight", "left", "right")


def _qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class LivePreview(QWidget):
    """The mirrored camera picture with the oval guide (or a sentence when there is no picture)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self.message = ""

    def set_frame(self, rgb: np.ndarray | None) -> None:
        self._image = None if rgb is None else _qimage(np.asarray(rgb)[:, ::-1])  # mirrored, like a mirror
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(480, 360)

    def oval(self) -> QRectF:
        """Where the face should be: an upright oval in the middle of the picture."""
        r = self._picture_rect()
        h = r.height() * 0.72
        w = h * 0.75
        return QRectF(r.center().x() - w / 2, r.center().y() - h / 2, w, h)

    def _picture_rect(self) -> QRectF:
        if self._image is None:
            return QRectF(self.rect())
        scale = min(self.width() / self._image.width(), self.height() / self._image.height())
        w, h = self._image.width() * scale, self._image.height() * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#1c2833"))
        if self._image is None:
            p.setPen(QColor("#ecf0f1"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
            return
        p.drawImage(self._picture_rect(), self._image)
        pen = QPen(QColor(255, 255, 255, 220), 4, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawEllipse(self.oval())


class EnrolCamera(QWidget):
    """``EnrolCamera(frame_source)``: live preview, pose prompt, thumbnails. ``pose`` is the pose asked now."""

    def __init__(self, frame_source: Callable[[], np.ndarray | None] | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame_source = frame_source
        self.preview = LivePreview()
        self.prompt = QLabel()
        self.prompt.setObjectName("posePrompt")
        self.prompt.setWordWrap(True)
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt.setStyleSheet("font-size: 24px; font-weight: 600;")
        self.thumbs = QHBoxLayout()
        self.thumbs.setSpacing(6)
        self.thumbs.addStretch(1)
        strip = QWidget()
        strip.setLayout(self.thumbs)
        strip.setMinimumHeight(THUMB + 4)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.preview, 1)
        box.addWidget(self.prompt)
        box.addWidget(strip)
        self.pose_index = 0
        self.thumbnails: list[QLabel] = []
        self._timer = QTimer(self, interval=REFRESH_MS, timeout=self.refresh)
        if frame_source is not None:
            self._timer.start()
        self.retranslate()
        self.refresh()

    @property
    def pose(self) -> str:
        return POSES[self.pose_index % len(POSES)]

    def pose_text(self) -> str:
        return {
            "straight": self.tr("Look straight at the camera, face inside the oval"),
            "left": self.tr("Turn your head a little to the left"),
            "right": self.tr("Turn your head a little to the right"),
        }[self.pose]

    def retranslate(self) -> None:
        self.prompt.setText(self.pose_text())
        self.preview.message = self.tr("No camera picture") if self._frame_source else self.tr(
            "No camera here: add photos instead")
        self.preview.update()

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def refresh(self) -> None:
        self.preview.set_frame(self._frame_source() if self._frame_source is not None else None)

    def next_pose(self) -> None:
        self.pose_index += 1
        self.retranslate()

    def add_thumbnail(self, rgb: np.ndarray, box=None, tip: str = "") -> QLabel:
        """Show a sample's face (its box, with a margin) as a small picture; returns the label."""
        crop = rgb
        if box is not None:
            h, w = rgb.shape[:2]
            m = int(0.25 * max(box.width, box.height))
            crop = rgb[max(0, box.top - m):min(h, box.bottom + m), max(0, box.left - m):min(w, box.right + m)]
        label = QLabel()
        label.setFixedSize(THUMB, THUMB)
        label.setToolTip(tip)
        label.setPixmap(QPixmap.fromImage(_qimage(crop)).scaled(
            THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
        label.setStyleSheet("border: 2px solid #27ae60;")
        self.thumbs.insertWidget(self.thumbs.count() - 1, label)
        self.thumbnails.append(label)
        return label

    def remove_thumbnail(self, index: int) -> None:
        if 0 <= index < len(self.thumbnails):
            label = self.thumbnails.pop(index)
            self.thumbs.removeWidget(label)
            label.deleteLater()

    def stop(self) -> None:
        self._timer.stop()
