#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the main job: the gateway (`pybet serve`) with a demo load
# (`pybet load`) against it for a few seconds, then prints the summary and stops the server
# cleanly. The store is `memory:` until the embedded file store lands (then: file:PATH).
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
STORE=${PYBET_DEMO_STORE:-memory:}
pybet serve --port "$PORT" --http-port "$HTTP_PORT" --store "$STORE" --log-level WARNING 2>"$LOG" &
SERVER=$!
cleanup() { kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
trap cleanup EXIT

for _ in $(seq 1 100); do
    if python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$HTTP_PORT/healthz', timeout=1)" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$SERVER" 2>/dev/null; then cat "$LOG" >&2; exit 1; fi
    sleep 0.1
done
echo "== pybet serve on 127.0.0.1:$PORT (store $STORE, metrics http://127.0.0.1:$HTTP_PORT/metrics)"
echo "== pybet load: 4 pipelining clients for 5 s"
pybet load --port "$PORT" --clients 4 --duration 5 "$@"
echo "== server metrics"
python - "$HTTP_PORT" <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5).read().decode()
for line in text.splitlines():
    if line.startswith(("pybet_batches", "pybet_commands", "pybet_journal_seq", "pybet_replies")):
        print("  " + line)
PY
kill -TERM "$SERVER"
wait "$SERVER"
trap - EXIT
echo "== server stopped cleanly"
