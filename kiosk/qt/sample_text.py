"""The enrolment checks' sentences (``kiosk.vision.quality`` and ``kiosk.vision.enrol``, which have no Qt)
in the UI's language.

The vision layer writes English sentences, some with numbers; ``localise()`` finds each known sentence in a
text (a rejected sample's reason joins several) and puts in its translation with the numbers kept.
Unknown text passes unchanged.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

_N = r"(\d+)"
SENTENCES: tuple[tuple[str, str], ...] = (
    (rf"The face is too small \({_N} px wide; at least {_N} px is needed\)\. Use a closer or larger photo\.",
     QT_TRANSLATE_NOOP("SampleText", "The face is too small (%1 px wide; at least %2 px is needed). Use a closer or larger photo.")),  # noqa: E501
    (r"The face is too dark\. Use a photo taken in better light\.",
     QT_TRANSLATE_NOOP("SampleText", "The face is too dark. Use a photo taken in better light.")),
    (r"The face is too bright \(overexposed\)\. Avoid direct light or flash\.",
     QT_TRANSLATE_NOOP("SampleText", "The face is too bright (overexposed). Avoid direct light or flash.")),
    (r"The face is blurred\. Use a sharp photo and hold the camera still\.",
     QT_TRANSLATE_NOOP("SampleText", "The face is blurred. Use a sharp photo and hold the camera still.")),
    (r"The face is turned away or tilted\. Use a photo looking straight at the camera\.",
     QT_TRANSLATE_NOOP("SampleText", "The face is turned away or tilted. Use a photo looking straight at the camera.")),
    (r"No face was found in the photo\.", QT_TRANSLATE_NOOP("SampleText", "No face was found in the photo.")),
    (rf"{_N} faces are in the photo; use a photo showing only the person being enrolled\.",
     QT_TRANSLATE_NOOP("SampleText", "%1 faces are in the photo; use a photo showing only the person being enrolled.")),  # noqa: E501
    (r"This sample does not look like the person's other samples; it was left out\.",
     QT_TRANSLATE_NOOP("SampleText", "This sample does not look like the person's other samples; it was left out.")),
    (r"Enough samples of this pose; the others cover more poses\.",
     QT_TRANSLATE_NOOP("SampleText", "Enough samples of this pose; the others cover more poses.")),
    (r"\bCome closer\b", QT_TRANSLATE_NOOP("SampleText", "Come closer")),
    (r"More light, please", QT_TRANSLATE_NOOP("SampleText", "More light, please")),
    (r"Too bright: step out of direct light", QT_TRANSLATE_NOOP("SampleText", "Too bright: step out of direct light")),
    (r"^Hold still$|(?<= · )Hold still|Hold still(?= · )", QT_TRANSLATE_NOOP("SampleText", "Hold still")),
    (r"Look straight at the camera(?!,)", QT_TRANSLATE_NOOP("SampleText", "Look straight at the camera")),
)
_COMPILED = tuple((re.compile(pattern), template) for pattern, template in SENTENCES)


def _fill(template: str, match: re.Match) -> str:
    text = QCoreApplication.translate("SampleText", template)
    for i, value in enumerate(match.groups(), start=1):
        text = text.replace(f"%{i}", value)
    return text


def localise(text: str) -> str:
    """``text`` with every known sentence of the enrolment checks in the UI's language."""
    for pattern, template in _COMPILED:
        text = pattern.sub(lambda m, t=template: _fill(t, m), text)
    return text
