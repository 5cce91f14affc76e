"""Shared test set-up: headless matplotlib, hypothesis profiles, and a small valid pathway text that
tests mutate to provoke each problem."""

from __future__ import annotations

import os
import sys

import pytest

# Headless: figures made through pyplot never open a window, whatever the developer's desktop.
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_configure(config):
    """One set of hypothesis profiles, chosen with HYPOTHESIS_PROFILE, in every process that runs tests.

    "default" keeps `python -m pytest` fast; "ci" (.ci/run) tries more examples. A test with a large
    budget of its own writes @settings(max_examples=helpers.budget.examples(FULL)): FULL under "ci",
    a share of it by default. The pytest-xdist controller runs no test, so it skips importing
    hypothesis (a second), which would delay starting the workers.
    """
    is_xdist_controller = bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")
    if is_xdist_controller:
        return
    from hypothesis import HealthCheck, settings

    settings.register_profile("default", max_examples=50, deadline=None)
    settings.register_profile("ci", max_examples=500, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _close_pyplot_figures():
    """Figures a test made through pyplot are closed after it, so they never pile up."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")

SMALL_PATHWAY = """\
id: demo
name: Demo sarcoma
initial: workup
monitoring:
  imaging_interval_months: {min: 2, max: 3}
  sources: [source-guideline]
sources:
  - id: source-guideline
    citation: Source guideline
  - id: trial-x
    citation: Trial X, J Demo 2020;1:1
    beyond_source: true
attributes:
  marker:
    of: patient
    values: [positive, negative]
  extent:
    of: event
    values: [limited, widespread]
states:
  workup:
    kind: workup
    label: Workup
  drug_a:
    kind: therapy
    label: Drug A
    regimen: {drugs: [druga], dose: 100 mg daily, line: 1}
    sources: [source-guideline]
  drug_b:
    kind: therapy
    label: Drug B
    regimen: {drugs: [drugb], dose: 50 mg daily, line: 2}
    sources: [trial-x]
    beyond_source: true
  end:
    kind: terminal
    label: End
transitions:
  - {event: start, from: workup, to: drug_a, when: {marker: positive}, sources: [source-guideline]}
  - {event: start, from: workup, to: end}
  - {event: progression, from: drug_a, to: drug_b, when: {extent: widespread}, sources: [trial-x], beyond_source: true}
  - {event: progression, from: drug_a, to: end}
  - {event: progression, from: drug_b, to: end}
"""


@pytest.fixture
def small_pathway_text() -> str:
    """A valid five-transition pathway as YAML text."""
    return SMALL_PATHWAY
