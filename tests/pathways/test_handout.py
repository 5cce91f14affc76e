"""Tests of the handout PDF (``draw --all --handout``), read back with poppler's pdftotext and pdfinfo."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from sarcoma_sim.cli.dispatch import main
from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE
from sarcoma_sim.pathways.draw import PRESETS, preset_panels
from sarcoma_sim.pathways.handout import write_handout
from sarcoma_sim.pathways.load import load_subtype

INSTALL = "install poppler-utils (apt-get install poppler-utils), or run .ci/setup.d/poppler.sh"


def pdf_text(path, page: int | None = None) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip(INSTALL)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(path) -> int:
    if not shutil.which("pdfinfo"):
        pytest.skip(INSTALL)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.mark.slow
def test_handout_has_cover_panels_and_sources(tmp_path):
    """Cover with the notice, one page per panel of each subtype at the page preset, then the sources."""
    out = write_handout(tmp_path / "h.pdf", ["dfsp", "gist"])
    panels = sum(len(preset_panels(load_subtype(s), PRESETS["page"])) for s in ("dfsp", "gist"))
    assert pdf_pages(out) >= 1 + panels + 1
    cover = " ".join(pdf_text(out, 1).split())
    assert " ".join(NOT_FOR_CLINICAL_USE.split()) in cover
    assert "Dermatofibrosarcoma" in cover and "(gist)" in cover
    second = " ".join(pdf_text(out, 2).split())
    assert load_subtype("dfsp").name in second
    last = " ".join(pdf_text(out, pdf_pages(out)).split())
    assert "S0033 / CALGB 150105" in " ".join(pdf_text(out).split()) and "Sources" in last


@pytest.mark.slow
def test_handout_is_reproducible(tmp_path):
    """The same pathways give a byte-identical handout (no creation date)."""
    a = write_handout(tmp_path / "a.pdf", ["sft"])
    b = write_handout(tmp_path / "b.pdf", ["sft"])
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.slow
def test_handout_asks_for_each_pathway_before_its_pages(tmp_path):
    """``ready(subtype)`` is called once per pathway, in the handout's order, before its first page
    is made (``draw --all`` waits there for its panels); the file is the same as without it."""
    from sarcoma_sim.pathways import handout

    events = []
    pages = handout.handout_figures(["sft", "emc"], ready=lambda s: events.append(("ready", s)))
    titles = []
    for figure in pages:
        titles += [t.get_text() for t in figure.findobj(lambda a: a.get_gid() == "title")]
        events.append(("page", titles[-1] if titles else None))
    assert [e for e in events if e[0] == "ready"] == [("ready", "sft"), ("ready", "emc")]
    first_sft = next(i for i, e in enumerate(events) if e[0] == "page" and e[1] and load_subtype("sft").name in e[1])
    assert events.index(("ready", "sft")) < first_sft
    a = write_handout(tmp_path / "a.pdf", ["sft"], ready=lambda s: None)
    b = write_handout(tmp_path / "b.pdf", ["sft"])
    assert a.read_bytes() == b.read_bytes()


def test_handout_needs_all_and_a_pdf_name(tmp_path, capsys):
    """``--handout`` without ``--all`` is a usage error (2); a non-PDF name is an error (1), nothing written."""
    with pytest.raises(SystemExit) as exit_info:
        main(["draw", "gist", "-o", str(tmp_path / "g.png"), "--handout", str(tmp_path / "h.pdf")])
    assert exit_info.value.code == 2
    with pytest.raises(Exception) as error:
        write_handout(tmp_path / "h.png", ["sft"])
    assert "expected a name ending in .pdf" in str(error.value)
    assert not (tmp_path / "h.png").exists()
