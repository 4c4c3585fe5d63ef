#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the main job: the gateway (`pybet serve`) with a demo load
# (`pybet load`) against it for a few seconds, then prints the summary and stops the server
# cleanly, then starts it again on the same store to show recovery (snapshot + journal replay).
# The store is the embedded file store in a fresh temporary directory, removed at the end, so
# every run starts from the same empty state (PYBET_DEMO_STORE=URL uses your store instead and
# leaves it in place: a second run then recovers it and trades on).
# Extra arguments go to `pybet load` (e.g. --rate 20000 for an open-loop run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate

read -r PORT HTTP_PORT < <(python - <<'PY'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
PY
)
LOG=$(mktemp -t pybet-serve.XXXXXX.log)
DATA=""
if [ -n "${PYBET_DEMO_STORE:-}" ]; then
    STORE=$PYBET_DEMO_STORE
else
    DATA=$(mktemp -d -t pybet-demo-data.XXXXXX)
    STORE="file:$DATA"
fi
SERVER=""
cleanup() {
    if [ -n "$SERVER" ]; then kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    if [ -n "$DATA" ]; then rm -rf "$DATA"; fi
    rm -f "$LOG"
}
trap cleanup EXIT

start_server() {
    pybet serve --port "$PORT" --http-port "$HTTP_PORT" --store "$STORE" --log-level WARNING 2>>"$LOG" &
    SERVER=$!
    for _ in $(seq 1 100); do
        if python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$HTTP_PORT/healthz', timeout=1)" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$SERVER" 2>/dev/null; then cat "$LOG" >&2; exit 1; fi
        sleep 0.1
    done
    cat "$LOG" >&2; exit 1
}

journal_seq() {
    python - "$HTTP_PORT" <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5).read().decode()
print(next(line.split()[-1] for line in text.splitlines() if line.startswith("pybet_journal_seq")))
PY
}

start_server
echo "== pybet serve on 127.0.0.1:$PORT (store $STORE, metrics http://127.0.0.1:$HTTP_PORT/metrics)"
echo "== pybet load: 4 pipelining clients for 5 s"
pybet load --port "$PORT" --clients 4 --duration 5 "$@"
echo "== server metrics"
python - "$HTTP_PORT" <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5).read().decode()
for line in text.splitlines():
    if line.startswith(
        ("pybet_batches", "pybet_commands", "pybet_journal_seq", "pybet_replies", "pybet_loop_lag_max")
    ):
        print("  " + line)
PY
SEQ=$(journal_seq)
kill -TERM "$SERVER"
wait "$SERVER"
SERVER=""
echo "== server stopped cleanly at journal seq $SEQ (snapshot written)"
start_server
echo "== restarted on $STORE: recovered to journal seq $(journal_seq)"
kill -TERM "$SERVER"
wait "$SERVER"
SERVER=""
echo "== server stopped cleanly"
