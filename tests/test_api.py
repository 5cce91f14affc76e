"""The public API as a notebook uses it: docs/api.md runs as written, and figures made without ``ax=`` show."""

from __future__ import annotations

import re

import matplotlib
import pytest

import sarcoma_sim as ss

from helpers.paths import REPO

API_DOC = REPO / "docs" / "api.md"


def python_blocks(markdown: str) -> list[str]:
    """The ```python fenced blocks of a Markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL)


@pytest.fixture
def pyplot():
    """pyplot on the Agg backend with no figure open before or after the test."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    yield plt
    plt.close("all")


def test_api_doc_runs_as_written(tmp_path, monkeypatch, pyplot, capsys):
    """Every Python block of docs/api.md runs in order in one namespace, as notebook cells do."""
    blocks = python_blocks(API_DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 8
    (tmp_path / "examples").symlink_to(REPO / "examples")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"{API_DOC.name} block {number}", "exec"), namespace)  # noqa: S102 (our own docs)
    printed = capsys.readouterr().out
    assert ss.NOT_FOR_CLINICAL_USE in printed
    assert "unknown subtype 'gistt'" in printed
    assert "KIT_EXON9_DOSE" in printed
    assert len(pyplot.get_fignums()) == 6  # each cell that draws or plots leaves its figure for the notebook


def test_the_doc_shows_every_public_name():
    """docs/api.md uses every name of ``sarcoma_sim.__all__`` except the error subclasses it need not."""
    text = API_DOC.read_text(encoding="utf-8")
    unused = {"load_any", "parse_scenario", "make_patient", "Timeline", "CohortResult", "ScenarioError",
              "ParameterError"}
    assert [name for name in ss.__all__ if name not in unused and f"ss.{name}" not in text] == []


def _plot_calls():
    gist = ss.load_subtype("gist")
    cohort = ss.simulate(gist, ss.load_params(gist), n=200, seed=3)
    return [lambda ax=None: ss.draw_pathway(gist, ax=ax),
            lambda ax=None: ss.plot_time_on_line(cohort, ax=ax),
            lambda ax=None: ss.plot_sequences(cohort, ax=ax),
            lambda ax=None: ss.plot_occupancy(cohort, ax=ax)]


def test_without_ax_each_figure_is_one_a_notebook_shows(pyplot):
    """Drawn without ``ax=``, each figure is registered with pyplot, which is what a notebook displays."""
    for call in _plot_calls():
        ax = call()
        assert ax.figure.number in pyplot.get_fignums()
        assert pyplot.gcf() is ax.figure
    assert len(pyplot.get_fignums()) == 4


def test_with_ax_no_new_figure_is_made(pyplot):
    """Given ``ax=``, the functions draw there and open no figure of their own."""
    fig, ax = pyplot.subplots()
    for call in _plot_calls():
        assert call(ax) is ax
    assert pyplot.get_fignums() == [fig.number]


def test_saving_leaves_no_figure_open(tmp_path, pyplot, monkeypatch):
    """The command line's save paths (drawings, cohort plots) leave no figure open in pyplot."""
    from sarcoma_sim.reports.plots import PLOT_FILES, save_plots

    small = ss.load_subtype("dfsp")   # the smallest pathway: real files, quickly
    ss.save_pathway_drawing(small, tmp_path / "dfsp.svg")
    save_plots(ss.simulate(small, ss.load_params(small), n=200, seed=3), tmp_path, small)
    assert pyplot.get_fignums() == []
    assert len(list(tmp_path.iterdir())) == 1 + len(PLOT_FILES)
