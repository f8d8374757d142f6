#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian 12 machine: the real servers the tests
# start on loopback (from Debian's packages) and the npm packages. Safe to run again: it installs
# only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Debian package -> a file it installs, to tell whether it is there already.
declare -A PACKAGES=(
  [postgresql]=/usr/lib/postgresql/15/bin/initdb
  [prometheus-alertmanager]=/usr/bin/prometheus-alertmanager
  [docker.io]=/usr/sbin/dockerd
  [docker-compose]=/usr/bin/docker-compose
  [busybox-static]=/bin/busybox
  [ansible]=/usr/bin/ansible-playbook
  [openssh-server]=/usr/sbin/sshd
  [haproxy]=/usr/sbin/haproxy
  [nginx-light]=/usr/sbin/nginx
  [git]=/usr/bin/git
  [unzip]=/usr/bin/unzip
)

missing=()
for pkg in "${!PACKAGES[@]}"; do
  [ -e "${PACKAGES[$pkg]}" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "The tests need these Debian packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages, pinned by the lockfile, unless node_modules already matches it. `npm install` rather than
# `npm ci`: with npm 11 set to omit registry URLs from lockfiles (as on these machines), the lockfile
# leaves out other platforms' optional packages (rollup's), and `npm ci` refuses such a lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages (npm install, pinned by package-lock.json)"
  npm install --no-audit --no-fund
fi
