"""Tests of ``sarcoma-sim cohort``: output, files, reproducibility, progress bar and every bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from sarcoma_sim.cli.cohort import ENGINE_CHOICES, OUTPUT_FILES, ProgressBar
from sarcoma_sim.cli.dispatch import NOT_FOR_CLINICAL_USE, main
from sarcoma_sim.reports.plots import PLOT_FILES

from helpers.cli_runner import run_cli

N = 600


def assert_error(code, out, err, *fragments):
    """Exit 1, an ``error:`` line holding every fragment, no traceback."""
    assert code == 1, (out, err)
    assert err.startswith("error: "), err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert "Traceback" not in err + out


def leftovers(folder):
    """Everything in a folder (to show a failed run left nothing behind)."""
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def gist_run(tmp_path_factory):
    """One GIST run with --out and --format json, shared by the tests that only read its outputs."""
    folder = tmp_path_factory.mktemp("gist") / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, stderr
    try:
        code = main(["cohort", "gist", "-n", str(N), "--seed", "1", "--out", str(folder), "--format", "json"])
    finally:
        sys.stdout, sys.stderr = old
    return code, stdout.getvalue(), stderr.getvalue(), folder


def test_text_summary_is_a_table_with_the_notice(capsys):
    """Without --format json the command prints the readable table ending with the notice."""
    code, out, err = run_cli(capsys, "cohort", "gist", "-n", N, "--seed", "1")
    assert code == 0, err
    assert "cohort of 600 hypothetical patients (seed 1, vectorized engine)" in out
    assert "imatinib_400" in out and "Imatinib 400 mg daily" in out
    assert "End states:" in out and "Most common sequences" in out
    assert out.rstrip().endswith(NOT_FOR_CLINICAL_USE)
    assert err == ""


def test_json_summary_has_the_required_fields(gist_run):
    """--format json prints the summary with every field the issue asks for and the provenance."""
    code, out, err, _ = gist_run
    assert code == 0, err
    summary = json.loads(out)
    for key in ("subtype", "n", "seed", "engine", "reached", "time_in_state_months", "time_to_end_months",
                "end_states", "top_sequences", "notice", "params_file"):
        assert key in summary
    assert (summary["subtype"], summary["n"], summary["seed"], summary["engine"]) == ("gist", N, 1, "vectorized")
    assert summary["reached"]["workup"] == 1.0
    assert summary["notice"] == NOT_FOR_CLINICAL_USE
    assert set(summary["time_to_end_months"]) == {"mean", "median"}
    assert 1 <= len(summary["top_sequences"]) <= 10


def test_out_writes_every_file(gist_run):
    """--out writes events.csv (with line and regimen), patients.csv, trace.csv, summary.json and the four
    PNG plots, and nothing else."""
    code, out, _, folder = gist_run
    assert code == 0
    assert leftovers(folder) == sorted(OUTPUT_FILES + PLOT_FILES)
    assert json.loads((folder / "summary.json").read_text()) == json.loads(out)
    events = (folder / "events.csv").read_text().splitlines()
    assert events[0] == "patient,t_months,event,from_state,to_state,line,regimen"
    assert events[1].startswith("0,0.0000,start,workup,")
    trace = (folder / "trace.csv").read_text().splitlines()
    assert trace[0].startswith("month,workup,") and trace[0].endswith(",death")
    patients = (folder / "patients.csv").read_text().splitlines()
    assert len(patients) == N + 1 and patients[0].startswith("patient,")
    for name in PLOT_FILES:
        assert (folder / name).read_bytes().startswith(b"\x89PNG")


# The same cohort always gives the same PNGs (tests/reports/test_plots.py), so by default the
# plots are left out here; with them, and with the stepwise engine, the check is slow.
@pytest.mark.parametrize("engine, plots", [("vectorized", False),
                                           pytest.param("vectorized", True, marks=pytest.mark.slow),
                                           pytest.param("stepwise", True, marks=pytest.mark.slow)])
def test_same_seed_gives_byte_identical_files(engine, plots, tmp_path, capsys):
    """Two runs with the same seed write byte-for-byte identical files (summary.json, and the plots when drawn)."""
    for name in ("a", "b"):
        code, _, err = run_cli(capsys, "cohort", "gist", "-n", 300, "--seed", 11, "--engine", engine,
                               "--out", tmp_path / name, "--no-progress", *(() if plots else ("--no-plots",)))
        assert code == 0, err
    for name in OUTPUT_FILES + (PLOT_FILES if plots else ()):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.slow  # different seeds at the library level: tests/cohort/test_engines.py
def test_different_seeds_give_different_outputs(tmp_path, capsys):
    """Different seeds give different event logs and summaries."""
    for seed in (1, 2):
        code, _, err = run_cli(capsys, "cohort", "gist", "-n", 300, "--seed", seed, "--out", tmp_path / str(seed))
        assert code == 0, err
    for name in ("events.csv", "summary.json"):
        assert (tmp_path / "1" / name).read_bytes() != (tmp_path / "2" / name).read_bytes(), name


def test_stepwise_engine_runs_and_is_named(capsys):
    """--engine stepwise runs the reference engine and the summary says so."""
    code, out, err = run_cli(capsys, "cohort", "dfsp", "-n", 200, "--seed", 3, "--engine", "stepwise",
                             "--format", "json")
    assert code == 0, err
    assert json.loads(out)["engine"] == "stepwise"


def test_engine_choices_match_the_engines():
    """The command offers exactly the engines sarcoma_sim.cohort.engines provides."""
    from sarcoma_sim.cohort.engines import ENGINES
    assert tuple(ENGINE_CHOICES) == tuple(ENGINES)


@pytest.mark.parametrize("argv, fragments", [
    (["cohort", "no_such_sarcoma", "-n", "10", "--seed", "1"], ["no_such_sarcoma"]),
    (["cohort", "gist", "-n", "0", "--seed", "1"], ["-n", ">= 1", "got 0"]),
    (["cohort", "gist", "-n", "-5", "--seed", "1"], ["-n", ">= 1", "got -5"]),
    (["cohort", "gist", "-n", "10", "--seed", "-1"], ["--seed", "from 0"]),
    (["cohort", "gist", "-n", "10", "--seed", "1", "--set", "no_equals_sign"], ["--set", "KEY=VALUE"]),
    (["cohort", "gist", "-n", "10", "--seed", "1", "--set", "=3"], ["--set", "KEY=VALUE"]),
])
def test_bad_command_line_values_exit_1_with_a_clear_error(argv, fragments, capsys):
    """Unknown subtype, -n of 0 or negative, negative seed, malformed --set: exit 1."""
    assert_error(*run_cli(capsys, *argv), *fragments)


def test_unknown_parameter_in_set_is_an_error(capsys):
    """--set naming a parameter that does not exist is refused with exit 1, naming it."""
    code, out, err = run_cli(capsys, "cohort", "gist", "-n", 10, "--seed", 1, "--set", "no_such_state.x.y=3")
    assert_error(code, out, err, "no_such_state")


def test_non_numeric_value_in_set_is_an_error(capsys):
    """--set with a value that is not a number where a number is expected is refused with exit 1."""
    code, out, err = run_cli(capsys, "cohort", "gist", "-n", 10, "--seed", 1,
                             "--set", "imatinib_400.progression.median_months=soon")
    assert_error(code, out, err, "soon")


def test_missing_parameter_file_is_an_error(tmp_path, capsys):
    """--params naming a file that does not exist: exit 1 naming the file."""
    missing = tmp_path / "missing.yaml"
    assert_error(*run_cli(capsys, "cohort", "gist", "-n", 10, "--seed", 1, "--params", missing), str(missing))


def test_malformed_parameter_file_is_an_error_with_its_line(tmp_path, capsys):
    """--params with broken YAML: exit 1 naming the file and line."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("imatinib_400:\n  progression: [unclosed\n")
    code, out, err = run_cli(capsys, "cohort", "gist", "-n", 10, "--seed", 1, "--params", bad)
    assert_error(code, out, err, str(bad))


def test_out_of_range_parameter_in_a_file_is_an_error_with_file_line_and_path(tmp_path, capsys):
    """--params with a negative median: exit 1 naming the file, the line and the path inside it."""
    bad = tmp_path / "negative.yaml"
    bad.write_text("states:\n  imatinib_400:\n    progression:\n"
                   "      median_months: {months: -3, illustrative: true}\n")
    code, out, err = run_cli(capsys, "cohort", "gist", "-n", 10, "--seed", 1, "--params", bad)
    assert_error(code, out, err, f"{bad}:4", "imatinib_400.progression.median_months")


def test_out_of_range_value_in_set_is_an_error(capsys):
    """--set giving a negative median: exit 1 naming the override and what was expected."""
    code, out, err = run_cli(capsys, "cohort", "gist", "-n", 10, "--seed", 1,
                             "--set", "imatinib_400.progression.median_months=-2")
    assert_error(code, out, err, "--set", "> 0")


@pytest.mark.parametrize("argv", [
    ["cohort", "gist", "--seed", "1"],
    ["cohort", "gist", "-n", "10"],
    ["cohort", "gist", "-n", "ten", "--seed", "1"],
    ["cohort", "gist", "-n", "10", "--seed", "1", "--engine", "warp"],
    ["cohort", "gist", "-n", "10", "--seed", "1", "--format", "xml"],
])
def test_usage_errors_exit_2(argv, capsys):
    """A missing -n or --seed, a non-integer -n, an unknown engine or format are usage errors (exit 2)."""
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert "usage:" in err and "Traceback" not in err


def test_out_in_a_missing_folder_is_an_error_and_writes_nothing(tmp_path, capsys):
    """--out below a folder that does not exist: exit 1, nothing created."""
    target = tmp_path / "no" / "such" / "out"
    assert_error(*run_cli(capsys, "cohort", "gist", "-n", 10, "--seed", 1, "--out", target), "does not exist")
    assert leftovers(tmp_path) == []


def test_out_naming_a_file_is_an_error_and_leaves_it_alone(tmp_path, capsys):
    """--out naming an existing file: exit 1, the file untouched, no temporary folder left."""
    target = tmp_path / "out"
    target.write_text("keep me")
    assert_error(*run_cli(capsys, "cohort", "gist", "-n", 10, "--seed", 1, "--out", target), "not a folder")
    assert target.read_text() == "keep me"
    assert leftovers(tmp_path) == ["out"]


def test_failure_while_writing_leaves_nothing_half_written(tmp_path, capsys, monkeypatch):
    """If writing fails after the CSVs (here: the plots), the output folder is not created at all."""
    import sarcoma_sim.reports.plots
    from sarcoma_sim.errors import PathwayError, Problem

    def broken(*args, **kwargs):
        raise PathwayError(Problem("occupancy.png", None, "", "cannot write output: disk full"))

    monkeypatch.setattr(sarcoma_sim.reports.plots, "save_plots", broken)
    code, out, err = run_cli(capsys, "cohort", "gist", "-n", 50, "--seed", 1, "--out", tmp_path / "out")
    assert_error(code, out, err, "disk full")
    assert leftovers(tmp_path) == []


def test_failure_while_summarising_a_chunk_is_one_error_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    """A chunk fails in the summary thread (here: the events table cannot be written) after earlier
    chunks were taken: one error line, exit 1, and no output folder."""
    import sarcoma_sim.cli.cohort as command
    import sarcoma_sim.reports.tables
    from sarcoma_sim.errors import OutputError, Problem

    calls = []

    def failing_on_the_third(chunk, *args, **kwargs):
        calls.append(chunk.n)
        if len(calls) == 3:
            raise OutputError(Problem("events.csv", None, "", "cannot write output: disk full"))

    monkeypatch.setattr(command, "CHUNK_PATIENTS", 40)
    monkeypatch.setattr(sarcoma_sim.reports.tables, "write_events_table", failing_on_the_third)
    code, out, err = run_cli(capsys, "cohort", "dfsp", "-n", 200, "--seed", 1, "--out", tmp_path / "out",
                             "--no-plots", "--no-progress")
    assert_error(code, out, err, "disk full")
    assert len(calls) == 3 and leftovers(tmp_path) == []


def test_failure_keeps_an_existing_output_folder_as_it_was(tmp_path, capsys):
    """A failing run into an existing --out leaves its files as they were."""
    target = tmp_path / "out"
    target.mkdir()
    (target / "summary.json").write_text("old")
    code, out, err = run_cli(capsys, "cohort", "gist", "-n", 10, "--seed", 1, "--set", "nonsense.a.b=1",
                             "--out", target)
    assert code == 1
    assert leftovers(target) == ["summary.json"] and (target / "summary.json").read_text() == "old"
    assert leftovers(tmp_path) == ["out"]


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_progress_bar_waits_then_draws_and_clears():
    """The bar stays silent for short runs, then draws done/total with a percentage and clears its line."""
    stream, clock = io.StringIO(), FakeClock()
    bar = ProgressBar(stream, "gist vectorized", delay=0.5, interval=0.1, clock=clock, width=10)
    bar(100, 1000)
    assert stream.getvalue() == ""
    clock.now = 0.6
    bar(500, 1000)
    assert "[#####-----] 500/1,000 patients  50%" in stream.getvalue()
    clock.now = 0.62
    bar(600, 1000)
    assert "600/1,000" not in stream.getvalue()          # throttled: less than 0.1 s since the last draw
    clock.now = 0.8
    bar(1000, 1000)
    assert "1,000/1,000 patients 100%" in stream.getvalue()
    bar.close()
    assert stream.getvalue().endswith("\r\033[K")


def test_progress_bar_is_silent_for_a_quick_run():
    """A run that ends before the delay never draws anything, even at 100%."""
    stream, clock = io.StringIO(), FakeClock()
    bar = ProgressBar(stream, "x", clock=clock)
    bar(10, 10)
    bar.status("writing events.csv…")
    bar.close()
    assert stream.getvalue() == ""


class TtyStringIO(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self):
        return True


@pytest.mark.parametrize("flag, shown", [([], True), (["--no-progress"], False)])
def test_progress_goes_to_a_terminal_stderr_unless_suppressed(flag, shown, monkeypatch, capsys):
    """On a terminal the engine's progress reaches the bar on stderr; --no-progress silences it."""
    import sarcoma_sim.cli.cohort
    calls = []

    class RecordingBar(ProgressBar):
        def __call__(self, done, total):
            calls.append((done, total))
            super().__call__(done, total)

    monkeypatch.setattr(sarcoma_sim.cli.cohort, "ProgressBar", RecordingBar)
    monkeypatch.setattr(sys, "stderr", TtyStringIO())
    code = main(["cohort", "gist", "-n", "300", "--seed", "1", "--format", "json", *flag])
    assert code == 0
    assert bool(calls) is shown
    if shown:
        assert calls[-1] == (300, 300)
    json.loads(capsys.readouterr().out)


def test_no_progress_bar_when_stderr_is_not_a_terminal(capsys):
    """Piped or captured stderr gets no progress bar (nothing at all on success)."""
    code, _, err = run_cli(capsys, "cohort", "gist", "-n", 300, "--seed", 1)
    assert code == 0 and err == ""


def test_registering_the_command_stays_light():
    """Importing the command module imports neither numpy nor matplotlib nor the engines."""
    code = ("import sys, sarcoma_sim.cli.cohort; "
            "print(sorted(m for m in ('numpy', 'matplotlib', 'sarcoma_sim.cohort.engines') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_console_script_runs_end_to_end(tmp_path):
    """The installed ``sarcoma-sim cohort`` command runs in a fresh process and exits 0."""
    out = subprocess.run([sys.executable, "-m", "sarcoma_sim", "cohort", "pecoma", "-n", "100", "--seed", "5",
                          "--format", "json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["subtype"] == "pecoma"


def test_chunked_run_matches_the_one_piece_summary(capsys, monkeypatch):
    """A run split into many chunks prints the summary of the whole cohort computed in one piece."""
    import sarcoma_sim.cli.cohort as command
    from sarcoma_sim.cohort.engines import simulate
    from sarcoma_sim.cohort.params import load_params
    from sarcoma_sim.pathways.load import load_subtype
    from sarcoma_sim.reports.summary import summarize
    monkeypatch.setattr(command, "CHUNK_PATIENTS", 170)
    code, out, _ = run_cli(capsys, "cohort", "gist", "-n", 1000, "--seed", 4, "--format", "json")
    assert code == 0
    chunked = json.loads(out)
    whole = summarize(simulate(load_subtype("gist"), load_params("gist"), 1000, 4))
    for key in ("reached", "reached_line", "end_states", "events", "overall_survival_months",
                "time_in_state_months", "time_on_line_months", "time_to_end_months", "top_sequences"):
        assert chunked[key] == whole[key], key


def test_no_plots_writes_the_tables_and_summary_only(tmp_path, capsys):
    """--no-plots with --out writes the four tables and says so; no PNG is drawn."""
    code, out, err = run_cli(capsys, "cohort", "dfsp", "-n", 50, "--seed", 1, "--out", tmp_path / "o", "--no-plots")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == sorted(OUTPUT_FILES)
    assert f"Wrote {', '.join(OUTPUT_FILES)} to" in out and ".png" not in out


def test_no_plots_without_out_is_an_error(capsys):
    """--no-plots without --out is refused with one error line naming the flag, exit 1."""
    assert_error(*run_cli(capsys, "cohort", "dfsp", "-n", 5, "--seed", 1, "--no-plots"), "--no-plots")


def test_streamed_files_hold_every_patient_once(tmp_path, capsys, monkeypatch):
    """With chunks of 170 patients the written tables still hold each patient once, in order, one header."""
    import sarcoma_sim.cli.cohort as command
    monkeypatch.setattr(command, "CHUNK_PATIENTS", 170)
    code, _, err = run_cli(capsys, "cohort", "gist", "-n", 1000, "--seed", 4, "--out", tmp_path / "o", "--no-progress",
                             "--no-plots")
    assert code == 0, err
    patients = (tmp_path / "o" / "patients.csv").read_text().splitlines()
    assert [int(line.split(",")[0]) for line in patients[1:]] == list(range(1000))
    events = (tmp_path / "o" / "events.csv").read_text().splitlines()
    assert sum(line.startswith("patient,") for line in events) == 1
    trace = (tmp_path / "o" / "trace.csv").read_text().splitlines()[1:]
    assert all(sum(map(int, row.split(",")[1:])) == 1000 for row in trace)


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_a_stopped_cohort_run_leaves_no_temporary_folder(tmp_path, signal_name):
    """SIGTERM (like Ctrl-C) during ``cohort --out``: the temporary folder is removed, nothing is written."""
    import os
    import signal
    import time

    out = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "sarcoma_sim", "cohort", "gist", "-n", "20000000", "--seed", "1",
                                "--out", str(out), "--no-progress"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(p.name.startswith(".sarcoma-sim-") for p in tmp_path.iterdir()):
            time.sleep(0.05)
        time.sleep(1.0)
        assert process.poll() is None, "the run ended before it could be stopped"
        process.send_signal(getattr(signal, signal_name))
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == (143 if signal_name == "SIGTERM" else 130)
    assert ("terminated" if signal_name == "SIGTERM" else "interrupted") in err and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == []
