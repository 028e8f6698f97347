#!/usr/bin/env bash
# Regenerates the lock files (pinned versions with sha256 hashes, for Python 3.11 on Linux):
#
#   requirements.lock          everything ./bootstrap.sh installs (dependencies + the dev and build extras)
#   requirements-server.lock   the server image's dependencies (Dockerfile, `pip install --require-hashes`)
#
#   scripts/lock.sh             after adding, removing or changing a dependency in pyproject.toml
#   scripts/lock.sh --upgrade   to move every pin to the newest allowed release (then run the tests)
#
# Only PyPI is consulted (the machine's pip config, local wheel folders and extra indexes are ignored), so
# every hash in the lock is one a clean machine or the image build can download. tests/ops checks that the
# locks cover pyproject.toml's dependencies.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
py="${PYTHON:-.venv/bin/python}"
[ -x "$py" ] || py=python3
"$py" -m piptools --version >/dev/null 2>&1 || "$py" -m pip install -q "pip-tools>=7.4"
compile() {
  env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null \
    CUSTOM_COMPILE_COMMAND="scripts/lock.sh" \
    "$py" -m piptools compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
    --resolver=backtracking "$@"
}
compile "$@" --extra dev --extra build -o requirements.lock pyproject.toml
"$py" scripts/container/server_requirements.py > .requirements-server.in
trap 'rm -f .requirements-server.in' EXIT
compile "$@" -o requirements-server.lock .requirements-server.in
echo "requirements.lock and requirements-server.lock regenerated: commit them with the pyproject change"
