"""Embeddings at rest: AES-256-GCM with a key kept in a file outside the database.

The key file (``EMBEDDINGS_KEY_FILE``) holds 32 random bytes and must be readable by its owner only. In
testing (or debug) a missing key file is created; otherwise the server refuses to start without one
(create it once with ``python -m server keygen``). A sealed vector is ``MAGIC + nonce(12) +
ciphertext+tag``, with the person id as associated data, so a row copied onto another person does not
decrypt. Rows without the magic are vectors stored before encryption; ``seal_legacy_rows`` encrypts them.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

MAGIC = b"FAE1"
KEY_BYTES = 32
_AAD = b"faceattend-embedding-v1:"


class KeyFileError(RuntimeError):
    """The embeddings key file is missing, unsafe or damaged; the message says what to do."""


def create_key_file(path: str | os.PathLike[str]) -> Path:
    """Write a new random key to ``path`` (0600, parent 0700); raises FileExistsError if it exists."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(os.urandom(KEY_BYTES))
        fh.flush()
        os.fsync(fh.fileno())
    log.info("created a new embeddings key at %s", path)
    return path


def read_key_file(path: str | os.PathLike[str], *, create: bool) -> bytes:
    """The key in ``path``. Raises KeyFileError when it is missing (and not ``create``), readable by
    others (group or world), or not 32 bytes."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise KeyFileError(
                f"EMBEDDINGS_KEY_FILE {path} does not exist: create it once with "
                f"'python -m server keygen {path}' and keep a backup of it with the database backups"
            )
        create_key_file(path)
    mode = path.stat().st_mode
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"EMBEDDINGS_KEY_FILE {path} is readable by other users (mode {stat.S_IMODE(mode):o}): "
            f"chmod 600 {path}"
        )
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"EMBEDDINGS_KEY_FILE {path} is damaged: expected {KEY_BYTES} bytes, found {len(key)}")
    return key


class EmbeddingSealer:
    """Encrypts and decrypts one stored vector, bound to its person id."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, person_id: str, vector: bytes) -> bytes:
        nonce = os.urandom(12)
        return MAGIC + nonce + self._aead.encrypt(nonce, vector, _AAD + person_id.encode("utf-8"))

    def open(self, person_id: str, blob: bytes) -> bytes:
        """The plain vector bytes. Raises KeyFileError when the blob does not decrypt with this key."""
        blob = bytes(blob)
        if not blob.startswith(MAGIC):
            return blob  # stored before encryption; seal_legacy_rows encrypts it at start
        body = blob[len(MAGIC) :]
        try:
            return self._aead.decrypt(body[:12], body[12:], _AAD + person_id.encode("utf-8"))
        except InvalidTag as exc:
            raise KeyFileError(
                "a stored embedding does not decrypt: the EMBEDDINGS_KEY_FILE is not the key it was written with"
            ) from exc

    @staticmethod
    def is_sealed(blob: bytes) -> bool:
        return bytes(blob).startswith(MAGIC)
