#!/usr/bin/env bash
# Installs what the tests need on a fresh machine (Debian packages) and builds or reuses
# the control plane binaries. Safe to run again: it only does what is missing.
set -euo pipefail

need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v prometheus >/dev/null || need+=(prometheus)
command -v git >/dev/null || need+=(git)
[[ -x /usr/sbin/sshd ]] || need+=(openssh-server)
command -v ssh >/dev/null || need+=(openssh-client)
command -v openssl >/dev/null || need+=(openssl)
# The dashboard's browser tests drive Debian's Chromium (a browser download cannot work here).
command -v chromium >/dev/null || need+=(chromium)
# An OCI registry for chart tests, and htpasswd for its basic auth.
[[ -x /usr/bin/docker-registry ]] || need+=(docker-registry)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v go >/dev/null || [[ -x /usr/local/go/bin/go ]] || need+=(golang-go)

if (( ${#need[@]} > 0 )); then
  echo "[prepare] installing Debian packages: ${need[*]}" >&2
  sudo=""
  [[ $(id -u) == 0 ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

[[ -x /usr/local/go/bin/go ]] && export PATH="$PATH:/usr/local/go/bin"
bash "$(dirname "$0")/control-plane/build.sh" >/dev/null
