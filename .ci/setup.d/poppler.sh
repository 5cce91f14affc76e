#!/usr/bin/env bash
# CI setup: poppler's pdftotext and pdfinfo, so tests/test_handout.py reads the handout PDF. Idempotent.
set -euo pipefail
if ! command -v pdftotext >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq poppler-utils >/dev/null
fi
