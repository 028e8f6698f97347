# syntax=docker/dockerfile:1.7
# The faceattend check-in server: Flask under gunicorn, prometheus_client in multiprocess mode.
#
#   docker build -t faceattend-server:0.1.0 .      (deploy.sh --build does this through compose)
#
# No secret is baked in: SECRET_KEY (or SECRET_KEY_FILE) and the database password come at run time, and
# the embeddings key (EMBEDDINGS_KEY_FILE, /data/keys/embeddings.key on the app-data volume) is created by
# the entrypoint on the first start, owner-only.
ARG PYTHON_IMAGE=python:3.11.9-slim-bookworm

# ---- build: a virtualenv with the server's dependencies and the project itself ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# The server's requirements are pyproject's dependencies less the kiosk-only ones (camera, vision, Qt),
# so a dependency added for the server reaches the image without editing this file.
COPY pyproject.toml ./
RUN python - <<'PY' > /tmp/requirements.txt
import re, tomllib
KIOSK_ONLY = {"dlib-bin", "face-recognition-models", "numpy", "opencv-python-headless", "pyside6-essentials"}
deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
for dep in deps:
    name = re.split(r"[\s\[<>=!~;]", dep, maxsplit=1)[0].lower()
    if name not in KIOSK_ONLY:
        print(dep)
PY
RUN pip install -r /tmp/requirements.txt

COPY . .
RUN pip install --no-deps . && python -c "import server"

# ---- runtime: the virtualenv, a non-root user, nothing else ----
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="faceattend-server" \
      org.opencontainers.image.description="Face-recognition attendance: check-in server" \
      org.opencontainers.image.licenses="MIT"

RUN groupadd --system --gid 10001 faceattend \
 && useradd --system --uid 10001 --gid faceattend --home-dir /nonexistent --no-create-home \
            --shell /usr/sbin/nologin faceattend \
 && mkdir -p /data/keys \
 && chown -R faceattend:faceattend /data \
 && chmod 700 /data/keys

COPY --from=build /opt/venv /opt/venv

# Reads *_FILE secrets into the environment the server expects, then runs the command.
COPY --chmod=0755 <<'SH' /usr/local/bin/faceattend-entrypoint
#!/bin/sh
# Secrets come as files (compose secrets under /run/secrets); the server reads environment variables.
set -eu
if [ -n "${SECRET_KEY_FILE:-}" ] && [ -z "${SECRET_KEY:-}" ]; then
  SECRET_KEY="$(cat "$SECRET_KEY_FILE")"
  export SECRET_KEY
fi
if [ -n "${REDIS_URL_FILE:-}" ] && [ -z "${REDIS_URL:-}" ]; then
  REDIS_URL="$(cat "$REDIS_URL_FILE")"
  export REDIS_URL
fi
# With POSTGRES_HOST set (the production profile), build DATABASE_URL from its parts and the password
# file; without it the server uses SQLite under INSTANCE_PATH.
if [ -n "${POSTGRES_HOST:-}" ] && [ -z "${DATABASE_URL:-}" ]; then
  password="$(cat "${POSTGRES_PASSWORD_FILE:-/run/secrets/postgres_password}")"
  DATABASE_URL="postgresql+psycopg://${POSTGRES_USER:-faceattend}:${password}@${POSTGRES_HOST}:${POSTGRES_PORT:-5432}/${POSTGRES_DB:-faceattend}"
  export DATABASE_URL
fi
# The embeddings key (32 bytes, AES-256-GCM) lives on the app-data volume, owned by this uid with mode
# 0600: never a compose secret (those are mounted world-readable, and the server refuses such a key).
# Created once, on the first start; it must be backed up with the database (scripts/backup.sh does):
# without it the stored embeddings are unreadable and everyone has to be enrolled again.
EMBEDDINGS_KEY_FILE="${EMBEDDINGS_KEY_FILE:-/data/keys/embeddings.key}"
export EMBEDDINGS_KEY_FILE
if [ ! -e "$EMBEDDINGS_KEY_FILE" ]; then
  echo "faceattend-entrypoint: no embeddings key at $EMBEDDINGS_KEY_FILE: creating one (back it up)" >&2
  # keygen never overwrites: replicas starting together race, and the losers use the winner's key.
  if ! python -m server keygen "$EMBEDDINGS_KEY_FILE" >&2; then
    [ -e "$EMBEDDINGS_KEY_FILE" ] || exit 1
    sleep 2  # another replica created it a moment ago: let it finish writing
  fi
fi
mkdir -p "${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus-multiproc}"
exec "$@"
SH

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    INSTANCE_PATH=/data \
    EMBEDDINGS_KEY_FILE=/data/keys/embeddings.key \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus-multiproc \
    XDG_RUNTIME_DIR=/tmp \
    PORT=8000 \
    WORKERS=2 \
    THREADS=4

WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"]

ENTRYPOINT ["faceattend-entrypoint"]
CMD ["sh", "-c", "exec python -m server serve --bind 0.0.0.0:${PORT} --workers ${WORKERS} --threads ${THREADS}"]
