# The faceattend check-in server: Flask under gunicorn, prometheus_client in multiprocess mode.
#
#   docker build -t faceattend-server:0.1.0 .                       (Docker with BuildKit)
#   podman build --format docker -t faceattend-server:0.1.0 .       (podman / buildah, also 1.28 on Debian 12)
#
# No heredocs, no BuildKit-only syntax: the same file builds with both. Dependencies come from
# requirements-server.lock (pinned, with sha256 hashes; scripts/lock.sh regenerates it), so two builds of
# one commit install the same packages.
#
# The base image is pinned by digest. To refresh it (docs/operations.md, "Reproducible builds"):
#   docker pull python:3.11-slim-bookworm && docker inspect --format '{{index .RepoDigests 0}}' python:3.11-slim-bookworm
# and put the tag@digest below. Where no registry is reachable, build a base from Debian's packages and pass
# it in: `scripts/local-images.sh python-base` then
#   podman build --build-arg PYTHON_IMAGE=localhost/faceattend/python-base:bookworm ...
#
# No secret is baked in: SECRET_KEY (or SECRET_KEY_FILE) and the database password come at run time, and
# the embeddings key (EMBEDDINGS_KEY_FILE, /data/keys/embeddings.key on the app-data volume) is created by
# the entrypoint on the first start, owner-only.
ARG PYTHON_IMAGE=python:3.11.9-slim-bookworm@sha256:dad770592ab3582ab2dabcf0e18a863df9d86bd9d23efcfa614110ce49ac20e4

# ---- build: a virtualenv with the server's locked dependencies and the project itself ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# python3, not python: Debian's own python3 (the locally made base) has no "python" command.
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# Every package pinned and hash-checked; a dependency added to pyproject.toml needs `scripts/lock.sh`
# (tests/ops/test_lock.py fails until the lock covers it). The project itself goes in without its
# dependencies: the kiosk's (camera, vision, Qt) stay out of the server image.
COPY requirements-server.lock ./
RUN pip install --require-hashes --no-deps -r requirements-server.lock

COPY . .
RUN pip install --no-deps --no-build-isolation . \
 && python -c "from server import create_app; import server.gunicorn_app, psycopg, redis"

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

# Reads *_FILE secrets into the environment the server expects, creates the embeddings key, runs the command.
# (A file, not a heredoc: Debian's buildah 1.28 reads no `RUN <<EOF`/`COPY <<EOF`.)
COPY scripts/container/entrypoint.sh /usr/local/bin/faceattend-entrypoint

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
