#!/usr/bin/env bash
# Lints the Go code with the pinned golangci-lint and the repository's .golangci.yml.
#
#   scripts/lint.sh                 golangci-lint run ./...
#   scripts/lint.sh run --fix ./x/  any golangci-lint arguments
#   scripts/lint.sh verify          check .golangci.yml against golangci-lint's JSON schema, offline
#                                   (plain `config verify` downloads the schema from the web)
#
# The first run builds golangci-lint (about a minute on 2 cores); later runs reuse the build cache.
set -euo pipefail

GOLANGCI_LINT_VERSION=v2.6.2
GOLANGCI_LINT_PKG="github.com/golangci/golangci-lint/v2/cmd/golangci-lint@${GOLANGCI_LINT_VERSION}"

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "${1:-}" = verify ]; then
	shift
	go run "$GOLANGCI_LINT_PKG" version >/dev/null # puts the module (and its schemas) in the module cache
	dir="$(go env GOMODCACHE)/github.com/golangci/golangci-lint/v2@${GOLANGCI_LINT_VERSION}"
	exec go run "$GOLANGCI_LINT_PKG" config verify --schema "file://$dir/jsonschema/golangci.jsonschema.json" "$@"
fi

if [ "$#" -eq 0 ]; then
	set -- run ./...
fi
exec go run "$GOLANGCI_LINT_PKG" "$@"
