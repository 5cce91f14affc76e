#!/usr/bin/env bash
# CI setup: Graphviz's dot, so tests/test_export.py renders every DOT export. Idempotent and quiet.
set -euo pipefail
if ! command -v dot >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq graphviz >/dev/null
fi
dot -V 2>/dev/null
