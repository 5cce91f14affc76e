#!/bin/sh
# Install Debian's Chromium for the browser tests (tests/test_web_browser.py); safe to run twice.
# Runs as root in CI. Playwright drives /usr/bin/chromium; no browser is downloaded by Playwright.
set -eu
if [ -x /usr/bin/chromium ]; then
    echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium
