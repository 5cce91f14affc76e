"""Teaching patients drawn from a seed: their markers, their co-medication, which tests were not sent.

Values are drawn uniformly over the consistent combinations (``record.contradiction``), so the
rarer teaching cases come up often; this is not a prevalence. The shares below are ILLUSTRATIVE
teaching values, not evidence.
"""

from __future__ import annotations

import itertools
from typing import Iterable, Mapping

from sarcoma_sim.pathways.model import NOT_TESTED, Pathway
from sarcoma_sim.patient.record import (
    STRONG_CYP3A4_INDUCERS,
    STRONG_CYP3A4_INHIBITORS,
    Patient,
    contradiction,
    make_patient,
)

COMEDICATION_SHARE = 0.25         # share of sampled patients given a strong CYP3A4 inhibitor or inducer
UNTESTED_SHARE = 0.25             # ILLUSTRATIVE: chance that each molecular test of a case was not sent


def consistent(facts: Mapping[str, str]) -> bool:
    """Whether sampled markers go together (see ``sarcoma_sim.patient.record.contradiction``)."""
    return contradiction(facts) is None


def draw_facts(pathway: Pathway, rng, known: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """Values for the patient attributes ``names``, drawn uniformly over the consistent combinations.

    A marker is drawn as a test result (never ``not_tested``); ``known`` facts are kept and the
    drawn ones go with them (``consistent``).
    """
    names = set(names)
    declared = [a for a in pathway.attributes.values() if a.of == "patient"]
    choices = [[v for v in a.values if not (a.is_marker and v == NOT_TESTED)] if a.name in names
               else [known[a.name]] if a.name in known else [None] for a in declared]
    profiles = [{a.name: v for a, v in zip(declared, combo) if v is not None}
                for combo in itertools.product(*choices)]
    profiles = [p for p in profiles if consistent(p)] or profiles
    return profiles[int(rng.integers(len(profiles)))] if profiles else {}


def sample_patient(pathway: Pathway, rng, given: Mapping[str, str] | None = None,
                   comedications: Iterable[str] | None = None, label: str = "teaching case") -> Patient:
    """A patient of ``pathway``: ``given`` attributes kept, the others drawn uniformly with ``rng``.

    A drawn marker is the true test result, never ``not_tested`` (which tests were not sent is
    ``draw_untested``'s job; a teacher may still give ``not_tested``). Values are drawn uniformly
    over the consistent combinations, so that the rarer teaching cases (KIT exon 9, PDGFRA D842V,
    ALK-negative) come up often; this is not a prevalence. ``comedications=None`` draws one strong
    CYP3A4 modulator with an illustrative probability; an empty list means none.
    """
    given = dict(given or {})
    declared = [a for a in pathway.attributes.values() if a.of == "patient"]
    make_patient(pathway, given)  # unknown attributes or values are errors before anything is drawn
    facts = draw_facts(pathway, rng, given, [a.name for a in declared if a.name not in given])
    if comedications is None:
        modulators = STRONG_CYP3A4_INHIBITORS + STRONG_CYP3A4_INDUCERS
        drawn = rng.random() < COMEDICATION_SHARE
        pick = int(rng.integers(len(modulators)))
        comedications = [modulators[pick]] if drawn else []
    return make_patient(pathway, facts, list(comedications), label=label)



def marker_tests(pathway: Pathway) -> dict[str, tuple[str, ...]]:
    """Each test the work-up sends -> the patient markers it reports (KIT/PDGFRA analysis: both genes)."""
    tests: dict[str, tuple[str, ...]] = {}
    for attribute in pathway.attributes.values():
        if attribute.of == "patient" and attribute.test is not None and NOT_TESTED in attribute.values:
            tests[attribute.test] = tests.get(attribute.test, ()) + (attribute.name,)
    return tests


def draw_untested(pathway: Pathway, rng, given: Iterable[str] = ()) -> tuple[str, ...]:
    """The markers whose test was not sent in this case, in declared order.

    Each molecular test is left unsent with an illustrative probability, so that the resident has
    to order it when a decision depends on it. A test reporting a marker the teacher gave is always
    sent; non-marker attributes (GIST's ``setting``) are never untested. Draw it from a stream of
    its own so that the rest of a seeded case does not change.
    """
    given = set(given)
    hidden: set[str] = set()
    for markers in marker_tests(pathway).values():
        unsent = rng.random() < UNTESTED_SHARE
        if unsent and not given & set(markers):
            hidden |= set(markers)
    return tuple(a.name for a in pathway.attributes.values() if a.name in hidden)

