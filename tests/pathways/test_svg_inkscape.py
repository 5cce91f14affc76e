"""Tests that Inkscape reads the drawing's SVG as editable text (run headless; skipped without Inkscape)."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from sarcoma_sim.pathways.draw import save_pathway_drawing
from sarcoma_sim.pathways.load import load_subtype

SVG = "{http://www.w3.org/2000/svg}"
INSTALL = "install Inkscape and poppler-utils: apt-get install --no-install-recommends inkscape poppler-utils"


def tools():
    if not shutil.which("inkscape") or not shutil.which("pdftotext"):
        pytest.skip(INSTALL)


@pytest.mark.slow
def test_inkscape_lists_state_groups_and_their_text(tmp_path):
    """``inkscape --query-all`` finds each state's group and its title text as objects."""
    tools()
    svg = save_pathway_drawing(load_subtype("gist"), tmp_path / "gist.svg")[0]
    run = subprocess.run(["inkscape", "--query-all", str(svg)], capture_output=True, text=True, timeout=180)
    ids = {line.split(",")[0] for line in run.stdout.splitlines()}
    assert {"state-imatinib_400", "title-imatinib_400", "state-regorafenib"} <= ids


@pytest.mark.slow
def test_a_label_edited_in_the_svg_is_what_inkscape_renders(tmp_path):
    """Changing a state's <text> (as a teacher editing the label would) changes what Inkscape prints to PDF."""
    tools()
    svg = save_pathway_drawing(load_subtype("gist"), tmp_path / "gist.svg")[0]
    ET.register_namespace("", "http://www.w3.org/2000/svg")
    root = ET.fromstring(svg.read_bytes())
    group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "title-imatinib_400")
    first = group.find(f"{SVG}text")
    first.text = "Imatinib EDITED"
    edited = tmp_path / "edited.svg"
    edited.write_bytes(ET.tostring(root))
    pdf = tmp_path / "edited.pdf"
    subprocess.run(["inkscape", str(edited), "--export-type=pdf", f"--export-filename={pdf}"],
                   capture_output=True, timeout=180, check=True)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Imatinib EDITED" in text


@pytest.mark.slow
def test_inkscape_reads_a_slide_panel_drawn_down(tmp_path):
    """A slide panel drawn top to bottom is SVG Inkscape reads, its states and row headers as text."""
    tools()
    svgs = save_pathway_drawing(load_subtype("asps"), tmp_path / "asps.svg", size="slide", direction="down")
    pdf = tmp_path / "asps.pdf"
    subprocess.run(["inkscape", str(svgs[0]), "--export-type=pdf", f"--export-filename={pdf}"],
                   capture_output=True, timeout=180, check=True)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "First line" in text and "Pazopanib" in text
