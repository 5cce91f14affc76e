#!/usr/bin/env bash
# ralph (ralph-malph), a real xAPI learning record store, in its own venv at /opt/ralph-venv (or $RALPH_VENV):
# the xAPI tests start it on loopback with its file-system backend. It is never a dependency of the package.
set -euo pipefail
venv="${RALPH_VENV:-/opt/ralph-venv}"
[ -x "$venv/bin/ralph" ] && "$venv/bin/python" -c "import requests" 2> /dev/null && exit 0
python3 -m venv "$venv"
# requests: ralph's auth module needs it but the [cli,lrs] extras do not pull it in.
"$venv/bin/pip" install -q "ralph-malph[cli,lrs]==5.1.0" requests
"$venv/bin/ralph" --version
