"""``python -m server serve``: the app under gunicorn, with prometheus_client's multiprocess mode."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def prepare_multiprocess_dir() -> Path:
    """Set PROMETHEUS_MULTIPROC_DIR (a fresh temporary folder if unset) and empty it.

    Must run before anything imports prometheus_client's metrics, so the metrics use the shared files.
    """
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    path = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="faceattend-prometheus-"))
    path.mkdir(parents=True, exist_ok=True)
    for child in path.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
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
