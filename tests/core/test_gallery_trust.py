"""Gallery files from outside (issue 12.8-12.10): a planted plaintext gallery is refused once the kiosk
encrypts, damaged files fail with a sentence naming the file and the way back, names carry no controls."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from kiosk.core.gallery import Consent, Gallery, GalleryStore, Person, serialize
from kiosk.core.secrets import MAGIC, Sealer
from kiosk.errors import GalleryError
from kiosk.link.people import _person_from_wire
from tests.helpers import ROOT


def vec(seed: int, n: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 128)).astype(np.float32)


@pytest.fixture
def sealed(tmp_path):
    store = GalleryStore(tmp_path / "g", sealer=Sealer(tmp_path / "keys" / "gallery.key"))
    store.add_person("Ada", vec(1), person_id="ada")
    return store


def _kiosk(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_a_planted_plaintext_gallery_is_refused_once_the_kiosk_encrypts(sealed):
    planted = Gallery((Person("ada", "Mallory"),), vec(9), np.zeros(1, np.int32))
    sealed.path.write_bytes(serialize(planted))
    with pytest.raises(GalleryError, match="not encrypted") as info:
        sealed.load()
    assert str(sealed.path) in str(info.value) and "migrate-gallery" in str(info.value)


def test_the_migration_command_takes_a_plaintext_gallery_in_explicitly(sealed, tmp_path):
    old = Gallery((Person("bob", "Bob"),), vec(2), np.zeros(1, np.int32))
    sealed.path.write_bytes(serialize(old))
    key = str(tmp_path / "keys" / "gallery.key")
    r = _kiosk("migrate-gallery", "--gallery", str(sealed.root), "--key-file", key)
    assert r.returncode == 0, r.stderr
    assert sealed.path.read_bytes().startswith(MAGIC)
    assert [p.name for p in sealed.load().people] == ["Bob"]
    assert '"migrated": false' in _kiosk("migrate-gallery", "--gallery", str(sealed.root), "--key-file", key).stdout


@pytest.mark.parametrize("damage", ["truncated", "flipped", "no_people"])
def test_a_damaged_gallery_file_names_itself_and_the_way_back(sealed, damage):
    blob = sealed.path.read_bytes()
    if damage == "truncated":
        blob = blob[: len(MAGIC) + 5]  # used to be "ValueError: Nonce must be between 8 and 128 bytes"
    elif damage == "flipped":
        blob = blob[:-40] + bytes([blob[-40] ^ 1]) + blob[-39:]
    else:  # decrypts, but the header lost its people (used to be a KeyError)
        import io
        import json

        with np.load(io.BytesIO(sealed.sealer.open(blob)), allow_pickle=False) as npz:
            parts = {k: npz[k] for k in npz.files}
        parts["header"] = np.frombuffer(json.dumps({"format": "faceattend-gallery", "version": 1}).encode(), np.uint8)
        buf = io.BytesIO()
        np.savez(buf, **parts)
        blob = sealed.sealer.seal(buf.getvalue())
    sealed.path.write_bytes(blob)
    with pytest.raises(GalleryError) as info:
        sealed.load()
    message = str(info.value)
    assert str(sealed.path) in message and "backup" in message and "sync-people" in message


def test_the_command_line_says_so_without_a_traceback(sealed, tmp_path):
    sealed.path.write_bytes(MAGIC + b"\x00" * 5)
    r = _kiosk("people", "--gallery", str(sealed.root), "--key-file", str(tmp_path / "keys" / "gallery.key"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "damaged" in r.stderr and "backup" in r.stderr


BAD_NAMES = ["Eve\x1b[31m", "Eve\rAdmin", "Eve\x00", "Ev\x85e", "Eve\u202eevil", "\u2066Eve\u2069", "Eve\u200f"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_names_with_controls_or_bidi_overrides_are_refused_at_enrol_rename_and_pull(tmp_path, name):
    store = GalleryStore(tmp_path / "g")
    with pytest.raises(GalleryError, match="control or text-direction"):
        store.add_person(name, vec(1))
    store.add_person("Eve", vec(1), person_id="eve")
    with pytest.raises(GalleryError, match="control or text-direction"):
        store.rename("eve", name)
    consent = {"given": True, "at": "2024-05-01T08:00:00+00:00", "given_by": "admin", "text": "t"}
    with pytest.raises(GalleryError):
        _person_from_wire({"person_id": "x", "name": name, "consent": consent, "embeddings": vec(2).tolist()}, None)
    assert [p.name for p in store.load().people] == ["Eve"]


def test_names_in_any_script_stay_welcome(tmp_path):
    store = GalleryStore(tmp_path / "g")
    for i, name in enumerate(["Zoë Ångström-Łukasiewicz", "محمد", "山田 太郎", "O'Brien, Seán"]):
        assert store.add_person(name, vec(i), consent=Consent("a", "2024-05-01T08:00:00+00:00", "t")).name == name
