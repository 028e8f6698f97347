"""``python -m server serve``: the app under gunicorn, with prometheus_client's multiprocess mode."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


#: The files prometheus_client's multiprocess mode writes: ``<type>_<pid>.db``. Nothing else is ever deleted.
METRIC_FILE = re.compile(
    r"(counter|histogram|summary|gauge_(live)?(all|min|max|sum|mostrecent))_\d+\.db"
)


def prepare_multiprocess_dir() -> Path:
    """Set PROMETHEUS_MULTIPROC_DIR (a fresh temporary folder if unset) and delete the metric files of
    earlier runs in it: only prometheus_client's own files (METRIC_FILE), only at the top level, never a
    folder or a symbolic link, never anything else. Raises ConfigurationError when it is not a folder.

    Must run before anything imports prometheus_client's metrics, so the metrics use the shared files.
    """
    from server.config import ConfigurationError

    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if configured:
        path = Path(configured)
        if path.exists() and not path.is_dir():
            raise ConfigurationError(f"PROMETHEUS_MULTIPROC_DIR={configured} is not a folder")
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    else:
        path = Path(tempfile.mkdtemp(prefix="faceattend-prometheus-"))
    foreign = 0
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False) and METRIC_FILE.fullmatch(entry.name):
                Path(entry.path).unlink(missing_ok=True)
            else:
                foreign += 1
    if foreign:
        log.warning("PROMETHEUS_MULTIPROC_DIR %s holds %d entries that are not metric files; left alone "
                    "(give the metrics a folder of their own)", path, foreign)  # fmt: skip
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    import prometheus_client.values as values

    values.ValueClass = values.get_value_class()
    return path


def _child_exit(_server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def _post_worker_init(_worker: Any) -> None:
    from server import metrics

    metrics.update_rss(force=True)


def serve(bind: str, workers: int, threads: int, timeout: int = 30) -> None:
    """Run the server under gunicorn until it is stopped. Raises ConfigurationError before forking."""
    from gunicorn.app.base import BaseApplication

    from server.config import check_environment

    check_environment()  # before touching any file: a wrong configuration must not cost a deleted file
    multiproc = prepare_multiprocess_dir()
    from server import create_app

    # Validate the configuration and migrate the schema once, in the master, before any worker forks.
    probe = create_app()
    probe.extensions["db_engine"].dispose()
    log.info("serving on %s with %d workers x %d threads; metrics in %s", bind, workers, threads, multiproc)

    class Application(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": bind,
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread" if threads > 1 else "sync",
                "timeout": timeout,
                "graceful_timeout": 10,
                "keepalive": 5,
                "child_exit": _child_exit,
                "post_worker_init": _post_worker_init,
                "accesslog": os.environ.get("GUNICORN_ACCESS_LOG") or None,
                "errorlog": "-",
                "proc_name": "faceattend-server",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return create_app()

    Application().run()
