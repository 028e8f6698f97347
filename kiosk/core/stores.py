"""The kiosk's stores opened from its config, so every part seals the gallery with the same key."""

from __future__ import annotations

from kiosk.core.config import KioskConfig
from kiosk.core.gallery import GalleryStore
from kiosk.core.secrets import sealer_for


def gallery_store(config: KioskConfig) -> GalleryStore:
    """The gallery of ``config``, sealed with its key file (``config.paths()`` says where both are)."""
    paths = config.paths()
    return GalleryStore(paths.gallery, sealer=sealer_for(paths.gallery, str(paths.key_file)))
