"""Shared fixtures. Qt runs offscreen in every test."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from tests.helpers import require_face_data  # noqa: E402


@pytest.fixture(scope="session")
def face_data():
    """The shared face data folder (skips, or fails under CI, when missing)."""
    return require_face_data()


@pytest.fixture(autouse=True)
def qt_objects_die_in_the_gui_thread(request):
    """After a test that used Qt, collect its garbage here, in the GUI thread.

    Left to itself, Python's cyclic collector runs in whichever thread allocates next: a camera or bridge
    thread of the next test could destroy the last test's Qt objects there, and a QObject destroyed outside
    its thread leaves its running timers behind for the GUI thread to crash on.
    """
    yield
    if "qtbot" in request.fixturenames:
        gc.collect()
