"""Tests that every Mermaid export renders in the real Mermaid (mermaid-cli with Debian's Chromium)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from sarcoma_sim.pathways.export import node_label, to_mermaid
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype

INSTALL = ("install mermaid-cli: PUPPETEER_SKIP_DOWNLOAD=1 npm install -g @mermaid-js/mermaid-cli "
           "(with Debian chromium), or run .ci/setup.d/mermaid.sh")


def mmdc() -> str:
    """The mermaid-cli executable: $MMDC, else ``mmdc`` on PATH; skips with the install command."""
    found = os.environ.get("MMDC") or shutil.which("mmdc")
    chromium = shutil.which("chromium")
    if not found or not chromium:
        pytest.skip(INSTALL)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_mermaid_export_renders_in_mermaid_cli(tmp_path, subtype):
    """mermaid-cli renders the export to SVG without error, every state's label text in it."""
    executable = mmdc()
    graph = build_graph(load_subtype(subtype))
    source = tmp_path / f"{subtype}.mmd"
    source.write_text(to_mermaid(graph), encoding="utf-8")
    # CI runs as root, where Chromium needs --no-sandbox
    config = tmp_path / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": shutil.which("chromium"), "args": ["--no-sandbox"]}))
    out = tmp_path / f"{subtype}.svg"
    env = {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1", "PUPPETEER_EXECUTABLE_PATH": shutil.which("chromium")}
    run = subprocess.run([executable, "-q", "-i", str(source), "-o", str(out), "-p", str(config)],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    svg = out.read_text(encoding="utf-8")
    ET.fromstring(svg.encode("utf-8"))
    assert "Syntax error" not in svg
    for _, attrs in graph.nodes(data=True):
        first_words = node_label(attrs).split("\n")[0].split(" ")[0]
        assert first_words in svg, first_words
