#!/usr/bin/env bash
# Usage: make run-local-aws
#    or: SKYGRAPH_NETNS=off bash scripts/with-services.sh bash scripts/run-local-aws.sh [go run flags]
#
# Serves `go run .` against DynamoDB Local and cognito-local instead of the embedded store and
# the local identity provider, so the AWS code paths (the DynamoDB client and its errors,
# Cognito sign-up and sign-in, JWKS verification) can be tried by hand on a laptop, with the
# same pinned stand-ins the tests use (package.json, started by scripts/with-services.sh).
#
# Why SKYGRAPH_NETNS=off: with-services.sh normally runs its command in a private network
# namespace whose only interface is a loopback of its own. A server in there cannot be reached
# from this machine's browser or curl, so this script must run in the machine's namespace. The
# price is that DynamoDB Local, which has no bind-address flag, listens on all interfaces
# while it runs; it holds only the demo data, in memory, and accepts any credentials. Do not
# run this on an untrusted network. cognito-local binds to 127.0.0.1 only.
#
# What it does, in memory (every run starts afresh):
#   1. a user pool in cognito-local (e-mail usernames, the groups Admin and RestaurantOwner, an
#      app client for password and refresh-token sign-in), holding the README's demo accounts
#      (demo@, admin@, owner@example.com) with their passwords and groups;
#   2. the table in DynamoDB Local, created and seeded with the demo catalog (`skygraph seed`);
#   3. `go run .` on http://localhost:${PORT:-8080}/ with that configuration, until Ctrl-C.
# Accounts made with signUp get their confirmation code in cognito-local's log (the path is
# printed by with-services.sh at start).
set -euo pipefail

SKYGRAPH_LOG_PREFIX=run-local-aws
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

ddb="${SKYGRAPH_TEST_DYNAMODB_ENDPOINT:-}"
cog="${SKYGRAPH_TEST_COGNITO_ENDPOINT:-}"
[ -n "$ddb" ] && [ -n "$cog" ] || die "run me through scripts/with-services.sh (make run-local-aws does)"
[ "${SKYGRAPH_IN_NETNS:-0}" != 1 ] ||
	die "running inside with-services.sh's private network namespace: nothing outside could reach the server; set SKYGRAPH_NETNS=off (make run-local-aws does)"
command -v curl >/dev/null 2>&1 || die "needs curl (to set up the user pool in cognito-local)"

# cip ACTION JSON: one Cognito API call to cognito-local (it checks no signature).
cip() {
	curl -sS --fail-with-body -X POST "$cog" -H 'Content-Type: application/x-amz-json-1.1' \
		-H "X-Amz-Target: AWSCognitoIdentityProviderService.$1" -d "$2" ||
		die "cognito-local: $1 failed"
}
# field NAME: the first string field NAME of a JSON answer on stdin.
field() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d'"' -f4; }

pool="$(cip CreateUserPool '{"PoolName":"skygraph-local","UsernameAttributes":["email"],"AutoVerifiedAttributes":["email"]}' | field Id)"
[ -n "$pool" ] || die "cognito-local: CreateUserPool returned no pool id"
client="$(cip CreateUserPoolClient '{"UserPoolId":"'"$pool"'","ClientName":"skygraph-local","ExplicitAuthFlows":["ALLOW_USER_PASSWORD_AUTH","ALLOW_REFRESH_TOKEN_AUTH"]}' | field ClientId)"
[ -n "$client" ] || die "cognito-local: CreateUserPoolClient returned no client id"
for group in Admin RestaurantOwner; do
	cip CreateGroup '{"UserPoolId":"'"$pool"'","GroupName":"'"$group"'"}' >/dev/null
done
# The README's demo accounts (adapter/localidp's DemoAccounts), with permanent passwords.
while read -r email password group; do
	cip AdminCreateUser '{"UserPoolId":"'"$pool"'","Username":"'"$email"'","MessageAction":"SUPPRESS","TemporaryPassword":"'"$password"'","UserAttributes":[{"Name":"email","Value":"'"$email"'"},{"Name":"email_verified","Value":"true"},{"Name":"name","Value":"Demo"}]}' >/dev/null
	cip AdminSetUserPassword '{"UserPoolId":"'"$pool"'","Username":"'"$email"'","Password":"'"$password"'","Permanent":true}' >/dev/null
	if [ "$group" != - ]; then
		cip AdminAddUserToGroup '{"UserPoolId":"'"$pool"'","Username":"'"$email"'","GroupName":"'"$group"'"}' >/dev/null
	fi
done <<'ACCOUNTS'
demo@example.com Demo1234! -
admin@example.com Admin1234! Admin
owner@example.com Owner1234! RestaurantOwner
ACCOUNTS
log "cognito-local: user pool $pool, app client $client, demo accounts added"

export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_EC2_METADATA_DISABLED=true
export SKYGRAPH_TABLE="${SKYGRAPH_TABLE:-skygraph}" SKYGRAPH_DYNAMODB_ENDPOINT="$ddb"
export SKYGRAPH_COGNITO_USER_POOL_ID="$pool" SKYGRAPH_COGNITO_CLIENT_IDS="$client" SKYGRAPH_COGNITO_ENDPOINT="$cog"
# Build once, then seed and serve with the same binary.
bin="$(mktemp -d "${TMPDIR:-/tmp}/skygraph-local-aws.XXXXXX")"
trap 'rm -rf "$bin"' EXIT
go build "$@" -o "$bin/skygraph" .
"$bin/skygraph" seed
log "DynamoDB Local: table $SKYGRAPH_TABLE at $ddb, seeded"
"$bin/skygraph" serve
