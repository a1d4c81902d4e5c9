#!/bin/sh
# Installs what forumsearch needs to build and test on Debian 12.
# Runs apt-get directly as root, through sudo otherwise.
#   tests/install-deps.sh          install what is missing
#   tests/install-deps.sh --list   print the package names
set -eu
packages="libxapian-dev libicu-dev libzstd-dev cmake pkg-config gcc g++ make python3 python3-xapian python3-pytest
          clang libclang-rt-14-dev libmicrohttpd-dev chromium
          man-db groff-base bash-completion xapian-tools"
if [ "${1:-}" = --list ]; then
  echo $packages
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1; then
  as_root="sudo"
else
  echo "install-deps: run as root (or install sudo): apt-get install $packages" >&2
  exit 1
fi
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing="$missing $p"
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  $as_root apt-get update
  $as_root apt-get install -y --no-install-recommends $missing
fi
