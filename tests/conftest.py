"""Shared fixtures. Qt runs offscreen in every test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from tests.helpers import require_face_data  # noqa: E402


@pytest.fixture(scope="session")
def face_data():
    """The shared face data folder (skips, or fails under CI, when missing)."""
    return require_face_data()
