#!/usr/bin/env bash
# Installs, from Debian 12's own packages, everything Codex Admin needs to build, run and test.
# Idempotent: packages already present are skipped, so it costs a second on a prepared machine.
set -euo pipefail

pkgs=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev qt6-tools-dev qt6-tools-dev-tools
  qt6-l10n-tools qt6-httpserver-dev qt6-websockets-dev libqt6sql6-sqlite libqt6sql6-psql
  libqt6sql6-mysql libqt6svg6 qt6-qpa-plugins qtkeychain-qt6-dev libgl-dev libvulkan-dev
  libspdlog-dev libfmt-dev libtomlplusplus-dev libzstd-dev zlib1g-dev libssl-dev libsqlite3-dev
  fonts-dejavu-core xvfb xauth
  sqlite3 python3 python3-zstandard
  postgresql-15 mariadb-server mariadb-client python3-psycopg2 python3-pymysql
  apache2-utils wrk prometheus curl
  poppler-utils
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run this script as root (or with sudo) to install them" >&2
    exit 1
  fi
  echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: all build and test dependencies present"
