# syntax=docker/dockerfile:1
#
# skygraph for ECS Fargate (or any container runtime): one static binary on distroless.
#
#   docker build -t skygraph .                                    # host architecture
#   docker buildx build --platform linux/arm64 -t skygraph .      # Graviton (what the CDK stack runs)
#
# The builder runs on the build machine's own platform and cross-compiles for TARGETARCH
# (pure Go, CGO_ENABLED=0), so an arm64 image builds quickly on amd64 without emulation.
# The final image has no shell and no package manager, runs as the distroless "nonroot"
# user (65532) and has no HEALTHCHECK: there is no shell to run one, and ECS uses the
# load balancer's health check on /healthz instead. Configuration (the table, Cognito,
# SKYGRAPH_TOKEN_SECRET) comes from the task definition's environment and secrets at run
# time; nothing secret is baked into the image.
#
# Tags are pinned (the Go version is go.mod's); add the digests (image@sha256:...) where the
# registries are reachable.

FROM --platform=$BUILDPLATFORM golang:1.26.8 AS build
ARG TARGETOS=linux
ARG TARGETARCH
WORKDIR /src
# Modules first, so this layer is reused while only the code changes.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -buildvcs=false -ldflags='-s -w' -o /out/skygraph .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/skygraph /skygraph
USER 65532:65532
ENV PORT=8080
EXPOSE 8080
ENTRYPOINT ["/skygraph"]
