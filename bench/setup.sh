#!/usr/bin/env bash
# Installs the benchmark's tools from Debian's packages, and nothing else.
# Idempotent: a second run with everything present installs nothing.
#   nginx-light   upstream and nginx-as-proxy (falls back to nginx)
#   haproxy       the second reference proxy
#   wrk           HTTP/1.1 load generator
#   nghttp2-client  h2load, for scenario.sh's fixed-rate, h2 and redis scenarios
#   redis-server    the Redis of scenario.sh's redis scenario (redis-tools: redis-cli)
#   openssl         scenario.sh's test certificates
set -euo pipefail
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

if [[ $(id -u) -ne 0 ]]; then
  SUDO=sudo
else
  SUDO=
fi

need=()
command -v nginx   >/dev/null 2>&1 || need+=(nginx)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
command -v wrk     >/dev/null 2>&1 || need+=(wrk)
command -v h2load  >/dev/null 2>&1 || need+=(nghttp2-client)
command -v taskset >/dev/null 2>&1 || need+=(util-linux)
command -v curl    >/dev/null 2>&1 || need+=(curl)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
command -v openssl >/dev/null 2>&1 || need+=(openssl)

if [[ ${#need[@]} -eq 0 ]]; then
  echo "setup: nginx, haproxy, wrk, h2load, taskset, curl, redis-server, redis-cli and openssl are already installed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# The package lists may be empty or stale on a fresh machine.
$SUDO apt-get update -qq

pkgs=()
for n in "${need[@]}"; do
  if [[ $n == nginx ]]; then
    # nginx-light is enough (no extra modules); some releases only ship "nginx".
    if apt-cache show nginx-light >/dev/null 2>&1; then pkgs+=(nginx-light); else pkgs+=(nginx); fi
  else
    pkgs+=("$n")
  fi
done

echo "setup: installing ${pkgs[*]}"
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}"

# The Debian packages enable and start their system services where an init
# system runs; the benchmark starts its own instances on other ports, so stop
# the system ones to keep them off the measured CPUs (harmless where none runs).
for svc in nginx haproxy redis-server; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl stop "$svc" || true
  elif [[ -x /etc/init.d/$svc ]]; then
    $SUDO /etc/init.d/$svc stop >/dev/null 2>&1 || true
  fi
done

nginx -v
haproxy -v | head -1
wrk --version 2>&1 | head -1 || true
h2load --version 2>&1 | head -1 || true
