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


@pytest.mark.slow   # starts two Python processes
def test_handout_drawn_in_two_processes_is_the_handout_drawn_in_one(tmp_path):
    """Its parts drawn in two worker processes and joined give the same bytes as drawn here."""
    one = write_handout(tmp_path / "one.pdf", ["sft", "emc"], jobs=1)
    two = write_handout(tmp_path / "two.pdf", ["sft", "emc"], jobs=2)
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.slow
def test_each_part_of_the_handout_is_bookmarked_at_its_first_page(tmp_path):
    """The PDF's outline names the cover, each pathway and the sources, in order, each at the page
    where that part starts (the pathway's page carries its name)."""
    from pypdf import PdfReader

    out = write_handout(tmp_path / "h.pdf", ["dfsp", "sft"])
    reader = PdfReader(out)
    marks = [(item.title, reader.get_destination_page_number(item) + 1) for item in reader.outline]
    names = [load_subtype(s).name for s in ("dfsp", "sft")]
    assert [title for title, _ in marks] == ["Cover", *names, "Sources"]
    assert [page for _, page in marks] == sorted(page for _, page in marks) and marks[0][1] == 1
    for name, page in marks[1:3]:
        assert name in " ".join(pdf_text(out, page).split())
    assert "Sources" in pdf_text(out, marks[-1][1])


@pytest.mark.slow
def test_parts_joined_keep_what_they_share_once(tmp_path):
    """A part joined twice (the same fonts' glyphs in both) makes a file much smaller than twice the part."""
    from sarcoma_sim.pathways.handout import draw_handout_part, handout_parts, join_parts

    pdf, bookmark = draw_handout_part((handout_parts(["sft"])[1], tmp_path))
    joined = join_parts(tmp_path / "twice.pdf", [(pdf, bookmark), (pdf, bookmark)])
    assert pdf_pages(joined) == 2 * pdf_pages(pdf)
    assert joined.stat().st_size < 1.5 * pdf.stat().st_size


def test_handout_needs_all_and_a_pdf_name(tmp_path, capsys):
    """``--handout`` without ``--all`` is a usage error (2); a non-PDF name is an error (1), nothing written."""
    with pytest.raises(SystemExit) as exit_info:
        main(["draw", "gist", "-o", str(tmp_path / "g.png"), "--handout", str(tmp_path / "h.pdf")])
    assert exit_info.value.code == 2
    with pytest.raises(Exception) as error:
        write_handout(tmp_path / "h.png", ["sft"])
    assert "expected a name ending in .pdf" in str(error.value)
    assert not (tmp_path / "h.png").exists()
