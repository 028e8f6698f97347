"""Running the ops scripts from tests: one helper shared by the script test modules."""

from __future__ import annotations

import os
import subprocess
import tempfile


def run(args, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("timeout", 120)
    # backup.sh's metric for node-exporter goes to a scratch folder, not the repository's var/
    env = kwargs.get("env") or dict(os.environ)
    env.setdefault("TEXTFILE_DIR", tempfile.mkdtemp(prefix="faceattend-textfile-"))
    kwargs["env"] = env
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)

