# syntax=docker/dockerfile:1
# The controller image: Node 24 runs the TypeScript sources directly (type stripping, no
# build step), with git, ssh, kustomize and helm for fetching and rendering Applications.
#   docker build -t ghcr.io/sluice-dev/sluice:0.1.0 .

ARG NODE_VERSION=24.21.0
ARG GO_VERSION=1.26.8
ARG KUSTOMIZE_VERSION=5.8.1
ARG HELM_VERSION=4.3.2

# kustomize from source, the same version the tests use (test/control-plane/build.sh).
FROM golang:${GO_VERSION}-bookworm AS kustomize
ARG KUSTOMIZE_VERSION
ENV CGO_ENABLED=0 GOBIN=/out
RUN go install -trimpath -ldflags="-s -w" "sigs.k8s.io/kustomize/kustomize/v5@v${KUSTOMIZE_VERSION}"

# helm from source, the same version the tests use (test/control-plane/build.sh).
FROM golang:${GO_VERSION}-bookworm AS helm
ARG HELM_VERSION
ENV CGO_ENABLED=0 GOBIN=/out
RUN go install -trimpath \
  -ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=v${HELM_VERSION}" \
  "helm.sh/helm/v4/cmd/helm@v${HELM_VERSION}"

# Production dependencies only, at the locked versions; none needs an install script.
# `npm install` rather than `npm ci`: the lock holds only Linux's optional packages, which
# npm ci refuses (see .ci/run); npm install follows the same lock.
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund

# The dashboard's page for --dashboard-address, built with the dev dependencies (vite, preact).
FROM node:${NODE_VERSION}-bookworm-slim AS page
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --ignore-scripts --no-audit --no-fund
COPY dashboard ./dashboard
COPY cli ./cli
RUN npx vite build --config dashboard/vite.config.ts

FROM node:${NODE_VERSION}-bookworm-slim
# ssh refuses to run for a uid without a passwd entry ("No user exists for uid 65532"), so
# the runtime user is a real one: home /tmp (the writable emptyDir), no login shell.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates git openssh-client \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --gid 65532 nonroot \
  && useradd --uid 65532 --gid 65532 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin nonroot
COPY --from=kustomize /out/kustomize /usr/local/bin/kustomize
COPY --from=helm /out/helm /usr/local/bin/helm
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY controller ./controller
# The read-only dashboard (--dashboard-address) is the server of `kubectl sluice dashboard`.
COPY cli ./cli
COPY --from=page /app/dashboard/dist ./dashboard/dist
# The root filesystem is read-only in the Deployment; git and ssh write under $HOME.
ENV NODE_ENV=production \
  HOME=/tmp
# The distroless "nonroot" uid, matching the Deployment's runAsUser.
USER 65532:65532
EXPOSE 8080 9292
# No HEALTHCHECK: Kubernetes probes /healthz and /readyz.
# A young generation of a few MiB: V8 would grow it to 128 MiB in a burst of reconciles
# (4, not 2: at 2 the scavenger cost more CPU per push than it saved in memory). An old
# generation grown to 1.3x what survived a full collection, not the up to 4x V8 picks when
# the program allocates fast: most of the peak at 1,000 apps was old-generation garbage.
ENTRYPOINT ["node", "--max-semi-space-size=8", "--heap-growing-percent=30", "controller/main.ts"]
