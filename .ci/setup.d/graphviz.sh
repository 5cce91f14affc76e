#!/usr/bin/env bash
# Graphviz's `dot`, so the DOT export is rendered by the tool that reads it (those tests skip without it).
set -euo pipefail
command -v dot > /dev/null && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends graphviz > /dev/null
dot -V
