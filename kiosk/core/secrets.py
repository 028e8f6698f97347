"""Encryption at rest for biometric data: AES-256-GCM with a key kept outside the data files.

The key lives in a file with owner-only permissions (the ``key_file`` setting: ``KIOSK_KEY_FILE``,
``--key-file``, or ``keys/gallery.key`` in the platform's config folder), created on first use. A sealed
blob is ``MAGIC + nonce(12) + ciphertext+tag``; blobs without the magic are read as plain data (galleries
written before encryption) and sealed on the next write.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kiosk.errors import GalleryKeyError

log = logging.getLogger(__name__)

MAGIC = b"FAGCM1\n"
_AAD = b"faceattend-gallery-v1"


class Sealer:
    """Seals and opens blobs with the key in ``key_file`` (created, 0600, when sealing needs one)."""

    def __init__(self, key_file: str | os.PathLike[str]) -> None:
        self.key_file = Path(key_file)
        self._key: bytes | None = None

    def _load(self, *, create: bool) -> bytes:
        if self._key is not None:
            return self._key
        if self.key_file.exists():
            mode = self.key_file.stat().st_mode & 0o077
            if mode and os.name == "posix":
                log.warning("key file %s is readable by others; fixing its permissions", self.key_file)
                os.chmod(self.key_file, 0o600)
            key = self.key_file.read_bytes()
            if len(key) != 32:
                raise GalleryKeyError(f"The key file {self.key_file} is damaged (expected 32 bytes).")
        elif create:
            key = os.urandom(32)
            self.key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(key)
                fh.flush()
                os.fsync(fh.fileno())
            log.info("created a new gallery key at %s", self.key_file)
        else:
            raise GalleryKeyError(
                f"The gallery is encrypted and its key file {self.key_file} is missing. Restore the key "
                "from your backup or set KIOSK_KEY_FILE to it."
            )
        self._key = key
        return key

    def seal(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(12)
        return MAGIC + nonce + AESGCM(self._load(create=True)).encrypt(nonce, data, _AAD)

    def open(self, blob: bytes) -> bytes:
        if not blob.startswith(MAGIC):
            return blob  # written before encryption was switched on
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        body = blob[len(MAGIC) :]
        try:
            return AESGCM(self._load(create=False)).decrypt(body[:12], body[12:], _AAD)
        except InvalidTag as exc:
            raise GalleryKeyError(
                f"The gallery cannot be decrypted with the key in {self.key_file}: wrong key, or the file "
                "was altered."
            ) from exc


def sealer_for(gallery_dir: str | os.PathLike[str] | None = None, key_file: str | None = None) -> Sealer:
    """The sealer for a gallery: ``key_file`` if given, else the configured one (kiosk.core.config)."""
    if not key_file:
        from kiosk.core.config import current_config

        key_file = current_config().key_file
    return Sealer(key_file)
