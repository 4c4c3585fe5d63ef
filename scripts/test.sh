#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the Python gates and the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
echo "== ruff"; ruff check .; ruff format --check .
echo "== mypy"; mypy
echo "== stubtest"; python -m mypy.stubtest pybet._core --allowlist .ci/stubtest-allowlist.txt
echo "== pytest"; python -m pytest "$@"
