#!/usr/bin/env bash
# setup.sh -- installs what Switchyard needs on Debian 12 and unpacks the pinned
# engine sources into build/deps. Idempotent: a second run checks and does nothing.
#
# apt packages are installed only when missing. Engine sources come from npm
# tarballs pinned in scripts/deps.lock; each tarball's sha512 is checked before
# it is unpacked, and nothing from it is ever committed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
deps="$root/build/deps"

apt_packages=(
  build-essential cmake pkg-config
  libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev
  libsndfile1-dev libsamplerate0-dev libpng-dev
  libespeak-ng-dev espeak-ng-data libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us
  clang libclang-rt-14-dev
  chromium
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# fetch_npm NAME VERSION INTEGRITY: unpack the package into $deps/NAME once.
fetch_npm() {
  local name=$1 version=$2 integrity=$3
  local dest="$deps/$name" stamp="$deps/$name.stamp"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version $integrity" ]; then return 0; fi
  mkdir -p "$deps"
  local tmp; tmp=$(mktemp -d "$deps/.fetch.XXXXXX")
  echo "setup: fetching $name@$version"
  (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null)
  local tgz; tgz=$(ls "$tmp"/*.tgz)
  local got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  if [ "$got" != "$integrity" ]; then
    echo "setup: $name@$version integrity mismatch: expected $integrity, got $got" >&2
    rm -rf "$tmp"; exit 1
  fi
  tar -xzf "$tgz" -C "$tmp"
  rm -rf "$dest"
  mv "$tmp/package" "$dest"
  rm -rf "$tmp"
  echo "$version $integrity" > "$stamp"
}

while read -r name version integrity; do
  case "$name" in ''|'#'*) continue ;; esac
  fetch_npm "$name" "$version" "$integrity"
done < "$here/deps.lock"
