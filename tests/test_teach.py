"""The teaching mode: patients from flags or a seed, options, feedback, score, and piped input end to end."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.errors import ScenarioError
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.cli.dispatch import NOT_FOR_CLINICAL_USE, main
from sarcoma_sim.patient.record import make_patient
from sarcoma_sim.patient.teach import TeachingCase, consistent, run_session, sample_patient

GIST = load_subtype("gist")


def case_for(subtype: str, facts: dict | None = None, meds=(), seed: int = 0, **kwargs) -> TeachingCase:
    """A teaching case of ``subtype`` for a patient with ``facts``."""
    pathway = load_subtype(subtype)
    return TeachingCase(pathway, make_patient(pathway, facts or {}, list(meds)), np.random.default_rng(seed), **kwargs)


def ids(decision, home) -> dict[str, bool]:
    """Every option as SUBTYPE.STATE when foreign, STATE when of ``home`` -> right."""
    return {o.target.qualified(home): o.right for o in decision.options}


def test_sample_patient_is_reproducible_and_keeps_given_markers():
    """The same seed gives the same patient; given markers are kept; sampled ones are consistent."""
    first = sample_patient(GIST, np.random.default_rng(4))
    again = sample_patient(GIST, np.random.default_rng(4))
    assert first == again
    fixed = sample_patient(GIST, np.random.default_rng(4), {"kit_exon": "exon9"}, [])
    assert fixed.facts["kit_exon"] == "exon9" and fixed.facts["pdgfra"] == "none" and fixed.comedications == ()


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(SUBTYPE_IDS))
def test_sampled_patients_are_valid_and_consistent(seed, subtype):
    """Every sampled patient has each declared marker with a declared value, never KIT and PDGFRA together."""
    pathway = load_subtype(subtype)
    patient = sample_patient(pathway, np.random.default_rng(seed))
    declared = {a.name: a.values for a in pathway.attributes.values() if a.of == "patient"}
    assert set(patient.facts) == set(declared)
    assert all(patient.facts[k] in declared[k] for k in declared)
    assert consistent(patient.facts)


def test_sample_patient_refuses_unknown_markers():
    """A marker the subtype does not declare is an error naming the allowed ones."""
    with pytest.raises(ScenarioError, match="unknown patient attribute 'alk' for subtype 'gist'"):
        sample_patient(GIST, np.random.default_rng(0), {"alk": "positive"})


def test_exon9_start_offers_400_as_a_wrong_option():
    """At the start of a KIT exon 9 case, 800 mg is right and imatinib 400 mg is offered as wrong."""
    with case_for("gist", {"kit_exon": "exon9", "pdgfra": "none"}) as case:
        found = ids(case.next_decision(), GIST)
    assert found["imatinib_800_exon9"] is True
    assert found["imatinib_400"] is False
    assert sum(found.values()) == 1


def test_widespread_progression_offers_staying_on_400():
    """After widespread progression on 400 mg, staying on 400 mg is a wrong option and escalation is right."""
    with case_for("gist", {"kit_exon": "exon11", "pdgfra": "none"}) as case:
        first = case.next_decision()
        case.answer(first, [o.right for o in first.options].index(True))
        for seed in range(50):
            case.rng = np.random.default_rng(seed)
            decision = case.next_decision()
            if decision.attributes.get("extent") == "widespread" and decision.event == "progression":
                break
        found = ids(decision, GIST)
    assert found["imatinib_400"] is False and found["imatinib_800_escalated"] is True


def test_liposarcoma_offers_pazopanib_as_a_wrong_option():
    """A liposarcoma case offers pazopanib (another subtype's regimen) as a wrong option."""
    with case_for("liposarcoma") as case:
        found = ids(case.next_decision(), load_subtype("liposarcoma"))
    assert found["leiomyosarcoma.pazopanib"] is False and found["anthracycline"] is True


def test_guideline_options_are_all_right():
    """Where the source offers options (angiosarcoma), each of them is a right answer."""
    with case_for("angiosarcoma") as case:
        found = ids(case.next_decision(), load_subtype("angiosarcoma"))
    assert {k for k, right in found.items() if right} == {"paclitaxel", "liposomal_doxorubicin", "antiangiogenic"}


def test_answers_score_and_feedback():
    """A right answer scores, a wrong one does not; wrong feedback names the guideline's step and the alert."""
    with case_for("gist", {"kit_exon": "exon9", "pdgfra": "none"}) as case:
        decision = case.next_decision()
        wrong = [o.text for o in decision.options].index("Imatinib 400 mg daily")
        feedback = case.answer(decision, wrong)
        assert not feedback.right and case.score_line() == "Score: 0 of 1 decisions on the guideline."
        text = "\n".join(feedback.lines)
        assert "The guideline gives Imatinib 800 mg daily (KIT exon 9)" in text
        assert "Alert KIT_EXON9_DOSE" in text and 'evidence.md:20' in text
        decision = case.next_decision()
        feedback = case.answer(decision, [o.right for o in decision.options].index(True))
        assert feedback.right and case.score_line() == "Score: 1 of 2 decisions on the guideline."


def test_case_stops_at_max_decisions():
    """No decision is offered after the limit."""
    with case_for("gist", {"kit_exon": "exon11", "pdgfra": "none"}, max_decisions=1) as case:
        case.answer(case.next_decision(), 0)
        assert case.next_decision() is None


def feed(lines):
    """A read_line that returns ``lines`` one by one, then None (end of input)."""
    items = iter(lines)
    return lambda: next(items, None)


def test_run_session_reasks_invalid_answers_and_stops_at_end_of_input():
    """Bad answers are asked again; end of input stops with the score so far."""
    out: list[str] = []
    with case_for("dfsp") as case:
        code = run_session(case, feed(["banana", "0", "99", ""]), out.append)
    assert code == 0
    assert out.count("Please answer with a number from 1 to 4 (q to stop).") == 4
    assert out[-2:] == ["End of input: the case stops here.", "Score: 0 of 0 decisions on the guideline."]


def test_run_session_q_stops():
    """``q`` stops the case with the score so far."""
    out: list[str] = []
    with case_for("pecoma") as case:
        assert run_session(case, feed(["q"]), out.append) == 0
    assert out[-2:] == ["Stopped.", "Score: 0 of 0 decisions on the guideline."]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(SUBTYPE_IDS), st.integers(0, 10_000))
def test_always_right_answers_score_full_marks(subtype, seed):
    """Answering every decision with a right option ends the case with a full score."""
    pathway = load_subtype(subtype)
    rng = np.random.default_rng(seed)
    patient = sample_patient(pathway, rng)
    with TeachingCase(pathway, patient, rng) as case:
        while (decision := case.next_decision()) is not None:
            assert any(o.right for o in decision.options) and any(not o.right for o in decision.options)
            assert len({o.text for o in decision.options}) == len(decision.options)
            feedback = case.answer(decision, [o.right for o in decision.options].index(True))
            assert feedback.right and feedback.step.choice.concordant
        assert case.right == case.asked >= 1


def run_teach(capsys, monkeypatch, stdin_text: str, *argv):
    """Run ``sarcoma-sim teach argv`` in-process with ``stdin_text`` piped in."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    try:
        code = main(["teach", *argv])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_teach_cli_whole_case_with_bad_answers(capsys, monkeypatch):
    """A piped session: header, notice, bad answers re-asked, feedback for each answer, final score."""
    code, out, err = run_teach(capsys, monkeypatch, "x\n1\n1\n1\n1\n", "dfsp", "--seed", "2")
    assert code == 0 and err == "" and "Traceback" not in out
    assert "Teaching case: Dermatofibrosarcoma protuberans (DFSP) [dfsp], seed 2" in out
    assert NOT_FOR_CLINICAL_USE in out
    assert "Please answer with a number from 1 to" in out
    assert "Decision 1. Month 0: Histologic subtyping (DFSP) is done." in out
    assert "The pathway has ended" in out and "Score: " in out


def test_teach_cli_end_of_input(capsys, monkeypatch):
    """End of input mid-case exits 0 with a short message and the score."""
    code, out, err = run_teach(capsys, monkeypatch, "", "gist", "--seed", "1", "--kit-exon", "exon9",
                               "--pdgfra", "none", "--no-comedication")
    assert code == 0 and err == ""
    assert "Patient: kit exon exon9, pdgfra none; co-medication: none" in out
    assert out.rstrip().endswith("End of input: the case stops here.\nScore: 0 of 0 decisions on the guideline.")


class InterruptingStdin:
    """A stdin whose first read is a Ctrl-C."""

    def readline(self):
        """Raise as the terminal does on Ctrl-C."""
        raise KeyboardInterrupt


def test_teach_cli_ctrl_c(capsys, monkeypatch):
    """Ctrl-C exits 0 with a short message, no traceback."""
    monkeypatch.setattr(sys, "stdin", InterruptingStdin())
    code = main(["teach", "pecoma", "--seed", "3"])
    out, err = capsys.readouterr()
    assert code == 0 and "Interrupted: the case stops here." in out and "Traceback" not in out + err


def test_teach_cli_same_seed_same_case(capsys, monkeypatch):
    """The same seed and answers give the same transcript."""
    answers = "2\n1\n3\n1\n2\n1\n1\n1\n1\n1\n1\n"
    first = run_teach(capsys, monkeypatch, answers, "gist", "--seed", "11")
    again = run_teach(capsys, monkeypatch, answers, "gist", "--seed", "11")
    assert first == again and first[0] == 0


def test_teach_cli_without_seed_prints_one(capsys, monkeypatch):
    """Without --seed a seed is drawn and printed so the case can be repeated."""
    code, out, _ = run_teach(capsys, monkeypatch, "", "asps")
    assert code == 0 and "(--seed " in out.splitlines()[0]


@pytest.mark.parametrize("argv, words", [
    (["glioma"], "unknown subtype 'glioma'"),
    (["liposarcoma", "--kit-exon", "exon9"], "unknown patient attribute 'kit_exon' for subtype 'liposarcoma'"),
    (["imt", "--alk", "maybe"], "'maybe' is not an allowed value of 'alk'; expected one of: positive, negative"),
    (["imt", "--marker", "alk"], "--marker 'alk': expected NAME=VALUE"),
    (["imt", "--max-decisions", "0"], "expected a whole number of at least 1"),
])
def test_teach_cli_wrong_input(capsys, monkeypatch, argv, words):
    """Wrong subtypes, markers and limits exit 1 with an error line and no traceback."""
    code, out, err = run_teach(capsys, monkeypatch, "", *argv)
    assert code == 1 and words in err and "Traceback" not in err


def test_teach_marker_flag_generic(capsys, monkeypatch):
    """``--marker NAME=VALUE`` sets any declared marker."""
    code, out, _ = run_teach(capsys, monkeypatch, "", "ntrk", "--seed", "0", "--marker", "ntrk_fusion=negative")
    assert code == 0 and "Patient: ntrk fusion negative" in out


def test_teach_subprocess_piped_input():
    """End to end in a real process: piped answers, then end of input; exit 0, no traceback."""
    done = subprocess.run([sys.executable, "-m", "sim", "teach", "imt", "--seed", "5", "--alk", "positive"],
                          input="nonsense\n1\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "Please answer with a number" in done.stdout
    assert "Crizotinib" in done.stdout and "Score: " in done.stdout


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(SUBTYPE_IDS), st.integers(0, 10_000))
def test_every_decision_offers_another_subtypes_regimen(subtype, seed):
    """Each decision has 4-5 options, one of them a regimen of another subtype that this pathway does not use."""
    pathway = load_subtype(subtype)
    rng = np.random.default_rng(seed)
    with TeachingCase(pathway, sample_patient(pathway, rng), rng) as case:
        while (decision := case.next_decision()) is not None:
            assert 4 <= len(decision.options) <= 5
            foreign = [o for o in decision.options if o.target.pathway is not pathway]
            assert foreign and not any(o.right for o in foreign)
            case.answer(decision, int(rng.integers(len(decision.options))))
