"""Tests of the ``draw`` command: one pathway, all pathways, highlights, errors, and the gallery."""

from __future__ import annotations

import re

import pytest

from sarcoma_sim.cli.dispatch import main
from sarcoma_sim.cli.draw import GALLERY_COMMAND, GALLERY_EXAMPLE, gallery_markdown, parse_highlight
from sarcoma_sim.pathways.load import SUBTYPE_IDS

from helpers.budget import heavy_matrix
from helpers.cli_runner import run_cli
from helpers.paths import REPO

SIGNATURES = {".png": b"\x89PNG\r\n\x1a\n", ".svg": b"<?xml", ".pdf": b"%PDF"}


@pytest.mark.parametrize("suffix", heavy_matrix([".png", ".svg", ".pdf"], keep=[".svg"]))
def test_draw_writes_the_format_of_the_suffix(tmp_path, capsys, suffix):
    """``draw SUBTYPE -o FILE`` writes PNG, SVG or PDF by the file's suffix."""
    target = tmp_path / f"dfsp{suffix}"
    code, out, _ = run_cli(capsys, "draw", "dfsp", "-o", str(target), "--dpi", "40")
    assert code == 0 and f"wrote {target}" in out
    assert target.read_bytes().startswith(SIGNATURES[suffix])


def test_draw_direction_down_draws_lines_of_therapy_as_rows(tmp_path, capsys):
    """``--direction down`` draws top to bottom: the diagram is taller than wide, each line a row header."""
    target = tmp_path / "asps.svg"
    code, out, _ = run_cli(capsys, "draw", "asps", "-o", str(target), "--direction", "down")
    assert code == 0 and f"wrote {target}" in out
    across = tmp_path / "asps-right.svg"
    run_cli(capsys, "draw", "asps", "-o", str(across))
    size = re.compile(rb'width="([0-9.]+)pt" height="([0-9.]+)pt"')
    (w_down, h_down), (w_right, h_right) = (tuple(map(float, size.search(p.read_bytes()).groups()))
                                            for p in (target, across))
    assert h_down / w_down > h_right / w_right
    assert b"header:First line" in target.read_bytes() or b"First line" in target.read_bytes()


def test_draw_accepts_a_pathway_file(tmp_path, capsys, small_pathway_text):
    """A pathway .yaml file is drawn like a shipped subtype."""
    source = tmp_path / "demo.yaml"
    source.write_text(small_pathway_text)
    code, _, _ = run_cli(capsys, "draw", str(source), "-o", str(tmp_path / "demo.svg"))
    assert code == 0 and (tmp_path / "demo.svg").exists()


def test_draw_with_a_highlighted_path(tmp_path, capsys):
    """``--highlight`` with a real path draws it."""
    target = tmp_path / "dfsp.png"
    code, _, _ = run_cli(capsys, "draw", "dfsp", "-o", str(target), "--dpi", "40",
                     "--highlight", "workup, imatinib,trial_or_supportive_care")
    assert code == 0 and target.exists()


def test_highlight_that_is_not_a_path_exits_1_naming_the_edge(tmp_path, capsys):
    """A highlight with a missing transition exits 1 naming it, and writes nothing."""
    code, _, err = run_cli(capsys, "draw", "gist", "-o", str(tmp_path / "gist.png"),
                       "--highlight", "workup,ripretinib")
    assert code == 1
    assert err.startswith("error: ") and "no transition from 'workup' to 'ripretinib'" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", ["", " , ", "workup,,imatinib_400"])
def test_empty_highlight_items_exit_1(tmp_path, capsys, text):
    """An empty state id in --highlight is an input error naming the option."""
    code, _, err = run_cli(capsys, "draw", "gist", "-o", str(tmp_path / "gist.png"), "--highlight", text)
    assert code == 1 and "error: --highlight: expected state ids separated by commas" in err
    assert list(tmp_path.iterdir()) == []


def test_parse_highlight_strips_spaces():
    """State ids may be separated by commas with spaces."""
    assert parse_highlight(" workup , imatinib_400") == ["workup", "imatinib_400"]


def test_unknown_subtype_exits_1(tmp_path, capsys):
    """An unknown subtype exits 1 listing the known ones, and writes nothing."""
    code, _, err = run_cli(capsys, "draw", "gistt", "-o", str(tmp_path / "x.png"))
    assert code == 1 and "error: unknown subtype 'gistt'; expected one of gist" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["gist.bmp", "gist", "gist.jpeg"])
def test_unknown_suffix_exits_1(tmp_path, capsys, name):
    """An output name without .png/.svg/.pdf exits 1 with the suffixes expected, and writes nothing."""
    code, _, err = run_cli(capsys, "draw", "gist", "-o", str(tmp_path / name))
    assert code == 1 and "error:" in err and "expected a name ending in .png, .svg, .pdf" in err
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_exits_1(tmp_path, capsys):
    """An output in a missing folder exits 1 with an error line."""
    code, _, err = run_cli(capsys, "draw", "gist", "-o", str(tmp_path / "missing" / "gist.png"))
    assert code == 1 and "cannot write output" in err
    assert list(tmp_path.iterdir()) == []


def test_output_that_is_a_folder_exits_1(tmp_path, capsys):
    """A folder given as the output file exits 1."""
    folder = tmp_path / "out.png"
    folder.mkdir()
    code, _, err = run_cli(capsys, "draw", "gist", "-o", str(folder))
    assert code == 1 and "is a folder" in err


@pytest.mark.parametrize("argv", [
    ["draw", "gist"],
    ["draw", "-o", "x.png"],
    ["draw", "gist", "--all", "-o", "out"],
    ["draw", "--all", "-o", "out", "--highlight", "workup"],
    ["draw", "gist", "-o", "x.png", "--gallery", "g.md"],
    ["draw", "--all", "-o", "out", "--format", "jpg"],
    ["draw", "gist", "-o", "x.png", "--dpi", "5"],
    ["draw", "gist", "-o", "x.png", "--direction", "up"],
    ["draw", "gist", "-o", "x.png", "--jobs", "2"],
    ["draw", "--all", "-o", "out", "--jobs", "0"],
    ["draw", "--all", "-o", "out", "--jobs", "two"],
])
def test_usage_errors_exit_2(tmp_path, monkeypatch, capsys, argv):
    """Missing or contradictory arguments are usage errors (exit 2) and write nothing."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_draw_all_in_two_processes_draws_what_one_process_draws(tmp_path, capsys):
    """``draw --all --size slide --handout`` with --jobs 2 writes the same bytes as with --jobs 1."""
    runs = {}
    for jobs in ("1", "2"):
        folder = tmp_path / f"jobs{jobs}"
        code, out, _ = run_cli(capsys, "draw", "--all", "-o", str(folder), "--format", "svg", "--size", "slide",
                               "--handout", str(tmp_path / f"handout{jobs}.pdf"), "--jobs", jobs)
        assert code == 0
        said = out.replace(f"jobs{jobs}", "jobsN").replace(f"handout{jobs}", "handoutN")
        runs[jobs] = ({p.name: p.read_bytes() for p in folder.iterdir()}, said)
    assert runs["1"] == runs["2"]
    assert len(runs["1"][0]) > 2 * len(SUBTYPE_IDS)
    assert (tmp_path / "handout1.pdf").read_bytes() == (tmp_path / "handout2.pdf").read_bytes()


@pytest.mark.slow
def test_draw_all_writes_the_handout_write_handout_writes(tmp_path, monkeypatch):
    """The handout drawn in parts beside the pathways' drawings is the handout drawn alone
    afterwards, byte for byte, and the folder holds the drawings."""
    import sarcoma_sim.pathways.load as load
    from sarcoma_sim.cli.draw import draw_all
    from sarcoma_sim.pathways.handout import write_handout

    monkeypatch.setattr(load, "SUBTYPE_IDS", ("sft", "emc"))
    names = draw_all(tmp_path / "out", "svg", 100, jobs=1, handout=tmp_path / "together.pdf")
    assert sorted(names) == ["emc.svg", "sft.svg"]
    alone = write_handout(tmp_path / "alone.pdf", ["sft", "emc"])
    assert (tmp_path / "together.pdf").read_bytes() == alone.read_bytes()


def test_draw_all_whose_handout_part_fails_writes_neither_folder_nor_handout(tmp_path, monkeypatch):
    """A handout part that cannot be written fails the run with an output error naming the folder
    and the cause: no drawings folder, no handout."""
    import sarcoma_sim.pathways.handout as handout
    import sarcoma_sim.pathways.load as load
    from sarcoma_sim.cli.draw import draw_all
    from sarcoma_sim.errors import OutputError

    drawn = handout.draw_handout_part

    def failing(job):
        if job[0].kind == "sources":
            raise OSError("disk full")
        return drawn(job)

    monkeypatch.setattr(load, "SUBTYPE_IDS", ("sft",))
    monkeypatch.setattr(handout, "draw_handout_part", failing)
    with pytest.raises(OutputError, match="out: cannot write output: disk full"):
        draw_all(tmp_path / "out", "svg", 100, jobs=1, handout=tmp_path / "h.pdf")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("folder_exists", [False, True])
def test_draw_all_writes_a_handout_named_in_its_new_folder(tmp_path, capsys, monkeypatch, folder_exists):
    """``draw --all -o out --handout out/handout.pdf`` writes the handout with the drawings,
    whether ``out`` exists yet or not (an older handout there is replaced)."""
    import sarcoma_sim.pathways.load as load

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(load, "SUBTYPE_IDS", ("sft",))
    if folder_exists:
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "handout.pdf").write_bytes(b"old")
    code, out, err = run_cli(capsys, "draw", "--all", "-o", "out", "--format", "svg",
                             "--handout", "out/handout.pdf", "--jobs", "1")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["handout.pdf", "sft.svg"]
    assert (tmp_path / "out" / "handout.pdf").read_bytes().startswith(b"%PDF")
    assert "wrote out/handout.pdf" in out


def test_draw_all_without_a_handout_makes_no_parts_folder(tmp_path, monkeypatch):
    """Without ``--handout`` no temporary folder for handout parts is made."""
    import tempfile

    import sarcoma_sim.pathways.load as load
    from sarcoma_sim.cli.draw import draw_all

    temporary = tmp_path / "temporary"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.setattr(load, "SUBTYPE_IDS", ("sft",))
    made = []
    real = tempfile.TemporaryDirectory

    def recorded(*args, **kwargs):
        made.append(kwargs.get("prefix"))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryDirectory", recorded)
    draw_all(tmp_path / "out", "svg", 100, jobs=1)
    assert made == [] and list(temporary.iterdir()) == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["sft.svg"]


@pytest.mark.slow
def test_draw_all_writes_one_drawing_per_subtype(tmp_path, capsys):
    """``draw --all -o DIR --format svg`` writes every subtype's SVG into DIR."""
    code, out, _ = run_cli(capsys, "draw", "--all", "-o", str(tmp_path / "out"), "--format", "svg")
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{s}.svg" for s in SUBTYPE_IDS)
    assert out.count("wrote ") == len(SUBTYPE_IDS)


def test_draw_all_into_a_file_exits_1(tmp_path, capsys):
    """``--all`` with -o naming an existing file exits 1 and leaves the file alone."""
    target = tmp_path / "taken"
    target.write_text("keep")
    code, _, err = run_cli(capsys, "draw", "--all", "-o", str(target))
    assert code == 1 and "exists and is not a folder" in err
    assert target.read_text() == "keep"


@pytest.mark.slow
def test_gallery_command_writes_images_and_page(tmp_path, capsys):
    """``--all --gallery`` writes every drawing, the highlighted example and a page linking them."""
    folder, page = tmp_path / "diagrams", tmp_path / "diagrams.md"
    code, _, _ = run_cli(capsys, "draw", "--all", "-o", str(folder), "--gallery", str(page), "--dpi", "30")
    assert code == 0
    text = page.read_text(encoding="utf-8")
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (page.parent / link).read_bytes().startswith(SIGNATURES[".png"])
    assert f"diagrams/{GALLERY_EXAMPLE[0]}-highlighted.png" in text
    assert text == gallery_markdown(page, folder)


def test_docs_gallery_is_current():
    """docs/diagrams.md matches the shipped pathways (regenerate with the command it documents)."""
    page = REPO / "docs" / "diagrams.md"
    expected = gallery_markdown(page, REPO / "docs" / "diagrams")
    assert page.read_text(encoding="utf-8") == expected, f"docs/diagrams.md is stale: run `{GALLERY_COMMAND}`"
    assert GALLERY_COMMAND in expected
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", expected)
    # every subtype, the highlighted example, and each subtype's slide version (one or more panels)
    assert len([link for link in links if "-slide" not in link]) == len(SUBTYPE_IDS) + 1
    assert {link.rsplit("/", 1)[-1].split("-slide")[0] for link in links if "-slide" in link} == set(SUBTYPE_IDS)
    for link in links:
        assert (page.parent / link).read_bytes().startswith(SIGNATURES[".png"]), link


def test_gallery_lists_only_the_panels_this_run_drew(tmp_path):
    """A panel left in the folder by an earlier, larger drawing is not listed in the regenerated gallery."""
    from sarcoma_sim.cli.draw import gallery_markdown

    for name in ("asps-slide-1.png", "asps-slide-2.png", "asps-slide-7.png"):
        (tmp_path / name).write_bytes(b"")
    page = gallery_markdown(tmp_path / "gallery.md", tmp_path, "png", ["asps-slide-1.png", "asps-slide-2.png"])
    assert "asps-slide-1.png" in page and "asps-slide-2.png" in page and "asps-slide-7.png" not in page
    assert "2 linked panels" in page


@pytest.mark.parametrize("extra, named", [(["--handout", "h.xyz"], "h.xyz"),
                                          (["--handout", "missing/h.pdf"], "missing"),
                                          (["--gallery", "nofolder/g.md"], "nofolder")])
def test_draw_all_checks_every_output_name_before_drawing(tmp_path, capsys, monkeypatch, extra, named):
    """``draw --all`` with a wrong handout or gallery name fails at once (no drawing), the folder unwritten."""
    import sarcoma_sim.cli.draw as draw

    def no_drawing(*args, **kwargs):
        raise AssertionError("drew before checking the output names")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(draw, "draw_all", no_drawing)
    code, _, err = run_cli(capsys, "draw", "--all", "-o", "out", *extra)
    assert code == 1 and named in err and not (tmp_path / "out").exists()


def test_a_line_break_in_a_file_name_stays_on_the_error_line(tmp_path, capsys):
    """A file name holding a newline is shown escaped: each problem is exactly one ``error:`` line."""
    code, _, err = run_cli(capsys, "draw", "gist", "-o", str(tmp_path / "no\nfolder" / "g.png"))
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith("error: ") and "no\\x0afolder" in lines[0]
