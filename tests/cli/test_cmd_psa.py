"""The ``psa`` command: the worked example end to end, identical with dask workers, wrong input refused."""

from __future__ import annotations

import json

import pytest
import yaml

from sarcoma_sim.reports.economics import TABLE_FILES
from sarcoma_sim.reports.economics_plots import PLOT_FILES

from helpers.cli_runner import run_cli
from helpers.economics import COSTS, STRATEGIES

ARGS = ("psa", "gist", "--strategies", STRATEGIES, "--costs", COSTS, "--samples", 12, "-n", 400, "--seed", 3,
        "--batch-size", 4)


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_worked_example_writes_its_tables_plots_and_report(capsys, tmp_path):
    """Exit 0; every table, plot and the CHEERS report; the same seed gives the same bytes; no store left."""
    code, out, err = run_cli(capsys, *ARGS, "--out", tmp_path / "a")
    assert code == 0, err
    assert "imatinib_400" in out and "EVPI per patient" in out
    files = _files(tmp_path / "a")
    assert set(files) == set(TABLE_FILES) | set(PLOT_FILES)
    summary = json.loads(files["summary.json"])
    assert summary["currency"] == "GBP" and summary["price_year"] == 2010 and summary["psa_samples"] == 12
    assert {r["strategy"] for r in summary["base_case"]} == {"imatinib_400", "imatinib_800"}
    assert all(r["costs_se"] > 0 for r in summary["base_case"])
    assert {r["group"] for r in summary["evppi_per_patient"]} == {"efficacy", "sequence", "prices", "utilities"}
    assert len(summary["oneway"]) == 8          # 2 ranges of the file, 6 distribution intervals (no Dirichlet share)
    assert sum(r["basis"].startswith("range in the file") for r in summary["oneway"]) == 2
    report = files["report.md"].decode()
    assert "CHEERS 2022" in report and "| 11 Discount rate | continuous, per year: costs 3.5%" in report
    assert "NICE TA179" in report
    assert files["psa_samples.csv"].decode().count("\n") == 1 + 12 * 2
    assert not list(tmp_path.glob(".*psa-store"))
    assert run_cli(capsys, *ARGS, "--out", tmp_path / "b")[0] == 0
    assert _files(tmp_path / "b") == files


@pytest.mark.slow
def test_one_and_two_local_dask_workers_write_identical_folders(capsys, tmp_path):
    """--workers 1 and --workers 2 (LocalCluster processes) write the bytes of the in-process run."""
    assert run_cli(capsys, *ARGS, "--out", tmp_path / "here")[0] == 0
    for workers in (1, 2):
        code, _, err = run_cli(capsys, *ARGS, "--workers", workers, "--out", tmp_path / f"w{workers}")
        assert code == 0, err
        assert _files(tmp_path / f"w{workers}") == _files(tmp_path / "here")


def _broken_strategies(tmp_path):
    data = yaml.safe_load(STRATEGIES.read_text(encoding="utf-8"))
    data["strategies"][0]["redirect"][0]["to"] = "imatinib_450"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("change, says", [
    (lambda args, tmp: [a if a != STRATEGIES else _broken_strategies(tmp) for a in args],
     "broken.yaml:"),
    (lambda args, tmp: [a if a != 12 else 0 for a in args], "error: --samples: expected a whole number >= 1"),
    (lambda args, tmp: [*args, "--workers", 1, "--scheduler", "tcp://127.0.0.1:1"], "not both"),
    (lambda args, tmp: [a if a != COSTS else tmp / "missing.yaml" for a in args], "missing.yaml"),
    (lambda args, tmp: [*args, "--out", tmp / "no" / "such" / "folder"], "does not exist"),
])
def test_wrong_input_is_one_located_error_exit_1_and_nothing_written(capsys, tmp_path, change, says):
    """A wrong file or flag: an ``error:`` line naming it, exit 1, no output folder and no store."""
    code, out, err = run_cli(capsys, *change([*ARGS, "--out", tmp_path / "out"], tmp_path))
    assert code == 1
    assert err.startswith("error: ") and says in err
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".*psa-store"))
    assert not (tmp_path / "no").exists()


def test_a_broken_state_reference_names_file_line_and_path(capsys, tmp_path):
    """A redirect to a state that does not exist is located at the strategy's redirect entry."""
    code, _, err = run_cli(capsys, *[a if a != STRATEGIES else _broken_strategies(tmp_path) for a in ARGS],
                           "--out", tmp_path / "out")
    assert code == 1
    assert "at strategies[0].redirect[0].to: no state 'imatinib_450' in the gist pathway" in err


@pytest.mark.slow
def test_an_unreachable_scheduler_is_an_error_line_and_nothing_written(capsys, tmp_path):
    """--scheduler naming no running cluster: an error naming the flag, exit 1, no output folder."""
    code, _, err = run_cli(capsys, *ARGS, "--scheduler", "tcp://127.0.0.1:9", "--out", tmp_path / "out")
    assert code == 1
    assert err.startswith("error: --scheduler tcp://127.0.0.1:9: cannot start or reach the dask cluster")
    assert not (tmp_path / "out").exists()


def test_the_progress_bar_counts_samples_and_shows_resumed_ones_as_done(capsys, tmp_path, monkeypatch):
    """On a terminal the bar goes from the samples already stored to --samples, in samples (not
    patients); a resumed run's first report counts the stored samples done and says so."""
    import io
    import sys

    import sarcoma_sim.cli.cohort
    from sarcoma_sim.cli.cohort import ProgressBar
    from sarcoma_sim.cli.psa import sample_progress

    calls = []

    class RecordingBar(ProgressBar):
        def __call__(self, done, total):
            calls.append((done, total))
            super().__call__(done, total)

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sarcoma_sim.cli.cohort, "ProgressBar", RecordingBar)
    monkeypatch.setattr(sys, "stderr", Tty())
    code, _, _ = run_cli(capsys, *ARGS, "--out", tmp_path / "a")
    assert code == 0
    assert calls[0] == (0, 12) and calls[-1] == (12, 12) and [d for d, _ in calls] == [0, 4, 8, 12]

    class Clock:
        now = 1.0

        def __call__(self):
            return self.now

    stream = io.StringIO()
    bar = ProgressBar(stream, "psa gist", delay=0.5, clock=Clock(), width=10, unit="samples")
    bar.started = 0.0
    report = sample_progress(bar)
    report(8, 12)
    assert "psa gist (8 resumed) [#######---] 8/12 samples  67%" in stream.getvalue()
    Clock.now = 2.0
    report(12, 12)
    assert stream.getvalue().count("resumed") == 2 and "12/12 samples 100%" in stream.getvalue()
