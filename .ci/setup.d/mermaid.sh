#!/usr/bin/env bash
# CI setup: mermaid-cli (mmdc) from the npm registry, rendering with Debian's Chromium (no browser
# download), so tests/test_export.py renders every Mermaid export. Idempotent and quiet.
# MERMAID_PREFIX (default /usr/local) is where npm installs it; mmdc lands in $MERMAID_PREFIX/bin.
set -euo pipefail
prefix="${MERMAID_PREFIX:-/usr/local}"
if ! command -v chromium >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium npm fonts-dejavu-core >/dev/null
fi
if [ ! -x "$prefix/bin/mmdc" ]; then
    PUPPETEER_SKIP_DOWNLOAD=1 npm install --global --prefix "$prefix" --silent --no-audit --no-fund \
        @mermaid-js/mermaid-cli >/dev/null
fi
"$prefix/bin/mmdc" --version >/dev/null
