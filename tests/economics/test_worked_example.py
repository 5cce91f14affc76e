"""docs/economics.md's worked example: its base-case table is what the model gives today."""

from __future__ import annotations

import numpy as np

from sarcoma_sim.economics.inputs import load_inputs
from sarcoma_sim.economics.psa import base_case, build_model
from sarcoma_sim.economics.strategies import load_analysis

from helpers.economics import COSTS, STRATEGIES, load_gist
from helpers.paths import REPO


def test_the_documented_base_case_is_reproduced():
    """20,000 patients per strategy, seed 1: the costs, QALYs and life-years (± SE) printed in
    docs/economics.md, and the difference on common random numbers."""
    pathway, params = load_gist()
    analysis = load_analysis(STRATEGIES, pathway, params)
    model = build_model(pathway, params, analysis, load_inputs(COSTS, pathway), 20_000)
    base = base_case(model, 1)
    doc = (REPO / "docs" / "economics.md").read_text(encoding="utf-8")
    for totals in base:
        (c, q, ly), (cs, qs, lys) = totals.means, totals.standard_errors
        row = f"| {c:,.0f} ± {cs:,.0f} | {q:.4f} ± {qs:.4f} | {ly:.4f} ± {lys:.4f} |"
        assert row in doc, row
    diff = base[1].per_patient - base[0].per_patient
    se = diff.std(axis=0, ddof=1) / np.sqrt(len(diff))
    assert f"costs {diff[:, 0].mean():,.0f} ± {se[0]:,.0f} more" in doc
    assert f"gives {diff[:, 1].mean():.3f} ± {se[1]:.3f} more QALYs" in doc
