#!/usr/bin/env bash
# Refresh the vendored front-end files in static/vendor/ from the npm registry.
#
#   scripts/update-vendor.sh [HTMX_VERSION] [PICO_VERSION]
#
# Defaults are the versions currently recorded in static/vendor/README.md. htmx must stay on
# 2.0.x: 4.x drops HTTP 286 (stop polling) and changes attribute inheritance (docs/architecture.md "Pitfalls", risk 3).
# After running, update the versions and checksums in static/vendor/README.md and commit.
set -euo pipefail

HTMX_VERSION="${1:-2.0.11}"
PICO_VERSION="${2:-2.1.1}"

case "$HTMX_VERSION" in
2.0.*) ;;
*)
    echo "refusing htmx $HTMX_VERSION: Studio is written for htmx 2.0.x" >&2
    exit 1
    ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm pack --silent "htmx.org@$HTMX_VERSION" "@picocss/pico@$PICO_VERSION" >/dev/null
mkdir htmx pico
tar xzf "htmx.org-$HTMX_VERSION.tgz" -C htmx
tar xzf "picocss-pico-$PICO_VERSION.tgz" -C pico

dest="$root/static/vendor"
mkdir -p "$dest/htmx" "$dest/pico"
cp htmx/package/dist/htmx.min.js "$dest/htmx/htmx.min.js"
cp htmx/package/LICENSE "$dest/htmx/LICENSE"
cp pico/package/css/pico.min.css "$dest/pico/pico.min.css"
cp pico/package/LICENSE.md "$dest/pico/LICENSE.md"

echo "vendored htmx.org@$HTMX_VERSION and @picocss/pico@$PICO_VERSION into $dest"
sha256sum "htmx.org-$HTMX_VERSION.tgz" "picocss-pico-$PICO_VERSION.tgz"
(cd "$dest" && sha256sum htmx/htmx.min.js pico/pico.min.css)
