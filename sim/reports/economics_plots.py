"""Plots of an economic evaluation: cost-effectiveness plane, CEAC with its frontier, tornado.

Each function takes an optional ``ax`` and returns it; ``save_economic_plots`` writes the PNG files
(same input, same bytes). Only this module of the economic reports imports matplotlib.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE

PLOT_FILES = ("ce_plane.png", "ceac.png", "tornado.png")
DPI = 110


def _ax(ax=None):
    if ax is not None:
        return ax
    from matplotlib.figure import Figure
    return Figure(figsize=(7.5, 5.2), layout="constrained").add_subplot()


def plot_ce_plane(names, costs: np.ndarray, qalys: np.ndarray, reference: int, currency: str, ax=None):
    """Incremental costs v QALYs of each PSA sample against the reference strategy."""
    ax = _ax(ax)
    for s, name in enumerate(names):
        if s == reference:
            continue
        dq, dc = qalys[:, s] - qalys[:, reference], costs[:, s] - costs[:, reference]
        ax.scatter(dq, dc, s=6, alpha=0.4, label=f"{name} v {names[reference]}")
        ax.scatter([dq.mean()], [dc.mean()], marker="X", s=80, color="black")
    ax.axhline(0, color="#888888", lw=0.8)
    ax.axvline(0, color="#888888", lw=0.8)
    ax.set_xlabel("Incremental QALYs (discounted, per patient)")
    ax.set_ylabel(f"Incremental costs ({currency}, discounted, per patient)")
    ax.set_title("Cost-effectiveness plane (PSA samples; X: mean)")
    ax.legend(loc="best", fontsize=8)
    return ax


def plot_ceac(names, wtps: np.ndarray, curve: np.ndarray, frontier: np.ndarray, currency: str, ax=None):
    """Probability each strategy is the most cost-effective, by willingness to pay, with the CEAF."""
    ax = _ax(ax)
    for s, name in enumerate(names):
        ax.plot(wtps, curve[:, s], label=name)
    best = curve[np.arange(len(wtps)), frontier]
    ax.plot(wtps, best, color="black", lw=3, alpha=0.35, label="frontier (CEAF)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"Willingness to pay ({currency} per QALY)")
    ax.set_ylabel("Probability most cost-effective")
    ax.set_title("Cost-effectiveness acceptability curves and frontier")
    ax.legend(loc="best", fontsize=8)
    return ax


def plot_tornado(rows, strategy: str, base: float, currency: str, wtp: float, ax=None):
    """Incremental NMB of ``strategy`` with each parameter at its low and high end, widest bar on top."""
    ax = _ax(ax)
    rows = sorted(rows, key=lambda r: abs(r.inmb_high[strategy] - r.inmb_low[strategy]))
    for i, r in enumerate(rows):
        lo, hi = r.inmb_low[strategy], r.inmb_high[strategy]
        ax.barh(i, lo - base, left=base, color="#4477aa", label="low end" if i == 0 else None)
        ax.barh(i, hi - base, left=base, color="#ee6677", label="high end" if i == 0 else None)
    ax.set_yticks(range(len(rows)), [textwrap.fill(r.name, 38) for r in rows], fontsize=7)
    ax.axvline(base, color="black", lw=0.8)
    ax.set_xlabel(f"Incremental NMB of {strategy} ({currency}; WTP {wtp:,.0f} per QALY)")
    ax.set_title("One-way: the file's ranges, else 95% intervals", fontsize=10)
    if rows:
        ax.legend(loc="best", fontsize=8)
    return ax


def save_economic_plots(folder: Path, names, costs, qalys, reference: int, wtps, curve, frontier, oneway,
                        base_inmb: float, currency: str, wtp: float) -> list[Path]:
    """Write ``PLOT_FILES`` into ``folder``, each with the teaching notice in its footer."""
    axes = [plot_ce_plane(names, costs, qalys, reference, currency),
            plot_ceac(names, wtps, curve, frontier, currency)]
    others = [n for i, n in enumerate(names) if i != reference]
    axes.append(plot_tornado(oneway, others[0], base_inmb, currency, wtp))
    paths = []
    for name, ax in zip(PLOT_FILES, axes):
        ax.figure.get_layout_engine().set(rect=(0, 0.06, 1, 0.94))
        ax.figure.text(0.01, 0.01, NOT_FOR_CLINICAL_USE, fontsize=7, color="#444444")
        ax.figure.savefig(folder / name, format="png", dpi=DPI, metadata={"Software": None})
        paths.append(folder / name)
    return paths
