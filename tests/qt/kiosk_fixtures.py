"""Galleries enrolled from the shared photos, for the kiosk tests."""

from __future__ import annotations

import numpy as np

from kiosk.core.gallery import GalleryStore
from kiosk.core.secrets import Sealer
from kiosk.vision.engine import FaceEngine
from kiosk.vision.enrol import sample_from_file

HAMILTON = "video/hamilton_short_640x360.mp4"


def enrol_hamilton(face_data, gallery_dir, key_file) -> GalleryStore:
    """Lin-Manuel Miranda and Alex Lacamoire, enrolled from their photos in identities/."""
    engine = FaceEngine().load()
    store = GalleryStore(gallery_dir, sealer=Sealer(key_file))
    for name, pid, folder in (("Lin-Manuel Miranda", "miranda", "Lin_Manuel_Miranda"),
                              ("Alex Lacamoire", "lacamoire", "Alex_Lacamoire")):
        photos = sorted((face_data / "identities" / folder).iterdir())
        samples = [sample_from_file(engine, str(p)) for p in photos]
        vectors = np.stack([s.embedding for s in samples if s.accepted])
        store.add_person(name, vectors, person_id=pid)
    return store
