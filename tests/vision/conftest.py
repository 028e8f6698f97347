from pathlib import Path

import pytest

from kiosk.resources import resource_path
from kiosk.vision.engine import FaceEngine
from kiosk.vision.image_io import load_image


@pytest.fixture(scope="session")
def engine() -> FaceEngine:
    return FaceEngine().load()


@pytest.fixture(scope="session")
def astronaut():
    """The public-domain astronaut photo shipped with the app (works without the shared data)."""
    return load_image(resource_path("selftest", "astronaut.jpg"))


def photo(face_data: Path, person: str, n: int = 1) -> Path:
    folder = face_data / "identities" / person
    for ext in ("jpg", "png", "jpeg"):
        p = folder / f"{n}.{ext}"
        if p.exists():
            return p
    raise FileNotFoundError(f"{folder}/{n}.*")
