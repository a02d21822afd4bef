#!/usr/bin/env bash
# Usage: scripts/quiet.sh CMD [ARGS...]
#
# Runs CMD with its stdout and stderr merged, drops lines (and fragments) that are known to be
# harmless, and exits with CMD's status. When CMD fails, it says so loudly on stderr, so a
# failure is never lost in the remaining output.
#
# What is dropped, and why it is harmless:
#   - "Runtime process exited abnormally: waitid: no child processes": jsii-runtime-go (the
#     CDK's Go bindings) waits twice for its node child at exit; the second wait finds the
#     child already reaped. Printed without a newline, so it is cut out of the line it is
#     glued to.
#   - npm's "New major/minor version of npm available" notices (also switched off by
#     NO_UPDATE_NOTIFIER / npm_config_update_notifier in the Makefile).
# Node.js end-of-life banners are not filtered here: the Makefile silences them at the
# source (JSII_SILENCE_WARNING_*_NODE_VERSION with the running major version).
set -uo pipefail

if [ "$#" -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi

"$@" 2>&1 | sed -u \
	-e 's/Runtime process exited abnormally: waitid: no child processes//g' \
	-e '/^npm notice *$/d' \
	-e '/^npm notice New .* version of npm available/d' \
	-e '/^npm notice Changelog:/d' \
	-e '/^npm notice To update run:/d'
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
	printf '\n*** FAILED (exit %s): %s\n\n' "$status" "$*" >&2
fi
exit "$status"
