"""Leak measure of the teaching case (not a test): how often the option set alone predicts a hidden result.

    python benchmarks/case_leaks.py [--seeds 400] [--subtype gist ...]

Plays cases as the web app does (the patient drawn from the seed), with every molecular test left
unsent, and keeps every
decision whose guideline step depends on a marker that was not tested. For such a decision the
target is the step the patient's true (hidden) result calls for. Seeds are split in two: on the
even seeds a predictor learns, for every option label offered in a context (state, event, event
attributes, the markers not tested), which targets it was seen with; on the odd seeds it predicts
the target from the option labels alone: a label seen at least twice, always with the same target,
names that target; otherwise it falls back to the context's most common target. The base rate always predicts the
context's most common target. An option set that gives nothing away predicts no better than the
base rate. Prints, per subtype: decisions measured, predictor right, base rate right.

Answers: the first option that is not "order the test", so that a marker stays hidden for later
decisions too. Works with the engine before issue 17 (``sarcoma_sim.patient.teach``) and after it
(``sarcoma_sim.patient.case``).
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict

import numpy as np

from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype

try:
    from sarcoma_sim.patient import case as engine
except ImportError:  # the engine before issue 17
    from sarcoma_sim.patient import teach as engine  # type: ignore[no-redef]

MIN_SEEN = 2


def decisions(subtype: str, seed: int):
    """(context, option labels, target) of every decision of one case that depends on an untested marker."""
    pathway = load_subtype(subtype)
    rng = np.random.default_rng(seed)
    patient = engine.sample_patient(pathway, rng)
    # Every molecular test unsent (the case where the most decisions depend on a hidden result).
    untested = tuple(n for names in engine.marker_tests(pathway).values() for n in names)
    found = []
    with engine.TeachingCase(pathway, patient, rng, untested=untested) as case:
        while (decision := case.next_decision()) is not None:
            if case.untested_needed(decision.event, decision.attributes):
                target = case._after_tests(decision.event, decision.attributes)
                context = (case.timeline.state.id, decision.event, tuple(sorted(decision.attributes.items())),
                           tuple(name for name, value in case.card() if value == "not_tested"))
                found.append((context, frozenset(o.text for o in decision.options),
                              target.id if target is not None else None))
            index = next((i for i, o in enumerate(decision.options) if o.action != "order_test"), 0)
            case.answer(decision, index)
    return found


def measure(subtype: str, seeds: int) -> tuple[int, int, int]:
    """(decisions measured, predictor right, base rate right) on the odd seeds."""
    seen: dict = defaultdict(lambda: defaultdict(Counter))   # context -> label -> target counts
    totals: dict = defaultdict(Counter)                      # context -> target counts
    tests = []
    for seed in range(seeds):
        for context, labels, target in decisions(subtype, seed):
            if seed % 2 == 0:
                totals[context][target] += 1
                for label in labels:
                    seen[context][label][target] += 1
            else:
                tests.append((context, labels, target))
    right = base = 0
    for context, labels, target in tests:
        majority = totals[context].most_common(1)[0][0] if totals[context] else None
        telling = [next(iter(seen[context][label])) for label in sorted(labels)
                   if len(seen[context][label]) == 1 and sum(seen[context][label].values()) >= MIN_SEEN]
        guess = max(telling, key=lambda t: totals[context][t]) if telling else majority
        right += guess == target
        base += majority == target
    return len(tests), right, base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=400)
    parser.add_argument("--subtype", action="append", choices=SUBTYPE_IDS)
    args = parser.parse_args()
    print(f"engine: {engine.__name__}; seeds 0..{args.seeds - 1} (learn on even, predict on odd)")
    print(f"{'subtype':<16} {'decisions':>9} {'options predict':>16} {'base rate':>10}")
    all_n = all_right = all_base = 0
    for subtype in args.subtype or SUBTYPE_IDS:
        n, right, base = measure(subtype, args.seeds)
        all_n, all_right, all_base = all_n + n, all_right + right, all_base + base
        if n:
            print(f"{subtype:<16} {n:>9} {right:>9} ({right / n:4.0%}) {base:>4} ({base / n:4.0%})")
        else:
            print(f"{subtype:<16} {n:>9} {'-':>16} {'-':>10}")
    if all_n:
        print(f"{'all':<16} {all_n:>9} {all_right:>9} ({all_right / all_n:4.0%}) {all_base:>4} "
              f"({all_base / all_n:4.0%})")


if __name__ == "__main__":
    main()
