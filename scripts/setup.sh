#!/usr/bin/env bash
# Sets up everything pybet needs on a fresh machine, idempotently:
# a virtualenv in .venv with the Python dependencies, the Rust extension built in release mode,
# and redis-server (Debian package) for the durability tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v redis-server >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        log "installing redis-server from Debian's packages"
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        $SUDO apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
        # The package may start a system instance; the tests start their own on free ports.
        (command -v systemctl >/dev/null && $SUDO systemctl disable --now redis-server >/dev/null 2>&1) || true
    else
        log "warning: redis-server missing and no apt-get; Redis tests will be skipped"
    fi
fi

if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    python3 -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
stamp=.venv/.deps-stamp
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    log "installing Python dependencies"
    python -m pip install -q --upgrade pip
    python -m pip install -q "maturin>=1.9.4,<2"
    python - <<'PY' > .venv/requirements.txt
import tomllib
p = tomllib.load(open("pyproject.toml", "rb"))["project"]
deps = list(p["dependencies"])
for extra in ("dev", "bench"):
    deps += p.get("optional-dependencies", {}).get(extra, [])
print("\n".join(deps))
PY
    python -m pip install -q -r .venv/requirements.txt
    touch "$stamp"
fi

log "building the Rust extension (release)"
# Only maturin's news and errors pass the filter; pipefail keeps a failed build fatal.
maturin develop --release -q 2>&1 | { grep -vE '^(📦|🔗|🐍|📡|✏️|🛠|⚠️|💻|🍹|Ignoring |Requirement already satisfied|Looking in links)' || true; }
python -c "import pybet, sys; print(f'[setup] pybet {pybet.__version__} ready', file=sys.stderr)"
