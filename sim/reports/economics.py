"""The results of an economic evaluation as data, CSV and JSON tables, and a CHEERS 2022 report.

``evaluation_summary`` gathers the base case (means with Monte Carlo standard errors, differences
on common random numbers), the incremental table, NMB, EVPI and EVPPI from the PSA, and the
provenance of every input; ``write_tables`` writes it as ``summary.json`` and CSV files;
``cheers_report`` fills the CHEERS 2022 items this model can answer and says which it cannot.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from sarcoma_sim.economics.decision import ceac, ceaf, evpi, evppi, incremental_table, net_benefit
from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE

TABLE_FILES = ("summary.json", "base_case.csv", "incremental.csv", "psa_samples.csv", "ceac.csv", "evppi.csv",
               "oneway.csv", "report.md")


def _r(x: float | None, digits: int = 6) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def evaluation_summary(analysis, inputs, model, base, entries, paths, draws, results, oneway, seed: int,
                       samples: int, evppi_groups: bool = True) -> dict:
    """Everything the tables, plots and report show, as plain data (deterministic)."""
    names = model.names
    ref = names.index(analysis.reference)
    costs, qalys = results[:, :, 0], results[:, :, 1]
    base_means = np.array([t.means for t in base])
    summary: dict = {
        "notice": NOT_FOR_CLINICAL_USE, "title": analysis.title, "subtype": analysis.subtype,
        "currency": inputs.currency, "price_year": inputs.price_year, "perspective": inputs.perspective,
        "discount_per_year": analysis.discount, "patients_per_strategy": model.n, "psa_samples": samples,
        "seed": seed, "population_groups": list(analysis.population), "reference": analysis.reference,
        "strategies": [{"id": s.id, "label": s.label,
                        "redirect": [asdict(r) for r in s.redirects],
                        "set": [{"key": k, "value": v, "provenance": p.provenance if p else None}
                                for k, v, p in s.settings]} for s in analysis.strategies],
    }
    summary["base_case"] = [
        {"strategy": name, **{f"{o}": _r(t.means[j]) for j, o in enumerate(("costs", "qalys", "life_years"))},
         **{f"{o}_se": _r(t.standard_errors[j]) for j, o in enumerate(("costs", "qalys", "life_years"))}}
        for name, t in zip(names, base)]
    differences = []
    for i, t in enumerate(base):
        if i == ref:
            continue
        diff = t.per_patient - base[ref].per_patient
        se = diff.std(axis=0, ddof=1) / np.sqrt(len(diff))
        differences.append({"strategy": names[i], "versus": names[ref],
                            **{o: _r(diff[:, j].mean()) for j, o in enumerate(("costs", "qalys", "life_years"))},
                            **{f"{o}_se": _r(se[j]) for j, o in enumerate(("costs", "qalys", "life_years"))}})
    summary["base_case_differences"] = differences
    summary["incremental_base_case"] = [asdict(r) for r in incremental_table(names, base_means[:, 0],
                                                                            base_means[:, 1])]
    summary["psa_means"] = [{"strategy": name, "costs": _r(costs[:, i].mean()), "qalys": _r(qalys[:, i].mean()),
                             "life_years": _r(results[:, i, 2].mean())} for i, name in enumerate(names)]
    summary["incremental_psa"] = [asdict(r) for r in incremental_table(names, costs.mean(axis=0), qalys.mean(axis=0))]
    summary["net_monetary_benefit"] = [
        {"wtp": w, **{name: _r(net_benefit(costs[:, i], qalys[:, i], w).mean()) for i, name in enumerate(names)},
         "probability_most_cost_effective": {name: _r(p) for name, p in
                                             zip(names, ceac(costs, qalys, np.array([w]))[0])}}
        for w in analysis.wtp]
    summary["evpi_per_patient"] = [{"wtp": w, "evpi": _r(evpi(costs, qalys, w))} for w in analysis.wtp]
    groups: dict[str, list[int]] = {}
    for e in entries:
        groups.setdefault(e.group, []).extend(paths.index(p) for p in e.paths)
    rows = []
    if evppi_groups and samples >= 10:
        try:
            import sklearn  # noqa: F401
            available = True
        except ImportError:
            available = False
        for group, columns in groups.items():
            values = evppi(costs, qalys, analysis.wtp, draws[:, columns]) if available else [None] * len(analysis.wtp)
            for w, value in zip(analysis.wtp, values):
                rows.append({"group": group, "paths": [paths[c] for c in columns], "wtp": w, "evppi": _r(value)})
        summary["evppi_method"] = ("GAM regression (additive cubic splines, penalty by cross-validation) of "
                                   "incremental costs and QALYs on each group's draws (Strong, Oakley and "
                                   "Brennan, Med Decis Making 2014;34:311)" if available else
                                   "not computed: install scikit-learn (pip install 'sarcoma-sim[evppi]')")
    summary["evppi_per_patient"] = rows
    summary["oneway"] = [asdict(r) for r in oneway]
    summary["inputs"] = [{"path": p, "value": v.value, "provenance": v.provenance, "origin": v.origin,
                          **({"note": v.note} if v.note else {})} for p, v in sorted(inputs.values.items())]
    summary["uncertainty"] = [{"name": e.name, "group": e.group, "paths": list(e.paths),
                               "distribution": e.distribution,
                               "parameters": {k: list(v) for k, v in e.parameters.items()},
                               "provenance": e.provenance} for e in entries]
    return summary


def _csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else (f"{row[c]:.10g}" if isinstance(row[c], float) else row[c])
                         for c in columns])
    return out.getvalue()


def write_tables(folder: Path, summary: dict, names: list[str], paths: list[str], draws: np.ndarray,
                 results: np.ndarray, wtps: np.ndarray) -> None:
    """Write ``TABLE_FILES`` into ``folder`` (same inputs, same bytes)."""
    folder = Path(folder)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    base = ["strategy", "costs", "costs_se", "qalys", "qalys_se", "life_years", "life_years_se"]
    (folder / "base_case.csv").write_text(_csv(summary["base_case"], base), encoding="utf-8")
    inc = ["strategy", "cost", "effect", "status", "incremental_cost", "incremental_effect", "icer"]
    (folder / "incremental.csv").write_text(_csv(summary["incremental_base_case"], inc), encoding="utf-8")
    rows = []
    for k in range(len(results)):
        for s, name in enumerate(names):
            rows.append({"sample": k, "strategy": name, "costs": float(results[k, s, 0]),
                         "qalys": float(results[k, s, 1]), "life_years": float(results[k, s, 2]),
                         **{p: float(draws[k, j]) for j, p in enumerate(paths)}})
    (folder / "psa_samples.csv").write_text(_csv(rows, ["sample", "strategy", "costs", "qalys", "life_years",
                                                        *paths]), encoding="utf-8")
    curve = ceac(results[:, :, 0], results[:, :, 1], wtps)
    best, prob = ceaf(results[:, :, 0], results[:, :, 1], wtps)
    ceac_rows = [{"wtp": float(w), **{n: float(curve[i, s]) for s, n in enumerate(names)},
                  "frontier": names[best[i]], "frontier_probability": float(prob[i])} for i, w in enumerate(wtps)]
    (folder / "ceac.csv").write_text(_csv(ceac_rows, ["wtp", *names, "frontier", "frontier_probability"]),
                                     encoding="utf-8")
    evppi_rows = [{**r, "paths": " ".join(r["paths"])} for r in summary["evppi_per_patient"]]
    (folder / "evppi.csv").write_text(_csv(evppi_rows, ["group", "wtp", "evppi", "paths"]), encoding="utf-8")
    one = []
    for r in summary["oneway"]:
        for name in r["inmb_low"]:
            one.append({"parameter": r["name"], "path": r["path"], "low": r["low"], "high": r["high"],
                        "basis": r["basis"], "strategy": name, "inmb_low": r["inmb_low"][name],
                        "inmb_high": r["inmb_high"][name], "icer_low": r["icer_low"][name],
                        "icer_high": r["icer_high"][name], "quadrant_low": r["quadrant_low"][name],
                        "quadrant_high": r["quadrant_high"][name]})
    (folder / "oneway.csv").write_text(_csv(one, ["parameter", "path", "low", "high", "basis", "strategy", "inmb_low",
                                                  "inmb_high", "icer_low", "icer_high", "quadrant_low",
                                                  "quadrant_high"]), encoding="utf-8")
    (folder / "report.md").write_text(cheers_report(summary), encoding="utf-8")


def _icer_text(icer, quadrant: str) -> str:
    if icer is None:
        return quadrant
    return f"{_money(icer)}" + (" (fewer QALYs at less cost)" if icer > 0 and quadrant.startswith("fewer") else "")


def _money(x) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def cheers_report(summary: dict) -> str:
    """A Markdown report ordered by the CHEERS 2022 items this model can answer."""
    cur = summary["currency"]
    d = summary["discount_per_year"]
    lines = [f"# {summary['title']}", "", f"> {summary['notice']}", "",
             "Reported against the CHEERS 2022 checklist (Husereau et al., BMJ 2022;376:e067975); items this "
             "teaching model cannot answer are marked *not applicable here*.", "",
             "| CHEERS 2022 item | This analysis |", "| --- | --- |",
             "| 5 Health economic analysis plan | the strategies file: comparators, population, discounting, WTP |",
             f"| 6 Study population | hypothetical {summary['subtype']} cohort, groups "
             f"{', '.join(summary['population_groups'])}, {summary['patients_per_strategy']:,} patients per strategy |",
             "| 7 Setting and location | *not applicable here*: a teaching pathway, not a health system |",
             "| 8 Comparators | " + "; ".join(f"{s['id']}: {s['label']}" for s in summary["strategies"]) + " |",
             f"| 9 Perspective | {summary['perspective']} |",
             "| 10 Time horizon | lifetime: every simulated patient is followed to death (or leaves the pathway) |",
             f"| 11 Discount rate | continuous, per year: costs {d['costs']:.1%}, QALYs {d['qalys']:.1%}, "
             f"life-years {d['life_years']:.1%} |",
             "| 12 Selection of outcomes | QALYs (utility per state per year, disutilities per event) and life-years |",
             "| 13 Measurement of outcomes | time in each state, from every transition the cohort engine simulates |",
             "| 14 Valuation of outcomes | utilities listed below, each cited or illustrative |",
             "| 15 Measurement and valuation of resources and costs | per state per month, one-off per event or "
             "entry, drug acquisition from dose and schedule; listed below |",
             f"| 16 Currency, price date, conversion | {cur}, price year {summary['price_year']}, no conversion |",
             "| 17 Rationale and description of model | continuous-time state-transition microsimulation "
             "(sarcoma-sim cohort engine), no cycles and so no half-cycle correction |",
             "| 18 Analytics and assumptions | common random numbers across strategies; Monte Carlo standard errors |",
             "| 19 Characterising heterogeneity | population groups of the parameter file |",
             "| 20 Characterising distributional effects | *not applicable here* |",
             f"| 21 Characterising uncertainty | PSA ({summary['psa_samples']} samples), one-way (tornado), "
             "EVPI and EVPPI |",
             "| 22-24 Engagement of patients and others | *not applicable here* |",
             "", "## Base case (deterministic inputs)", "",
             f"| strategy | costs ({cur}) | QALYs | life-years |", "| --- | ---: | ---: | ---: |"]
    for r in summary["base_case"]:
        lines.append(f"| {r['strategy']} | {_money(r['costs'])} ± {_money(r['costs_se'])} | {r['qalys']:.4f} ± "
                     f"{r['qalys_se']:.4f} | {r['life_years']:.4f} ± {r['life_years_se']:.4f} |")
    lines += ["", "(± one Monte Carlo standard error.) Differences on common random numbers:", ""]
    for r in summary["base_case_differences"]:
        lines.append(f"- {r['strategy']} v {r['versus']}: costs {_money(r['costs'])} ± {_money(r['costs_se'])}, "
                     f"QALYs {r['qalys']:+.4f} ± {r['qalys_se']:.4f}")
    lines += ["", "## Incremental analysis (base case)", "",
              f"| strategy | costs | QALYs | status | ICER ({cur}/QALY) |", "| --- | ---: | ---: | --- | ---: |"]
    for r in summary["incremental_base_case"]:
        lines.append(f"| {r['strategy']} | {_money(r['cost'])} | {r['effect']:.4f} | {r['status']} | "
                     f"{_money(r['icer'])} |")
    lines += ["", "## Probabilistic sensitivity analysis", ""]
    for r in summary["net_monetary_benefit"]:
        probs = ", ".join(f"{k} {v:.2f}" for k, v in r["probability_most_cost_effective"].items())
        lines.append(f"- WTP {_money(r['wtp'])}: probability most cost-effective: {probs}")
    for r in summary["evpi_per_patient"]:
        lines.append(f"- EVPI per patient at WTP {_money(r['wtp'])}: {_money(r['evpi'])} {cur}")
    if summary["evppi_per_patient"]:
        lines += ["", f"EVPPI per patient ({summary.get('evppi_method', '')}):", ""]
        for r in summary["evppi_per_patient"]:
            lines.append(f"- {r['group']} at WTP {_money(r['wtp'])}: {_money(r['evppi'])} {cur}")
    if summary["oneway"]:
        wtp = summary["net_monetary_benefit"][0]["wtp"] if summary["net_monetary_benefit"] else None
        lines += ["", f"## One-way sensitivity (incremental NMB at WTP {_money(wtp)}; ICER in {cur}/QALY)", "",
                  "| parameter | low | high | range | strategy | INMB at low | INMB at high | ICER at low | "
                  "ICER at high |", "| --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |"]
        for r in summary["oneway"]:
            for name in r["inmb_low"]:
                lines.append(f"| {r['name']} | {r['low']:.4g} | {r['high']:.4g} | {r['basis']} | {name} | "
                             f"{_money(r['inmb_low'][name])} | {_money(r['inmb_high'][name])} | "
                             f"{_icer_text(r['icer_low'][name], r['quadrant_low'][name])} | "
                             f"{_icer_text(r['icer_high'][name], r['quadrant_high'][name])} |")
    lines += ["", "## Inputs and their provenance", "", "| input | value | provenance |", "| --- | ---: | --- |"]
    for r in summary["inputs"]:
        lines.append(f"| {r['path']} | {r['value']:g} | {r['provenance']} |")
    lines += ["", "| uncertain parameter | distribution | provenance |", "| --- | --- | --- |"]
    for r in summary["uncertainty"]:
        params = ", ".join(f"{k} {v}" for k, v in r["parameters"].items())
        lines.append(f"| {r['name']} | {r['distribution']} ({params}) | {r['provenance']} |")
    lines.append("")
    return "\n".join(lines)
