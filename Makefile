# skygraph — `make test` is what CI runs (via .ci/run). Everything it needs is installed by
# scripts/ci-deps.sh; DynamoDB Local is started and stopped around the tests by
# scripts/with-services.sh, inside a private network namespace when one can be made.

GO      ?= go
GOTEST  ?= $(GO) test -race -count=1 -timeout 25m

# Known-harmless noise is silenced at its source; failures still print in full (and
# scripts/quiet.sh, around the CDK steps, ends a failure with a loud FAILED line):
# npm's update notices, and jsii's Node.js end-of-life / deprecation banners for the major
# version that runs (package.json requires >= 20; the banner is about jsii's support
# calendar, not a fault; jsii's "known broken" warning stays on).
NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
export NO_UPDATE_NOTIFIER := 1
export npm_config_update_notifier := false
export npm_config_fund := false
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := $(NODE_MAJOR)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
QUIET := bash $(CURDIR)/scripts/quiet.sh

.PHONY: help bench fuzz test check-generate vet unit run run-local-aws lint generate deps lambda cdk-test
.DEFAULT_GOAL := help

## help: list the targets (plain `make` does this; `make test` runs the suite).
help:
	@awk '/^## [A-Za-z0-9_-]+:/ { sub(/^## /, ""); name = $$0; sub(/:.*/, "", name); text = $$0; sub(/^[^:]*: */, "", text); \
	  printf "  %-15s %s\n", name, text; next } /^## / { sub(/^## /, ""); printf "  %-15s %s\n", "", $$0 }' $(MAKEFILE_LIST)

## test: generated code is current, vet, every test against the embedded store AND DynamoDB Local
## (and cognito-local), then the CDK app: assertion tests and an offline synth of both flavours.
test: deps check-generate vet
	bash scripts/with-services.sh env GOPROXY=off GOFLAGS=-mod=readonly $(GOTEST) ./...
	$(MAKE) cdk-test

## deps: download modules while the network is reachable (tests run offline in a namespace).
deps:
	$(GO) mod download
	$(GO) build ./...
	cd cdk && $(GO) mod download
	cd cdk && ( [ -d node_modules/aws-cdk ] || npm ci --no-audit --no-fund )

## generate: regenerate graph/ and the resolver stubs from schema/ and gqlgen.yml.
generate:
	$(GO) generate ./...

## check-generate: fail when `go generate` changes committed files (graph/ is output, never edited).
check-generate: generate
	@if [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then \
	  changed=$$(git status --porcelain --untracked-files=all -- graph resolvers gqlgen.yml go.mod go.sum); \
	  if [ -n "$$changed" ]; then \
	    echo "go generate ./... changed generated or module files; regenerate and commit them:"; \
	    echo "$$changed"; git --no-pager diff --stat -- graph resolvers go.mod go.sum; exit 1; \
	  fi; \
	fi

## vet: go vet on every package.
vet:
	$(GO) vet ./...

## unit: the fast suite on the embedded store only (no Java needed).
unit:
	$(GO) test -count=1 ./...

## run: the server with the embedded store, seeded, playground at http://localhost:8080/.
run:
	$(GO) run .

## run-local-aws: the server against DynamoDB Local and cognito-local (demo accounts included), for
## trying the AWS code paths by hand; needs scripts/ci-deps.sh's Java and npm packages. See the script.
run-local-aws:
	SKYGRAPH_NETNS=off bash scripts/with-services.sh bash scripts/run-local-aws.sh

## bench: issue 13's measurement (< 10 min): hot-path Go benchmarks, then vegeta against skygraph and
## the bare floor (bench/floor) on the embedded store and DynamoDB Local; prints the table. Not part of test.
bench: deps lambda
	cd bench/load && $(GO) mod download && $(GO) build -o $(CURDIR)/build/bench/load .
	$(GO) build -o build/bench/serve ./bench/serve
	bash scripts/with-services.sh env GOPROXY=off GOFLAGS=-mod=readonly bash scripts/bench.sh

## fuzz: go test -fuzz on every fuzz target (the /graphql body, each AWS scalar's parser), FUZZTIME
## each (default 60s); `make test` runs their seed corpora as ordinary tests.
FUZZTIME ?= 60s
fuzz:
	@set -e; for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v node_modules | xargs -n1 dirname | sort -u); do \
	  for t in $$($(GO) test -list '^Fuzz' "$$pkg" | grep '^Fuzz'); do \
	    echo "== $$pkg $$t ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) "$$pkg"; \
	  done; \
	done

## lint: golangci-lint v2.6.2 with .golangci.yml.
lint:
	bash scripts/lint.sh

## lambda: the Lambda bootstrap (linux/arm64, static) for provided.al2023; the CDK app packages build/lambda/.
lambda:
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags 'lambda.norpc skygraph_lambda' -trimpath -ldflags='-s -w' -o build/lambda/bootstrap .

CDK := cd cdk && CDK_DISABLE_CLI_TELEMETRY=true

## cdk-test: the CDK app (its own module): gofmt, vet, assertion tests (cdk-nag included) and an
## offline synth of both flavours with the real Lambda bootstrap.
cdk-test: lambda
	cd cdk && test -z "$$(gofmt -l *.go)"
	cd cdk && GOPROXY=off $(GO) vet ./...
	cd cdk && GOPROXY=off $(QUIET) $(GO) test -count=1 ./...
	$(CDK) $(QUIET) npx cdk synth --no-version-reporting --no-notices -q
	$(CDK) $(QUIET) npx cdk synth --no-version-reporting --no-notices -q -c flavour=fargate
