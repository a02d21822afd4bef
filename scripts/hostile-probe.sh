#!/usr/bin/env bash
# Acceptance 1 of issue 10: start the default server (`go run .`, built once) on loopback,
# replay every hostile case against it with internal/hostile/probe, and print a table of
# answers, times and the server's RSS growth. A second server with introspection off
# answers item 6. Only 127.0.0.1 is contacted; each case is a bounded number of requests.
#
#   bash scripts/hostile-probe.sh            # PORT defaults to 18080
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-18080}
bin=$(mktemp -d)/skygraph
go build -o "$bin" .
go build -o "$bin-probe" ./internal/hostile/probe

serve() { # serve PORT [ENV=VALUE...]: start the server, wait until it answers, print its pid
	local p=$1; shift
	env PORT="$p" "$@" "$bin" >/dev/null 2>"$bin.$p.log" &
	local pid=$!
	for _ in $(seq 1 100); do
		curl -fsS "http://127.0.0.1:$p/healthz" >/dev/null 2>&1 && { echo "$pid"; return; }
		sleep 0.1
	done
	echo "server on $p did not start:" >&2; cat "$bin.$p.log" >&2; kill "$pid"; exit 1
}

pid=$(serve "$port")
trap 'kill "$pid" 2>/dev/null || true' EXIT
echo "## default server (pid $pid, 127.0.0.1:$port)"
"$bin-probe" -addr "127.0.0.1:$port" -pid "$pid"
kill "$pid"; wait "$pid" 2>/dev/null || true

pid=$(serve "$((port + 1))" SKYGRAPH_INTROSPECTION=false)
echo
echo "## SKYGRAPH_INTROSPECTION=false (pid $pid)"
"$bin-probe" -addr "127.0.0.1:$((port + 1))" -pid "$pid" -introspection-off
kill "$pid"; wait "$pid" 2>/dev/null || true
echo
echo "ERROR lines in the second server's log: $(grep -c '"level":"ERROR"' "$bin.$((port + 1)).log" || true)"
echo "non-JSON lines in the logs: $(cat "$bin".*.log | python3 -c 'import sys,json
n=0
for l in sys.stdin:
    try: json.loads(l)
    except Exception: n+=1
print(n)')"
