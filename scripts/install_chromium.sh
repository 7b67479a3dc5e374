#!/usr/bin/env bash
# Install Debian's Chromium for the Playwright browser tests, if it is not there yet.
# The tests drive /usr/bin/chromium through Playwright's `executable_path`, so nothing is
# downloaded by `playwright install`.
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install_chromium: $CHROMIUM is missing and this user cannot install packages" >&2
    echo "install_chromium: (not root, no sudo). Install it with: apt-get install -y chromium" >&2
    echo "install_chromium: browser tests will be skipped (and fail under CI=true)." >&2
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_chromium: $CHROMIUM is missing and apt-get is not available;" >&2
    echo "install_chromium: install Chromium by hand. Browser tests will be skipped." >&2
    exit 0
fi

echo "install_chromium: installing Debian chromium with apt-get ..."
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y chromium
"$CHROMIUM" --version
