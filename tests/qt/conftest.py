"""Fixtures for all Qt tests."""

import gc

import pytest


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_gui_thread():
    """Free a finished test's app on the GUI thread.

    A kiosk app left in a reference cycle would otherwise be collected whenever the collector next runs,
    possibly in the next test's camera or recognition thread, which deletes Qt objects off their thread.
    """
    yield
    gc.collect()
