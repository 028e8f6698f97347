"""Paths of the dlib model files shipped by the ``face_recognition_models`` wheel.

The package's own helpers import ``pkg_resources``, which recent setuptools no longer ships, so the paths
are built from the package folder, found without importing it. In a PyInstaller build the models sit in
``<bundle>/face_recognition_models/models``. The ``models_dir`` setting (``KIOSK_MODELS_DIR``, the TOML key
or ``--models-dir``; kiosk.core.config) overrides both.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import ModelMissingError

_PACKAGE = "face_recognition_models"


@dataclass(frozen=True, slots=True)
class ModelPaths:
    """The four dlib model files."""

    landmarks_5: Path
    landmarks_68: Path
    descriptor: Path
    cnn_detector: Path

    def require(self, *names: str) -> None:
        """Raise ModelMissingError naming the first of ``names`` whose file does not exist."""
        for name in names:
            path: Path = getattr(self, name)
            if not path.is_file():
                raise ModelMissingError(
                    f"The face model file {path} is missing. Reinstall the 'face-recognition-models' "
                    f"package, or point KIOSK_MODELS_DIR at a folder holding {path.name}."
                )


def models_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding the dlib ``.dat`` files (which may not exist: ``ModelPaths.require`` says so).

    ``override`` first, else the configured ``models_dir``, else the bundle's or the package's folder.
    """
    if not override:
        from kiosk.core.config import current_config

        override = current_config().models_dir
    if override:
        return Path(override)
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        return Path(meipass) / _PACKAGE / "models"
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError(
            "The 'face-recognition-models' package is not installed: run ./bootstrap.sh setup "
            "or pip install face-recognition-models."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def model_paths(folder: Path | None = None) -> ModelPaths:
    """The model file paths under ``folder`` (default: ``models_dir()``)."""
    root = folder if folder is not None else models_dir()
    return ModelPaths(
        landmarks_5=root / "shape_predictor_5_face_landmarks.dat",
        landmarks_68=root / "shape_predictor_68_face_landmarks.dat",
        descriptor=root / "dlib_face_recognition_resnet_model_v1.dat",
        cnn_detector=root / "mmod_human_face_detector.dat",
    )
