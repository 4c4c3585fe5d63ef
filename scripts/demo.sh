#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the main job: a busy simulated market through the engine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
exec python examples/busy_market.py "$@"
