#!/usr/bin/env bash
# Builds the test control plane's binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl from k8s.io/kubernetes; kwok), the renderers (kustomize, helm) and
# the trace store the tracing tests send to (Jaeger's all-in-one `jaeger`) into a cache keyed
# by version.
# Builds only what is missing; prints the bin directory on stdout.
set -euo pipefail

K8S_VERSION="${SLUICE_K8S_VERSION:-1.37.2}"
KWOK_VERSION="${SLUICE_KWOK_VERSION:-0.8.0}"
KUSTOMIZE_VERSION="${SLUICE_KUSTOMIZE_VERSION:-5.8.1}"
HELM_VERSION="${SLUICE_HELM_VERSION:-4.3.2}"
JAEGER_VERSION="${SLUICE_JAEGER_VERSION:-1.75.0}"
CACHE="${SLUICE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice}"
BIN="$CACHE/control-plane/k8s-v$K8S_VERSION-kwok-v$KWOK_VERSION/bin"
K8S_BINS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

log() { echo "[control-plane build] $*" >&2; }

missing=0
for b in "${K8S_BINS[@]}" kwok "kustomize-v$KUSTOMIZE_VERSION" "helm-v$HELM_VERSION" "jaeger-v$JAEGER_VERSION"; do [[ -x "$BIN/$b" ]] || missing=1; done
[[ -s "$BIN/kwok-stages.yaml" ]] || missing=1
if [[ $missing == 0 ]]; then echo "$BIN"; exit 0; fi

command -v go >/dev/null || { log "go is required to build the control plane"; exit 1; }
mkdir -p "$BIN"
# One build at a time: a second caller (another checkout, a test that needs kustomize) waits
# for the first and then finds the binaries there, instead of racing it over the same files.
if [[ -z "${SLUICE_BUILD_LOCKED:-}" ]]; then
  exec 9>"$BIN/.build.lock"
  flock 9
  export SLUICE_BUILD_LOCKED=1
  exec bash "$0" "$@"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

need_k8s=0
for b in "${K8S_BINS[@]}"; do [[ -x "$BIN/$b" ]] || need_k8s=1; done
if [[ $need_k8s == 1 ]]; then
  log "building Kubernetes v$K8S_VERSION (several minutes on a cold cache)"
  mkdir -p "$work/k8s" && cd "$work/k8s"
  go mod init sluice.dev/control-plane-build >/dev/null 2>&1
  modfile="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  # k8s.io/kubernetes replaces its staging modules with local paths; a build from the
  # module proxy must replace each of them with the published v0.X.Y of the release.
  staging_version="v0.${K8S_VERSION#1.}"
  {
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$modfile" \
      | awk -v v="$staging_version" '{ print "replace " $1 " => " $1 " " v }'
  } >> go.mod
  cat > tools.go <<GO
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  go mod tidy -e >&2 2>&1 || true
  for b in "${K8S_BINS[@]}"; do
    [[ -x "$BIN/$b" ]] && continue
    log "go build $b"
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w \
      -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION \
      -X k8s.io/component-base/version.gitMajor=1 \
      -X k8s.io/component-base/version.gitMinor=${K8S_VERSION#1.} \
      -X k8s.io/client-go/pkg/version.gitVersion=v$K8S_VERSION" \
      -o "$BIN/$b.tmp" "k8s.io/kubernetes/cmd/$b"
    mv "$BIN/$b.tmp" "$BIN/$b"
  done
fi

if [[ ! -x "$BIN/kwok" ]]; then
  log "building kwok v$KWOK_VERSION"
  CGO_ENABLED=0 GOBIN="$work/gobin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
  mv "$work/gobin/kwok" "$BIN/kwok"
fi

if [[ ! -s "$BIN/kwok-stages.yaml" ]]; then
  # kwok's published stages (data from its module): nodes become Ready and keep a lease,
  # pods become Running and Ready, complete, and are deleted like with a kubelet.
  stages="$(go mod download -json "sigs.k8s.io/kwok@v$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')/kustomize/stage"
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo "---"; cat "$stages/$f"
  done > "$BIN/kwok-stages.yaml.tmp"
  mv "$BIN/kwok-stages.yaml.tmp" "$BIN/kwok-stages.yaml"
fi

if [[ ! -x "$BIN/kustomize-v$KUSTOMIZE_VERSION" ]]; then
  log "building kustomize v$KUSTOMIZE_VERSION"
  CGO_ENABLED=0 GOBIN="$work/gobin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kustomize/kustomize/v5@v$KUSTOMIZE_VERSION"
  mv "$work/gobin/kustomize" "$BIN/kustomize-v$KUSTOMIZE_VERSION"
  ln -sf "kustomize-v$KUSTOMIZE_VERSION" "$BIN/kustomize"
fi

if [[ ! -x "$BIN/helm-v$HELM_VERSION" ]]; then
  log "building helm v$HELM_VERSION"
  CGO_ENABLED=0 GOBIN="$work/gobin" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=v$HELM_VERSION" \
    "helm.sh/helm/v4/cmd/helm@v$HELM_VERSION"
  mv "$work/gobin/helm" "$BIN/helm-v$HELM_VERSION"
  ln -sf "helm-v$HELM_VERSION" "$BIN/helm"
fi

if [[ ! -x "$BIN/jaeger-v$JAEGER_VERSION" ]]; then
  # The module's tag v1.X is the release whose binary is the v2 all-in-one (an OpenTelemetry
  # Collector with Jaeger's storage and query extensions); `go get -tool` pins its whole
  # dependency graph as the release's go.mod says.
  log "building jaeger v$JAEGER_VERSION (the largest build here: minutes on a cold cache)"
  mkdir -p "$work/jaeger" && cd "$work/jaeger"
  go mod init sluice.dev/jaeger-build >/dev/null 2>&1
  go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@v$JAEGER_VERSION" >&2
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BIN/jaeger.tmp" github.com/jaegertracing/jaeger/cmd/jaeger
  mv "$BIN/jaeger.tmp" "$BIN/jaeger-v$JAEGER_VERSION"
  ln -sf "jaeger-v$JAEGER_VERSION" "$BIN/jaeger"
fi

log "built in $(( $(date +%s) - start ))s into $BIN"
echo "$BIN"
