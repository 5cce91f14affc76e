"""Tests for sarcoma_sim.reports.plots: the figures' data (line episodes, sequences, occupancy), drawing and saving."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from sarcoma_sim.cli.dispatch import NOT_FOR_CLINICAL_USE
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.reports.plots import (
    PLOT_FILES,
    footer_text,
    line_episodes,
    line_starts,
    occupancy,
    ordered_states,
    plot_occupancy,
    plot_sequences,
    plot_time_on_line,
    save_plots,
    state_colours,
)

from helpers.fake_cohort import FACTS, ROWS, demo_pathway, make_result, random_walk

PATHWAY = demo_pathway()
PLOTS = (plot_time_on_line, plot_sequences, plot_occupancy)


@pytest.fixture(scope="module")
def result():
    """The three hand-made patients of test_eventlog."""
    return make_result(PATHWAY, ROWS, FACTS)


def test_line_episodes_run_from_entering_a_line_to_leaving_it(result):
    """Time on a line spans dose escalation and surgery within it and ends at the next line or the end."""
    lines, patients, months = line_episodes(result, PATHWAY)
    assert list(zip(lines.tolist(), patients.tolist(), np.round(months, 6).tolist())) == [
        (1, 0, 20.0), (2, 0, 6.123456), (1, 2, 2.0), (2, 2, 3.0)]


def test_line_starts_are_the_first_regimen_of_each_line(result):
    """line_starts gives the state each patient started each line on, -1 where never reached."""
    ids = result.log.state_ids
    starts = line_starts(result, PATHWAY)
    assert [[ids[c] if c >= 0 else None for c in row] for row in starts.tolist()] == [
        ["drug_a", "drug_b"], [None, None], ["drug_a", "drug_b"]]


def test_occupancy_counts_patients_in_each_state_at_each_time(result):
    """occupancy counts who is where at given months; instantaneous stays (workup at 0) count nowhere."""
    ids = result.log.state_ids
    counts = occupancy(result, np.array([0.0, 6.5, 10.0, 30.0]))
    where = {ids[code]: row.tolist() for code, row in enumerate(counts) if row.any()}
    assert where == {"drug_a": [2, 0, 1, 0], "surgery": [0, 1, 0, 0], "no_option": [1, 1, 1, 1],
                     "care": [0, 1, 1, 2]}
    assert counts.sum(axis=0).tolist() == [3, 3, 3, 3]


def test_occupancy_always_accounts_for_every_patient():
    """At any month after 0 the occupancy of all states sums to the cohort size."""
    cohort = random_walk(PATHWAY, 2000, 5)
    grid = np.linspace(0.01, 100, 50)
    assert np.all(occupancy(cohort, grid).sum(axis=0) == 2000)


@pytest.mark.parametrize("plot", PLOTS)
def test_each_plot_draws_on_the_given_ax_and_returns_it(plot, result):
    """Every plot function draws on the ax it is given and returns that ax, with labelled axes."""
    ax = Figure().add_subplot()
    assert plot(result, PATHWAY, ax=ax) is ax
    assert ax.get_ylabel().endswith("(%)")
    assert ax.get_title(loc="left")
    assert ax.get_legend() is not None
    assert ax.lines or ax.patches or ax.collections


@pytest.mark.parametrize("plot", PLOTS)
def test_each_plot_makes_its_own_figure_without_an_ax(plot, result):
    """Without an ax, a plot function returns an ax on a new matplotlib Figure."""
    ax = plot(result, PATHWAY)
    assert isinstance(ax.figure, Figure)


def test_time_axes_say_months(result):
    """The time axes are labelled in months."""
    assert "Months" in plot_time_on_line(result, PATHWAY).get_xlabel()
    assert "Months" in plot_occupancy(result, PATHWAY).get_xlabel()


def test_time_on_line_legend_gives_patients_and_median(result):
    """The survival curves' legend names each line with its patients and median months."""
    labels = [t.get_text() for t in plot_time_on_line(result, PATHWAY).get_legend().get_texts()]
    assert labels == ["Line 1 (druga): 2 patients, median 11.0 months",
                      "Line 2 (drugb): 2 patients, median 4.6 months"]


def test_sequences_legend_lists_regimens_in_pathway_order(result):
    """The sequences legend lists the regimens started and the end states, in pathway order."""
    labels = [t.get_text() for t in plot_sequences(result, PATHWAY).get_legend().get_texts()]
    assert labels == ["Drug A 100 mg daily", "Drug B", "No targeted option", "Best supportive care"]


def test_ordered_states_put_end_states_last():
    """Pathway order: initial state first, end states last, the rest in file order."""
    assert ordered_states(PATHWAY) == ["workup", "drug_a", "surgery", "drug_a_high", "drug_b", "no_option", "care"]


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_subtype_gets_distinct_colours_by_line(subtype):
    """Every state of every shipped pathway has its own colour; a line's states share a colour family."""
    pathway = load_subtype(subtype)
    colours = {s: to_hex(c) for s, c in state_colours(pathway).items()}
    assert set(colours) == set(pathway.states)
    assert len(set(colours.values())) == len(colours)


def test_gist_line_one_states_are_blues():
    """GIST's first-line states are blue and its end state grey: the palette follows the pathway."""
    from matplotlib.colors import to_rgb
    gist = load_subtype("gist")
    colours = state_colours(gist)
    for state in ("imatinib_400", "imatinib_800_escalated", "avapritinib"):
        r, g, b = to_rgb(colours[state])
        assert b > r and b > g
    r, g, b = to_rgb(colours["trial_or_supportive_care"])
    assert r == g == b


@pytest.mark.slow  # the default run has the command's same-seed check of the plot files (test_cmd_cohort)
def test_save_plots_writes_pngs_with_the_notice_and_same_bytes_each_time(tmp_path, result):
    """save_plots writes the three PNGs; the same cohort gives byte-identical files; the footer has the notice."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    paths = save_plots(result, first, PATHWAY)
    save_plots(result, second, PATHWAY)
    assert [p.name for p in paths] == list(PLOT_FILES)
    for name in PLOT_FILES:
        data = (first / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert data == (second / name).read_bytes()
    assert NOT_FOR_CLINICAL_USE in footer_text(result)
    assert "test-params.yaml" in footer_text(result)
    assert "declares no competing exits" in footer_text(result)


def test_importing_plots_does_not_import_matplotlib():
    """sarcoma_sim.reports.plots imports matplotlib only inside its functions, so importing it stays cheap."""
    code = ("import sys, sarcoma_sim.reports.plots, sarcoma_sim.reports.summary, sarcoma_sim.cohort.eventlog; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_footer_says_when_plots_show_the_first_patients_only():
    """A figure drawn from the first patients of a bigger cohort says so; one of the whole cohort gives n."""
    from sarcoma_sim.cohort.engines import simulate
    from sarcoma_sim.cohort.params import load_params
    from sarcoma_sim.pathways.load import load_subtype
    result = simulate(load_subtype("gist"), load_params("gist"), 300, 2)
    assert "drawn from the first 300 of 5,000,000 patients" in footer_text(result, of_total=5_000_000)
    assert "n = 300." in footer_text(result) and "competing exits" in footer_text(result)


def test_gist_adjuvant_imatinib_takes_the_diagrams_adjuvant_colour():
    """Cohort plots colour adjuvant imatinib as the diagrams do (blue-grey), not in the first line's blues."""
    from matplotlib.colors import to_hex

    from sarcoma_sim.pathways.colours import ADJUVANT_COLOURS

    colours = state_colours(load_subtype("gist"))
    assert to_hex(colours["adjuvant_imatinib"]) == ADJUVANT_COLOURS[0].lower()
    assert to_hex(colours["imatinib_400"]) != to_hex(colours["adjuvant_imatinib"])
