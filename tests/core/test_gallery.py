import io
import json
import multiprocessing as mp
import os

import numpy as np
import pytest

from kiosk.core.gallery import GalleryStore, deserialize, serialize
from kiosk.core.secrets import Sealer
from kiosk.errors import GalleryError, GalleryKeyError, PersonNotFoundError


def vec(seed: int, n: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 128)).astype(np.float32) * 0.1


def test_added_person_survives_a_reload(tmp_path):
    store = GalleryStore(tmp_path / "g")
    p = store.add_person("Ada Lovelace", vec(1, 3), employee_no="E1")
    g = GalleryStore(tmp_path / "g").load()
    assert [x.name for x in g.people] == ["Ada Lovelace"]
    assert g.person(p.person_id).employee_no == "E1"
    assert np.allclose(g.embeddings_of(p.person_id), vec(1, 3))


def test_adding_to_an_existing_id_appends_embeddings(tmp_path):
    store = GalleryStore(tmp_path)
    store.add_person("Ada", vec(1), person_id="ada")
    store.add_person("Ada L.", vec(2), person_id="ada")
    g = store.load()
    assert g.counts() == {"ada": 2}
    assert g.person("ada").name == "Ada L."


def test_remove_deletes_embeddings_and_photos(tmp_path):
    store = GalleryStore(tmp_path)
    store.add_person("Ada", vec(1), person_id="ada", keep_photos=True)
    store.add_person("Bob", vec(2), person_id="bob")
    photos = store.photos_dir("ada")
    photos.mkdir(parents=True)
    (photos / "1.jpg").write_bytes(b"x")
    store.remove("ada")
    g = store.load()
    assert [p.person_id for p in g.people] == ["bob"]
    assert len(g.embeddings) == 1
    assert not photos.exists()
    with pytest.raises(PersonNotFoundError):
        store.remove("ada")


def test_rename(tmp_path):
    store = GalleryStore(tmp_path)
    store.add_person("Ada", vec(1), person_id="ada")
    store.rename("ada", "Ada Byron")
    assert store.load().person("ada").name == "Ada Byron"


@pytest.mark.parametrize("bad", ["", "../x", "a b", "x" * 65])
def test_invalid_person_ids_are_refused(tmp_path, bad):
    with pytest.raises(GalleryError):
        GalleryStore(tmp_path).add_person("Ada", vec(1), person_id=bad)


def test_wrong_embedding_shape_or_nan_is_refused(tmp_path):
    store = GalleryStore(tmp_path)
    with pytest.raises(GalleryError):
        store.add_person("Ada", np.zeros((1, 64)))
    bad = vec(1)
    bad[0, 3] = np.nan
    with pytest.raises(GalleryError):
        store.add_person("Ada", bad)
    assert store.load().people == ()


def test_a_failed_edit_changes_nothing(tmp_path):
    store = GalleryStore(tmp_path)
    store.add_person("Ada", vec(1), person_id="ada")
    with pytest.raises(RuntimeError), store.edit() as g:
        g.remove("ada")
        raise RuntimeError("boom")
    assert store.load().counts() == {"ada": 1}


def test_corrupt_or_foreign_file_gives_a_clear_error(tmp_path):
    store = GalleryStore(tmp_path)
    store.path.write_bytes(b"not a gallery")
    with pytest.raises(GalleryError, match="not a readable gallery"):
        store.load()


def test_other_format_version_is_refused(tmp_path):
    store = GalleryStore(tmp_path)
    store.add_person("Ada", vec(1))
    with np.load(io.BytesIO(serialize(store.load()))) as npz:
        parts = {k: npz[k] for k in npz.files}
    header = json.loads(parts["header"].tobytes())
    header["version"] = 9
    parts["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **parts)
    data = buf.getvalue()
    with pytest.raises(GalleryError, match="format version 9"):
        deserialize(data)


def _enrol_many(root: str, key: str, start: int) -> None:
    store = GalleryStore(root, sealer=Sealer(key))
    for i in range(start, start + 10):
        store.add_person(f"P{i}", vec(i), person_id=f"p{i}")


def test_two_processes_enrolling_at_once_lose_nobody(tmp_path):
    ctx = mp.get_context("spawn")
    key = str(tmp_path / "k.key")
    procs = [ctx.Process(target=_enrol_many, args=(str(tmp_path / "g"), key, s)) for s in (0, 100)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    g = GalleryStore(tmp_path / "g", sealer=Sealer(key)).load()
    assert len(g.people) == 20


def test_encrypted_gallery_does_not_contain_the_raw_embedding(tmp_path):
    key = tmp_path / "keys" / "gallery.key"
    store = GalleryStore(tmp_path / "g", sealer=Sealer(key))
    v = vec(7)
    store.add_person("Ada", v, person_id="ada")
    raw = store.path.read_bytes()
    assert v.tobytes() not in raw
    assert v[0, :8].tobytes() not in raw
    assert (key.stat().st_mode & 0o777) == 0o600
    assert np.allclose(store.load().embeddings_of("ada"), v)


def test_encrypted_gallery_without_its_key_fails_clearly(tmp_path):
    store = GalleryStore(tmp_path / "g", sealer=Sealer(tmp_path / "a.key"))
    store.add_person("Ada", vec(1))
    with pytest.raises(GalleryKeyError, match="missing"):
        GalleryStore(tmp_path / "g", sealer=Sealer(tmp_path / "nope.key")).load()
    other = tmp_path / "b.key"
    other.write_bytes(os.urandom(32))
    with pytest.raises(GalleryKeyError, match="cannot be decrypted"):
        GalleryStore(tmp_path / "g", sealer=Sealer(other)).load()


def test_plain_gallery_is_read_and_sealed_on_next_write(tmp_path):
    GalleryStore(tmp_path / "g").add_person("Ada", vec(1), person_id="ada")
    sealed = GalleryStore(tmp_path / "g", sealer=Sealer(tmp_path / "k.key"))
    assert sealed.load().counts() == {"ada": 1}
    sealed.add_person("Bob", vec(2), person_id="bob")
    assert sealed.path.read_bytes().startswith(b"FAGCM1")
