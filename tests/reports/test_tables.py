"""Tests of the modeller's tables (sarcoma_sim.reports.tables), the survival plot and CohortResult.to_dataframe."""

from __future__ import annotations

import csv
import io
import sys

import numpy as np
import pytest

from sarcoma_sim.cohort.engines import simulate
from sarcoma_sim.cohort.params import load_params
from sarcoma_sim.pathways.exits import with_competing_exits
from sarcoma_sim.pathways.load import load_subtype
from sarcoma_sim.reports.tables import regimen_texts, trace, write_events_table, write_trace_csv

GIST = load_subtype("gist")


@pytest.fixture(scope="module")
def result():
    """A small GIST cohort shared by the table tests."""
    return simulate(GIST, load_params("gist"), 2000, 9)


def read_csv(text: str) -> list[dict]:
    """Rows of CSV text, read by the standard library's reader."""
    return list(csv.DictReader(io.StringIO(text)))


def test_events_table_has_line_and_regimen(result):
    """events.csv rows carry the line after the row and the regimen entered, as the pathway writes it."""
    out = io.StringIO()
    write_events_table(result, out, GIST)
    rows = read_csv(out.getvalue())
    assert len(rows) == len(result.log)
    view = with_competing_exits(GIST)
    for row in rows[:400]:
        state = view.states[row["to_state"]]
        assert row["regimen"] == (state.regimen.describe() if state.regimen else "")
        if state.regimen:
            assert int(row["line"]) == state.line
        if row["to_state"] in ("death", "best_supportive_care"):
            assert row["line"] == "0"


def test_resection_keeps_the_line_it_interrupts(result):
    """Surgery for limited progression has no line of its own: the row keeps line 1."""
    out = io.StringIO()
    write_events_table(result, out, GIST)
    rows = [r for r in read_csv(out.getvalue()) if r["to_state"] == "resection"]
    assert rows and {r["line"] for r in rows} == {"1"}


def test_a_regimen_with_a_comma_is_quoted():
    """A regimen text holding a comma is one quoted CSV field, read back whole."""
    texts = regimen_texts(load_subtype("angiosarcoma"), tuple(load_subtype("angiosarcoma").states))
    assert any("," in t for t in texts)
    angio = simulate(load_subtype("angiosarcoma"), load_params("angiosarcoma"), 200, 1)
    out = io.StringIO()
    write_events_table(angio, out)
    rows = read_csv(out.getvalue())
    assert all(len(r) == 7 for r in rows)
    assert any("," in r["regimen"] for r in rows)


def test_trace_rows_sum_to_the_cohort(result):
    """At every month each patient is in exactly one state, so each trace row sums to n."""
    months, counts = trace(result)
    assert months[0] == 0 and np.all(np.diff(months) == 1)
    assert np.all(counts.sum(axis=1) == result.n)
    death = result.log.state_ids.index("death")
    assert np.all(np.diff(counts[:, death]) >= 0)


def test_trace_csv_matches_the_death_times(result):
    """The death column at month m counts the patients who died at or before m."""
    out = io.StringIO()
    write_trace_csv(result, out)
    rows = read_csv(out.getvalue())
    ends = result.log.t_months[result.log.last_rows()]
    for row in rows[::24]:
        m = int(row["month"])
        assert int(row["death"]) == np.count_nonzero(ends <= m)


def test_to_dataframe_reads_names(result):
    """to_dataframe gives one row per event with state and event names."""
    pd = pytest.importorskip("pandas")
    frame = result.to_dataframe()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(result.log)
    assert frame["to_state"].iloc[-1] == "death"
    assert set(frame["event"].unique()) <= set(result.log.event_names)


def test_to_dataframe_without_pandas_says_how_to_get_it(result, monkeypatch):
    """Without pandas, to_dataframe raises ImportError naming pandas and the numpy alternative."""
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        result.to_dataframe()
    columns = result.columns()
    assert columns["to_state"][-1] == "death" and len(columns["patient"]) == len(result.log)


def test_pandas_reads_the_written_tables(result, tmp_path):
    """events.csv and trace.csv open in pandas with the documented columns."""
    pd = pytest.importorskip("pandas")
    with open(tmp_path / "events.csv", "w", newline="", encoding="utf-8") as stream:
        write_events_table(result, stream, GIST)
    with open(tmp_path / "trace.csv", "w", newline="", encoding="utf-8") as stream:
        write_trace_csv(result, stream)
    events = pd.read_csv(tmp_path / "events.csv")
    assert list(events.columns) == ["patient", "t_months", "event", "from_state", "to_state", "line", "regimen"]
    trace_frame = pd.read_csv(tmp_path / "trace.csv")
    assert (trace_frame.drop(columns="month").sum(axis=1) == result.n).all()


def test_survival_plot_marks_the_median(result):
    """The survival plot draws the Kaplan-Meier curve and annotates its median."""
    from sarcoma_sim.reports.plots import plot_survival
    from sarcoma_sim.reports.survival import overall_survival
    ax = plot_survival(result, GIST)
    texts = [t.get_text() for t in ax.texts]
    median = overall_survival(result.log)["median_months"]
    assert f"median {median:.1f} months" in texts
