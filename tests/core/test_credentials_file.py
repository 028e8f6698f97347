"""The per-person PIN and badge hashes are readable by the kiosk's own user only, from the first write on."""

import os
import stat

from kiosk.core.credentials import CredentialStore


def test_the_credentials_file_is_owner_only_even_under_a_permissive_umask(tmp_path):
    old = os.umask(0o000)
    try:
        store = CredentialStore(tmp_path)
        store.set_pin("ann", "4711")
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(store.path).st_mode)
    assert mode == 0o600, oct(mode)
    assert CredentialStore(tmp_path).path.read_text(encoding="utf-8").count("4711") == 0  # hashed, not stored
