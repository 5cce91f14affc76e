"""The case engine never gives a hidden result away, offers actions that can be wrong, and judges the true patient."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.pathways.model import NOT_TESTED
from sarcoma_sim.patient.case import ORDER_TEST, REPLACE_COMEDICATION, TeachingCase, interaction_unaddressed
from sarcoma_sim.patient.record import make_patient
from sarcoma_sim.patient.sampling import consistent, marker_tests, sample_patient
from sarcoma_sim.patient.wording import debrief_lines


def hidden_variants(pathway, patient):
    """Every consistent set of true results for the markers the pathway's tests report, the rest kept."""
    hideable = [n for names in marker_tests(pathway).values() for n in names]
    values = [[v for v in pathway.attributes[n].values if v != NOT_TESTED] for n in hideable]
    variants = []
    for combo in itertools.product(*values):
        facts = {**patient.facts, **dict(zip(hideable, combo))}
        if consistent(facts):
            variants.append(facts)
    return hideable, variants


def visible_run(pathway, facts, hideable, seed, meds):
    """The options (texts, in order) at each decision while the card stays the same, and the true-step targets.

    The answer is always the first plain option in alphabetical order, read from the labels only.
    """
    patient = make_patient(pathway, facts, list(meds))
    seen = []
    with TeachingCase(pathway, patient, np.random.default_rng(seed), untested=hideable) as case:
        while (decision := case.next_decision()) is not None:
            card = tuple(case.card())
            texts = tuple(o.text for o in decision.options)
            needed = case.untested_needed(decision.event, decision.attributes)
            truth = case._after_tests(decision.event, decision.attributes)
            seen.append((card, decision.situation, texts, truth.id if truth else None,
                         (case.timeline.state.id, decision.event, card)))
            plain = sorted((o.text, i) for i, o in enumerate(decision.options) if o.action is None)
            case.answer(decision, plain[0][1])
            if needed:  # the answer revealed a result: from here on the card differs
                break
    return seen


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_options_never_depend_on_a_hidden_result(subtype):
    """For a fixed card and seed the options are the same whatever the hidden results; no label goes with one."""
    pathway = load_subtype(subtype)
    labels_with: dict = {}
    targets_at: dict = {}
    for seed in range(6):
        base = sample_patient(pathway, np.random.default_rng(seed))
        hideable, variants = hidden_variants(pathway, base)
        if not hideable:
            pytest.skip(f"{subtype} sends no molecular test that can be left unsent")
        runs = [visible_run(pathway, facts, hideable, seed, base.comedications) for facts in variants]
        shortest = min(len(r) for r in runs)
        for step in range(shortest):
            assert len({(r[step][0], r[step][1], r[step][2]) for r in runs}) == 1, (subtype, seed, step)
            for run in runs:
                card, _, texts, truth, context = run[step]
                targets_at.setdefault(context, set()).add(truth)
                for text in texts:
                    labels_with.setdefault((context, text), set()).add(truth)
    for (context, text), truths in labels_with.items():
        assert truths == targets_at[context], f"{text!r} is offered only when the true step is one of {truths}"


def gist_case(facts, meds=(), untested=(), seed=0):
    """A GIST case for a patient with ``facts`` (advanced, NTRK negative, SDH retained unless given)."""
    gist = load_subtype("gist")
    full = {"kit_exon": "exon11", "pdgfra": "none", "sdh": "retained", "ntrk_fusion": "negative",
            "setting": "advanced", **facts}
    return TeachingCase(gist, make_patient(gist, full, list(meds)), np.random.default_rng(seed), untested=untested)


def test_ordering_a_test_whose_result_is_on_the_card_is_wrong_with_a_reason():
    """Every test is on the card: "Order ... first" is still offered and is a wrong answer saying why."""
    with gist_case({}) as case:
        decision = case.next_decision()
        orders = [i for i, o in enumerate(decision.options) if o.action == ORDER_TEST]
        assert len(orders) == 1 and not decision.options[orders[0]].right
        feedback = case.answer(decision, orders[0])
    assert not feedback.right and "already on the card" in feedback.reason
    assert feedback.step.target.id == "imatinib_400"


def test_ordering_a_test_the_decision_does_not_depend_on_is_wrong():
    """KIT exon 11 known, NTRK not tested: ordering the NTRK test is wrong, the step does not depend on it."""
    for seed in range(40):
        with gist_case({}, untested=("ntrk_fusion",), seed=seed) as case:
            decision = case.next_decision()
            order = next(i for i, o in enumerate(decision.options) if o.action == ORDER_TEST)
            if "NTRK" not in decision.options[order].text:
                continue
            feedback = case.answer(decision, order)
            assert not feedback.right and "does not depend on" in feedback.reason
            assert feedback.revealed == ("ntrk_fusion",)
            return
    pytest.fail("no NTRK order option in 40 seeds")


def test_replacing_a_comedication_that_does_not_interact_is_wrong():
    """Beside a regimen without CYP3A4 guidance, replacing ketoconazole is offered and judged wrong with a reason."""
    liposarcoma = load_subtype("liposarcoma")
    for seed in range(40):
        patient = sample_patient(liposarcoma, np.random.default_rng(seed), comedications=["ketoconazole"])
        with TeachingCase(liposarcoma, patient, np.random.default_rng(seed)) as case:
            decision = case.next_decision()
            needless = [i for i, o in enumerate(decision.options) if o.action == REPLACE_COMEDICATION
                        and not interaction_unaddressed(o.target.state, case.patient)]
            if not needless:
                continue
            feedback = case.answer(decision, needless[0])
            assert not feedback.right and "needed no change" in feedback.reason
            assert "no CYP3A4 interaction guidance beside ketoconazole" in feedback.reason
            return
    pytest.fail("no needless replacement offered in 40 seeds")


def test_replace_wording_is_offered_for_wrong_steps_too():
    """The replace-the-co-medication wording is not offered only beside the right step."""
    wrong_replacements = 0
    for seed in range(20):
        with gist_case({}, meds=["ketoconazole"], seed=seed) as case:
            decision = case.next_decision()
            wrong_replacements += sum(o.action == REPLACE_COMEDICATION and not o.right for o in decision.options)
    assert wrong_replacements > 0


def test_dose_reductions_are_no_first_treatment():
    """No reduced-dose regimen is offered at a start or after progression (a resident would rule it out on sight)."""
    for subtype in SUBTYPE_IDS:
        pathway = load_subtype(subtype)
        for seed in range(6):
            with TeachingCase(pathway, sample_patient(pathway, np.random.default_rng(seed)),
                              np.random.default_rng(seed)) as case:
                while (decision := case.next_decision()) is not None:
                    if decision.event in ("start", "progression"):
                        reduced = [o.text for o in decision.options if o.action is None
                                   and o.target.state.regimen is not None and o.target.state.regimen.reduced_dose
                                   and o.target.state.id != case.timeline.state.id  # staying on it
                                   and o.target.state.id not in {t.target for t in pathway.outgoing(
                                       case.timeline.state.id, decision.event)}]
                        assert not reduced, (subtype, seed, decision.event, reduced)
                    case.answer(decision, 0)


def test_every_guideline_option_is_judged_right_with_its_reason():
    """Where the pathway names several right options (the ``option`` attribute), each one is right, with a reason."""
    pathway = load_subtype("angiosarcoma")
    patient = sample_patient(pathway, np.random.default_rng(0), comedications=[])
    with TeachingCase(pathway, patient, np.random.default_rng(0)) as peek:
        decision = peek.next_decision()
        rights = [i for i, o in enumerate(decision.options) if o.right]
    assert len(rights) >= 2
    for index in rights:
        with TeachingCase(pathway, patient, np.random.default_rng(0)) as case:
            feedback = case.answer(case.next_decision(), index)
            assert feedback.right and len(feedback.reason) > 20 and feedback.reason in feedback.lines[0]


def test_untested_marker_is_judged_against_the_true_patient_and_revealed():
    """KIT untested (truly exon 9), imatinib 400 given: the guideline gives 800 mg; the test and result are named."""
    with gist_case({"kit_exon": "exon9"}, untested=("kit_exon", "pdgfra")) as case:
        decision = case.next_decision()
        assert "800" not in decision.situation and "exon 9" not in decision.situation
        index = [o.text for o in decision.options].index("Imatinib 400 mg daily")
        feedback = case.answer(decision, index)
        assert not feedback.right and feedback.step.target.id == "imatinib_800_exon9"
        assert "KIT/PDGFRA mutation analysis" in feedback.reason and "KIT exon exon 9" in feedback.reason
        assert feedback.depended_on == ("kit_exon", "pdgfra") and set(feedback.revealed) == {"kit_exon", "pdgfra"}
        assert "default" not in " ".join(feedback.lines)
        debrief = case.debrief()
        assert debrief.hidden == (("kit_exon", "exon9"), ("pdgfra", "none"))
        text = "\n".join(debrief_lines(case))
        assert "The full patient (tests not sent at the start): KIT exon exon 9, PDGFRA none" in text
        assert "Decision 1 depended on KIT exon and PDGFRA" in text


def test_guideline_path_runs_from_the_start_for_the_true_patient():
    """The debrief's guideline path is a walk of the pathway from its start for the true markers, not a patchwork."""
    gist = load_subtype("gist")
    graph = build_graph(gist)
    with gist_case({"kit_exon": "exon9"}, untested=("kit_exon", "pdgfra"), seed=2) as case:
        while (decision := case.next_decision()) is not None:
            plain = [i for i, o in enumerate(decision.options) if o.action is None]
            case.answer(decision, plain[-1])
        path = case.debrief().guideline_path
    assert path[:2] == ("workup", "imatinib_800_exon9")
    assert all(graph.has_edge(a, b) for a, b in zip(path, path[1:]) if a != b)
