"""Every command that writes refuses hostile output locations with one ``error:`` line and exit 1.

Covers issue 13 items 6, 12 and 13 at the command line: 300-character names (``export -o``,
``draw -o``, ``run --draw``, ``cohort --out``), ``--out ''``, a symlinked ``--out``, a FIFO as
``-o``, and a cohort folder that cannot be replaced leaving the previous run's files intact.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from helpers.cli_runner import run_cli

SCENARIO = "patient: {subtype: dfsp}\nstart: 0\n"


def assert_output_error(code, out, err, *fragments):
    """Exit 1 with ``error:`` lines only, each naming what was wrong."""
    assert code == 1, (out, err)
    assert err and all(line.startswith("error: ") for line in err.splitlines()), err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


@pytest.fixture
def scenario(tmp_path):
    """A minimal DFSP scenario file."""
    path = tmp_path / "case.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def commands_writing(target, scenario):
    """Each writing command with ``target`` as its output."""
    return {
        "export": ["export", "dfsp", "--format", "json", "-o", target],
        "draw": ["draw", "dfsp", "-o", target],
        "run --draw": ["run", scenario, "--draw", target],
        "cohort --out": ["cohort", "dfsp", "-n", 5, "--seed", 1, "--out", target],
    }


@pytest.mark.parametrize("command", ["export", "draw", "run --draw", "cohort --out"])
def test_300_character_output_name_is_one_error_line(command, tmp_path, scenario, capsys):
    """A 300-character output name: exit 1 with an error naming it too long; nothing is left behind."""
    target = tmp_path / ("n" * 300 + ".png")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert_output_error(*run_cli(capsys, *commands_writing(target, scenario)[command]), "too long")
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("command", ["export", "draw", "run --draw", "cohort --out"])
def test_empty_output_path_is_refused(command, tmp_path, scenario, capsys):
    """``-o ''`` / ``--out ''`` is refused with exit 1, never exit 0 with nothing written."""
    assert_output_error(*run_cli(capsys, *commands_writing("", scenario)[command]), "empty path")


def test_symlinked_out_folder_is_refused_and_the_victim_untouched(tmp_path, capsys):
    """``cohort --out link`` where link points to a folder: refused; nothing written into that folder."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (tmp_path / "link").symlink_to(victim)
    assert_output_error(*run_cli(capsys, "cohort", "dfsp", "-n", 5, "--seed", 1, "--out", tmp_path / "link"),
                        "symbolic link")
    assert list(victim.iterdir()) == []


def test_export_to_a_fifo_is_refused_and_the_fifo_kept(tmp_path, capsys):
    """``export -o p.fifo`` is refused; the FIFO is not replaced by a regular file."""
    fifo = tmp_path / "p.fifo"
    os.mkfifo(fifo)
    assert_output_error(*run_cli(capsys, "export", "dfsp", "-o", fifo), "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_cohort_folder_that_cannot_be_replaced_keeps_the_previous_run(tmp_path, capsys):
    """Item 12: a plot replaced by a non-empty folder makes the next run fail, and summary.json still says seed 1."""
    out = tmp_path / "o"
    code, _, _ = run_cli(capsys, "cohort", "gist", "-n", 10, "--seed", 1, "--out", out, "--no-progress")
    assert code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    plot = out / "time_on_line.png"
    plot.unlink()
    plot.mkdir()
    (plot / "keep").write_text("x")
    assert_output_error(*run_cli(capsys, "cohort", "gist", "-n", 10, "--seed", 2, "--out", out), "time_on_line.png")
    assert json.loads((out / "summary.json").read_text())["seed"] == 1
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == {k: v for k, v in before.items() if k != "time_on_line.png"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


@pytest.mark.slow
def test_cohort_rerun_replaces_the_folder_whole(tmp_path, capsys):
    """A second cohort run into the same folder leaves exactly the second run's files (seed 2 everywhere)."""
    out = tmp_path / "o"
    for seed in (1, 2):
        code, _, _ = run_cli(capsys, "cohort", "gist", "-n", 10, "--seed", seed, "--out", out)
        assert code == 0
    fresh = tmp_path / "fresh"
    run_cli(capsys, "cohort", "gist", "-n", 10, "--seed", 2, "--out", fresh)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {p.name: p.read_bytes() for p in fresh.iterdir()}


@pytest.mark.slow
@pytest.mark.parametrize("exists", [False, True])
def test_two_concurrent_cohort_runs_never_mix(exists, tmp_path):
    """Two processes writing one --out at once: the folder ends as one run's complete output, never a mix."""
    import subprocess
    import sys

    out = tmp_path / "o"
    if exists:
        out.mkdir()
    reference = {}
    for seed in (1, 2):
        ref = tmp_path / f"ref{seed}"
        subprocess.run([sys.executable, "-m", "sarcoma_sim", "cohort", "gist", "-n", "2000", "--seed", str(seed),
                        "--out", str(ref)], check=True, capture_output=True, timeout=120)
        reference[seed] = {p.name: p.read_bytes() for p in ref.iterdir()}
    runs = [subprocess.Popen([sys.executable, "-m", "sarcoma_sim", "cohort", "gist", "-n", "2000", "--seed", str(seed),
                              "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for seed in (1, 2)]
    results = [(run.communicate(timeout=180)[1], run.returncode) for run in runs]
    for err, code in results:
        assert code in (0, 1) and "Traceback" not in err
        if code == 1:
            assert err.startswith("error: ") and "another sarcoma-sim run" in err
    files = {p.name: p.read_bytes() for p in out.iterdir()}
    assert files in (reference[1], reference[2])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o", "ref1", "ref2"]
