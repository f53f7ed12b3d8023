#!/usr/bin/env bash
# Make sure Debian's chromium is installed for the Playwright browser tests (docs/architecture.md "Pitfalls" §7).
#
# Installs it with apt-get only when it is missing and we are root (or have password-less
# sudo). Otherwise prints a warning: the browser tests then skip. In CI (CI=true) a failed
# install is an error, so a green run always includes the browser tests.
set -euo pipefail

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"

warn() { echo "install-chromium: WARNING: $*" >&2; }

if [ -x "$chromium" ]; then
    echo "install-chromium: $("$chromium" --version 2>/dev/null || echo "$chromium") is present"
    exit 0
fi

fail() {
    if [ "${CI:-}" = "true" ]; then
        echo "install-chromium: ERROR: $*" >&2
        exit 1
    fi
    warn "$*; the browser tests will be skipped"
    exit 0
}

if ! command -v apt-get >/dev/null 2>&1; then
    fail "$chromium is missing and there is no apt-get to install it"
fi

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    fail "$chromium is missing; install it with: sudo apt-get install chromium"
fi

echo "install-chromium: installing Debian's chromium (apt-get)..."
export DEBIAN_FRONTEND=noninteractive
apt_ok=false
for attempt in 1 2 3; do
    if "${sudo[@]}" apt-get update -qq &&
        "${sudo[@]}" apt-get install -y -qq chromium >/dev/null; then
        apt_ok=true
        break
    fi
    warn "apt-get failed (attempt $attempt of 3)"
    sleep $((attempt * 5))
done

if ! $apt_ok || [ ! -x "$chromium" ]; then
    fail "could not install chromium with apt-get"
fi
echo "install-chromium: $("$chromium" --version 2>/dev/null || echo "$chromium") installed"
