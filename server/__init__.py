"""The attendance server: a Flask app factory (flaskr style).

``create_app()`` reads the configuration (defaults -> environment -> ``test_config``), refuses a default
SECRET_KEY or a missing or unsafe EMBEDDINGS_KEY_FILE outside testing, creates or migrates the schema,
and wires the extensions (db, embeddings key, cache, metrics, retention timer).
Imports of the extensions happen inside the factory so that ``python -m server serve`` can set
PROMETHEUS_MULTIPROC_DIR before prometheus_client is imported.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The configured app. Raises server.config.ConfigurationError for an unusable configuration."""
    from server import api, cache, config, console, db, errors, files, health, metrics, privacy, retention

    app = Flask(__name__, instance_relative_config=True, instance_path=os.environ.get("INSTANCE_PATH") or None)
    files.owner_only_folder(app.instance_path)
    app.config.from_mapping(config.load(app.instance_path))
    if test_config is not None:
        app.config.from_mapping(test_config)
    config.validate(app.config)
    app.json.sort_keys = False

    errors.init_app(app)
    db.init_app(app)
    privacy.init_app(app)
    cache.init_app(app)
    metrics.init_app(app)
    retention.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    console.init_app(app)
    return app
