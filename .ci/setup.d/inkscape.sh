#!/usr/bin/env bash
# CI setup: Inkscape (headless), so tests/test_svg_inkscape.py checks the SVG is editable text. Idempotent.
set -euo pipefail
if ! command -v inkscape >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends inkscape >/dev/null
fi
