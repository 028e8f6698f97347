"""``kiosk --self-test``: load the models, find and embed the face in a bundled public-domain photo,
match it against itself, print a JSON verdict. Exit 0 when everything works, 1 with the reason."""

from __future__ import annotations

import json
import platform
import sys
import time

from kiosk import __version__
from kiosk.resources import resource_path

SELFTEST_IMAGE = ("selftest", "astronaut.jpg")


def self_test() -> int:
    verdict: dict = {"version": __version__, "python": platform.python_version(), "frozen": hasattr(sys, "_MEIPASS")}
    t0 = time.perf_counter()
    try:
        import numpy as np

        from kiosk.core.gallery import Gallery, Person
        from kiosk.core.matching import Matcher
        from kiosk.core.types import EMBEDDING_DIM
        from kiosk.vision.engine import FaceEngine
        from kiosk.vision.image_io import load_image

        engine = FaceEngine().load()
        verdict["models"] = str(engine.models.descriptor.parent)
        rgb = load_image(resource_path(*SELFTEST_IMAGE))
        faces = engine.detect_photo(rgb)
        verdict["faces"] = len(faces)
        if len(faces) != 1:
            raise RuntimeError(f"expected one face in the self-test photo, found {len(faces)}")
        vector = engine.embed(rgb, [faces[0].box])[0]
        if vector.shape != (EMBEDDING_DIM,) or not np.all(np.isfinite(vector)):
            raise RuntimeError("the face descriptor is not a finite 128-d vector")
        gallery = Gallery((Person("selftest", "Self test"),), vector[None, :], np.zeros(1, np.int32))
        match = Matcher(gallery).match(engine.embed(rgb, [faces[0].box], jitter=3)[0])
        verdict["distance"] = round(match.distance, 4)
        if match.person_id != "selftest":
            raise RuntimeError(f"the face did not match itself (distance {match.distance:.3f})")
        verdict["ok"] = True
    except Exception as exc:  # the verdict must say what broke, whatever it was
        verdict["ok"] = False
        verdict["error"] = f"{exc.__class__.__name__}: {exc}"
    verdict["seconds"] = round(time.perf_counter() - t0, 2)
    sys.stdout.write(json.dumps(verdict) + "\n")
    return 0 if verdict["ok"] else 1
