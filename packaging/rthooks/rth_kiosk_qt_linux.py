"""PyInstaller runtime hook (Linux builds): make Qt use only the plugins build.spec ships.

build.spec keeps the ``xcb`` and ``offscreen`` platform plugins and drops ``wayland*``,
``xcbglintegrations``, ``eglfs`` and the rest (the kiosk paints with QPainter; it needs no OpenGL).
Without this hook Qt would still look for them:

* ``QT_XCB_GL_INTEGRATION=none``: the xcb plugin does not search for a GL integration that is not there.
* ``QT_QPA_PLATFORM`` naming only platforms the bundle lacks (``wayland`` is a common global setting)
  would make Qt abort with "no Qt platform plugin could be initialized": ``xcb`` (XWayland) is added as
  the fallback in Qt's ``;``-separated list. A value that names a shipped plugin is left alone.

Runs before the entry script, in the main process and in the recognition worker process alike; it only
sets environment variables.
"""

import os

_SHIPPED_PLATFORMS = ("xcb", "offscreen")


def _pyi_rthook() -> None:
    os.environ.setdefault("QT_XCB_GL_INTEGRATION", "none")
    wanted = os.environ.get("QT_QPA_PLATFORM", "")
    if wanted:
        names = [part.split(":", 1)[0].strip() for part in wanted.split(";")]
        if not any(name in _SHIPPED_PLATFORMS for name in names):
            os.environ["QT_QPA_PLATFORM"] = wanted + ";xcb"


_pyi_rthook()
del _pyi_rthook
