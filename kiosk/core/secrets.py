"""Encryption at rest for biometric data: AES-256-GCM with a key kept outside the data files.

The key lives in a file with owner-only permissions (the ``key_file`` setting: ``KIOSK_KEY_FILE``,
``--key-file``, or ``keys/gallery.key`` in the platform's config folder), created on first use. A sealed
blob is ``MAGIC + nonce(12) + ciphertext+tag``. Once a kiosk encrypts (its key file exists), a blob without
the magic is refused: a planted plaintext gallery must not change anyone's template. A gallery written
before encryption was switched on is taken in only by ``python -m kiosk migrate-gallery``
(``Sealer(..., allow_plaintext=True)``), or while no key exists yet, and sealed on the next write.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kiosk.core.atomic import OWNER_ONLY
from kiosk.errors import GalleryError, GalleryKeyError

log = logging.getLogger(__name__)

MAGIC = b"FAGCM1\n"
_AAD = b"faceattend-gallery-v1"
_NONCE = 12
_TAG = 16
RECOVERY = ("Restore the gallery folder from a backup, or move this file away and pull the people from the "
            "server again (python -m kiosk sync-people).")  # fmt: skip


class Sealer:
    """Seals and opens blobs with the key in ``key_file`` (created, 0600, when sealing needs one)."""

    def __init__(self, key_file: str | os.PathLike[str], *, allow_plaintext: bool = False) -> None:
        self.key_file = Path(key_file)
        self.allow_plaintext = allow_plaintext
        self._key: bytes | None = None

    def _load(self, *, create: bool) -> bytes:
        if self._key is not None:
            return self._key
        if self.key_file.exists():
            mode = self.key_file.stat().st_mode & 0o077
            if mode and os.name == "posix":
                log.warning("key file %s is readable by others; fixing its permissions", self.key_file)
                os.chmod(self.key_file, OWNER_ONLY)
            key = self.key_file.read_bytes()
            if len(key) != 32:
                raise GalleryKeyError(f"The key file {self.key_file} is damaged (expected 32 bytes).")
        elif create:
            key = os.urandom(32)
            self.key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
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

    def open(self, blob: bytes, source: str = "The gallery") -> bytes:
        """The plain bytes of ``blob`` (read from ``source``, named in errors).

        Raises GalleryError for a plaintext blob once this kiosk encrypts, or a truncated one;
        GalleryKeyError for a missing or wrong key or an altered file.
        """
        if not blob.startswith(MAGIC):
            if self.allow_plaintext or not self.key_file.exists():
                return blob  # written before encryption was switched on: sealed on the next write
            raise GalleryError(
                f"{source} is not encrypted, but this kiosk encrypts its gallery (key {self.key_file}); it is "
                "refused so that a planted file cannot change anyone's face template. If you restored an "
                "unencrypted gallery on purpose, take it in with: python -m kiosk migrate-gallery --gallery "
                f"FOLDER. Otherwise: {RECOVERY}"
            )
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        body = blob[len(MAGIC) :]
        if len(body) < _NONCE + _TAG:
            raise GalleryError(f"{source} is damaged (cut short at {len(blob)} bytes). {RECOVERY}")
        try:
            return AESGCM(self._load(create=False)).decrypt(body[:_NONCE], body[_NONCE:], _AAD)
        except InvalidTag as exc:
            raise GalleryKeyError(
                f"{source} cannot be decrypted with the key in {self.key_file}: wrong key, or the file was "
                f"altered or damaged. If the key is right: {RECOVERY}"
            ) from exc


def sealer_for(gallery_dir: str | os.PathLike[str] | None = None, key_file: str | None = None) -> Sealer:
    """The sealer for a gallery: ``key_file`` if given, else the configured one (kiosk.core.config)."""
    if not key_file:
        from kiosk.core.config import current_config

        key_file = current_config().key_file
    return Sealer(key_file)
