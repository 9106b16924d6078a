#!/bin/sh
# Installs the servers the scale suite (tests/scale) and the fleet tests of apps/http-server run:
# redis-server and nginx, from Debian's packages, when they are missing. Idempotent and quiet:
# prints one line saying what it did. Needs root (or sudo) only when something is missing.
set -eu

missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx"

if [ -z "$missing" ]; then
  echo "ci-deps: redis-server and nginx already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ci-deps: need root to install:$missing" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci-deps: no apt-get here; install$missing yourself" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The packages start system services; the suites start their own servers on free ports.
if command -v service >/dev/null 2>&1; then
  $SUDO service redis-server stop >/dev/null 2>&1 || true
  $SUDO service nginx stop >/dev/null 2>&1 || true
fi
echo "ci-deps: installed$missing"
