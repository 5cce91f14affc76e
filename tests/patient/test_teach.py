"""The teaching mode: patients from flags or a seed, options, feedback, score, and piped input end to end."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.cli.dispatch import NOT_FOR_CLINICAL_USE, main
from sarcoma_sim.cli.teach_session import run_session
from sarcoma_sim.errors import ScenarioError
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.patient.case import TeachingCase
from sarcoma_sim.patient.record import comedication_words, make_patient
from sarcoma_sim.patient.sampling import consistent, draw_untested, sample_patient
from sarcoma_sim.patient.wording import debrief_lines

from helpers.budget import examples

GIST = load_subtype("gist")


def case_for(subtype: str, facts: dict | None = None, meds=(), seed: int = 0, **kwargs) -> TeachingCase:
    """A teaching case of ``subtype`` for a patient with ``facts``."""
    pathway = load_subtype(subtype)
    return TeachingCase(pathway, make_patient(pathway, facts or {}, list(meds)), np.random.default_rng(seed), **kwargs)


def ids(decision, home) -> dict[str, bool]:
    """Every plain option (no action) as SUBTYPE.STATE when foreign, STATE when of ``home`` -> right."""
    return {o.target.qualified(home): o.right for o in decision.options if o.action is None}


def test_sample_patient_is_reproducible_and_keeps_given_markers():
    """The same seed gives the same patient; given markers are kept; sampled ones are consistent."""
    first = sample_patient(GIST, np.random.default_rng(4))
    again = sample_patient(GIST, np.random.default_rng(4))
    assert first == again
    fixed = sample_patient(GIST, np.random.default_rng(4), {"kit_exon": "exon9"}, [])
    assert fixed.facts["kit_exon"] == "exon9" and fixed.facts["pdgfra"] == "none" and fixed.comedications == ()


@settings(max_examples=examples(50), deadline=None)
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
        assert not feedback.right and case.score_line() == "Score: 0 of 1 decision on the guideline."
        text = "\n".join(feedback.lines)
        assert "The guideline gives Imatinib 800 mg daily: the guideline gives it when KIT exon is exon 9" in text
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
    assert sum(line.startswith("Please answer with a number from 1 to ") for line in out) == 4
    assert out[-2:] == ["End of input: the case stops here.", "Score: 0 of 0 decisions on the guideline."]


def test_run_session_q_stops():
    """``q`` stops the case with the score so far."""
    out: list[str] = []
    with case_for("pecoma") as case:
        assert run_session(case, feed(["q"]), out.append) == 0
    assert out[-2:] == ["Stopped.", "Score: 0 of 0 decisions on the guideline."]


@settings(max_examples=examples(30), deadline=None)
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
    code, out, err = run_teach(capsys, monkeypatch, "x\n" + "1\n" * 12, "dfsp", "--seed", "2")
    assert code == 0 and err == "" and "Traceback" not in out
    assert "Teaching case: Dermatofibrosarcoma protuberans (DFSP) [dfsp], seed 2" in out
    assert NOT_FOR_CLINICAL_USE in out
    assert "Please answer with a number from 1 to" in out
    assert "Decision 1. Month 0: Histologic subtyping (DFSP) is done." in out
    assert "The pathway has ended" in out and "Score: " in out


def test_teach_cli_end_of_input(capsys, monkeypatch):
    """End of input mid-case exits 0 with a short message and the score."""
    code, out, err = run_teach(capsys, monkeypatch, "", "gist", "--seed", "1", "--kit-exon", "exon9",
                               "--pdgfra", "none", "--marker", "ntrk_fusion=negative", "--marker", "setting=advanced",
                               "--no-comedication")
    assert code == 0 and err == ""
    assert ("Patient: KIT exon: exon 9, PDGFRA: none, SDH: retained, NTRK fusion: negative, setting: advanced; "
            "co-medication: none"
            in " ".join(out.split()))
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
    assert code == 0 and "Patient: NTRK fusion: negative" in out


def test_teach_subprocess_piped_input():
    """End to end in a real process: piped answers, then end of input; exit 0, no traceback."""
    done = subprocess.run([sys.executable, "-m", "sarcoma_sim", "teach", "imt", "--seed", "5", "--alk", "positive"],
                          input="nonsense\n1\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "Please answer with a number" in done.stdout
    assert "Crizotinib" in done.stdout and "Score: " in done.stdout


@settings(max_examples=examples(30), deadline=None)
@given(st.sampled_from(SUBTYPE_IDS), st.integers(0, 10_000))
def test_every_decision_offers_another_subtypes_regimen(subtype, seed):
    """Each decision has 4-5 options, one of them a regimen of another subtype that this pathway does not use."""
    pathway = load_subtype(subtype)
    rng = np.random.default_rng(seed)
    with TeachingCase(pathway, sample_patient(pathway, rng), rng) as case:
        while (decision := case.next_decision()) is not None:
            plain = [o for o in decision.options if o.action is None]
            branches = {t.target for t in pathway.outgoing(case.timeline.state.id, decision.event)}
            assert 4 <= len(decision.options) and len(plain) <= len(branches) + 3  # + stay, another step, foreign
            foreign = [o for o in decision.options if o.target.pathway is not pathway]
            assert foreign and not any(o.right for o in foreign)
            case.answer(decision, int(rng.integers(len(decision.options))))


def test_localised_gist_case_draws_the_recurrence_risk():
    """After resection of a localised GIST the case draws the risk, so both adjuvant and surveillance come up."""
    reached = set()
    for seed in range(12):
        facts = {"kit_exon": "exon11", "pdgfra": "none", "setting": "localised", "ntrk_fusion": "negative"}
        with case_for("gist", facts, seed=seed) as case:
            decision = case.next_decision()
            case.answer(decision, [o.right for o in decision.options].index(True))
            decision = case.next_decision()
            assert decision.event == "resected" and decision.attributes["risk"] in ("high", "not_high")
            reached.add(decision.attributes["risk"])
    assert reached == {"high", "not_high"}
def piped_teach(data: bytes, *args: str, env_extra: dict | None = None):
    """Run ``sarcoma-sim teach`` in a subprocess with ``data`` on stdin."""
    import os
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "sarcoma_sim", "teach", *args], input=data, capture_output=True,
                          timeout=120, env=env)


ODD_ANSWERS = ["²".encode(), "①".encode(), "٣".encode(), b"5" * 5000, b"\xff", b"\x00", "１".encode()]


def test_teach_asks_again_after_each_odd_answer_in_one_session():
    """One real process fed every odd answer in turn asks again after each one, then stops cleanly."""
    done = piped_teach(b"\n".join(ODD_ANSWERS) + b"\nq\n", "gist", "--seed", "1",
                       env_extra={"PYTHONIOENCODING": "utf-8:strict"})
    out = done.stdout.decode()
    assert done.returncode == 0 and done.stderr == b""
    assert out.count("Please answer with a number from 1 to") == len(ODD_ANSWERS) and "Stopped." in out


@pytest.mark.slow
@pytest.mark.parametrize("answer", ODD_ANSWERS)
def test_teach_refuses_non_ascii_digits_and_odd_bytes(answer):
    """Unicode digit-likes, 5,000 digits and undecodable bytes are asked again, never a crash."""
    done = piped_teach(answer + b"\nq\n", "gist", "--seed", "1",
                       env_extra={"PYTHONIOENCODING": "utf-8:strict"})
    out = done.stdout.decode()
    assert done.returncode == 0 and done.stderr == b""
    assert out.count("Please answer with a number from 1 to") == 1 and "Stopped." in out


@given(st.text(max_size=30))
@settings(max_examples=examples(60), deadline=None)
def test_ascii_choice_accepts_only_ascii_option_numbers(text):
    """Only 1-3 ASCII digits naming an option count as an answer."""
    from sarcoma_sim.cli.teach_session import ascii_choice
    got = ascii_choice(text, 5)
    stripped = text.strip()
    if got is not None:
        assert stripped.isascii() and stripped.isdigit() and int(stripped) == got and 1 <= got <= 5
    else:
        assert stripped not in {"1", "2", "3", "4", "5"}


def test_teach_negative_seed_is_an_error(capsys, monkeypatch):
    """``--seed -1`` is a located error, exit 1."""
    code, _, err = run_teach(capsys, monkeypatch, "", "gist", "--seed", "-1")
    assert code == 1 and err.startswith("error: --seed:") and "from 0" in err and "Traceback" not in err


def test_option_texts_never_name_the_marker():
    """No option text carries a marker hint such as "(KIT exon 9)" or "ALK-negative:"."""
    for subtype in SUBTYPE_IDS:
        for seed in range(4):
            with case_for(subtype, seed=seed) as case:
                pass
            pathway = load_subtype(subtype)
            with TeachingCase(pathway, sample_patient(pathway, np.random.default_rng(seed)),
                              np.random.default_rng(seed)) as case:
                while (decision := case.next_decision()) is not None:
                    for option in decision.options:
                        if option.action is None:
                            words = option.text.lower()
                            assert not any(w in words for w in ("kit exon", "d842v", "alk", "ntrk fusion"))
                    case.answer(decision, 0)


def test_every_answer_gets_a_reason():
    """Every answer, right or wrong, is explained beyond a bare verdict."""
    for subtype in SUBTYPE_IDS:
        pathway = load_subtype(subtype)
        for seed in range(3):
            with TeachingCase(pathway, sample_patient(pathway, np.random.default_rng(seed)),
                              np.random.default_rng(seed)) as case:
                index = 0
                while (decision := case.next_decision()) is not None:
                    feedback = case.answer(decision, index % len(decision.options))
                    assert len(feedback.reason) > 20 and feedback.reason in feedback.lines[0]
                    index += 1


def test_case_follows_the_residents_choice_and_debrief_keeps_it():
    """After an off-guideline choice the case continues from the resident's state, and the debrief shows both paths."""
    with case_for("gist", {"kit_exon": "exon9", "pdgfra": "none"}, no_comedication := ()) as case:
        decision = case.next_decision()
        wrong = [o.text for o in decision.options].index("Imatinib 400 mg daily")
        case.answer(decision, wrong)
        assert case.timeline.state.id == "imatinib_400"
        debrief = case.debrief()
        assert debrief.taken_path == ("workup", "imatinib_400")
        assert debrief.guideline_path == ("workup", "imatinib_800_exon9")
        assert len(debrief.mistakes) == 1 and "KIT_EXON9_DOSE" in debrief.alert_codes
    del no_comedication


def test_cyp3a4_alert_offers_an_action_that_takes_it():
    """With ketoconazole, sunitinib steps come with a replace-the-co-medication option that scores right."""
    pathway = load_subtype("gist")
    patient = make_patient(pathway, {"kit_exon": "exon11", "pdgfra": "none"}, ["ketoconazole"])
    for seed in range(20):
        with TeachingCase(pathway, patient, np.random.default_rng(seed)) as case:
            while (decision := case.next_decision()) is not None:
                actions = [i for i, o in enumerate(decision.options) if o.action == "replace_comedication" and o.right]
                if actions:
                    plain = [i for i, o in enumerate(decision.options)
                             if o.right is False and o.target.state.id == decision.options[actions[0]].target.state.id]
                    assert plain, "the unadjusted sunitinib option is offered and not counted right"
                    feedback = case.answer(decision, actions[0])
                    assert feedback.right and not any(a.code == "CYP3A4_INHIBITOR" for a in feedback.step.alerts)
                    assert case.patient.comedications == () and comedication_words(case.patient) == []
                    return
                case.answer(decision, [o.right for o in decision.options].index(True))
    pytest.fail("no decision with sunitinib came up in 20 seeds")


def test_teach_accepts_a_pathway_file(capsys, monkeypatch, tmp_path):
    """``teach FILE.yaml`` plays the pathway in that file."""
    from sarcoma_sim.pathways.load import subtype_path
    copy = tmp_path / "my_sft.yaml"
    copy.write_text(subtype_path("sft").read_text())
    code, out, err = run_teach(capsys, monkeypatch, "q\n", str(copy), "--seed", "0")
    assert code == 0 and err == "" and "[sft]" in out


def test_stopping_after_answers_prints_the_debrief():
    """End of input after some answers prints the debrief: both paths, mistakes, score."""
    out: list[str] = []
    with case_for("gist", {"kit_exon": "exon9", "pdgfra": "none"}, seed=0) as peek:
        wrong = [o.text for o in peek.next_decision().options].index("Imatinib 400 mg daily") + 1
    with case_for("gist", {"kit_exon": "exon9", "pdgfra": "none"}, seed=0) as case:
        run_session(case, feed([str(wrong)]), out.append)
    text = "\n".join(out)
    assert "Your path: Histology and KIT/PDGFRA mutation testing -> Imatinib 400 mg daily" in text
    assert ("The guideline's path for this patient from the start: Histology and KIT/PDGFRA mutation testing -> "
            "Imatinib 800 mg daily") in " ".join(text.split())
    assert "Mistakes: 1" in text and "Alert KIT_EXON9_DOSE" in text
    assert out[-1] == "Score: 0 of 1 decision on the guideline."


def untested_gist_case(seed: int = 0, truth: dict | None = None) -> TeachingCase:
    """A GIST case (KIT exon 9 unless ``truth`` says otherwise) whose KIT/PDGFRA test was not sent."""
    truth = truth or {"kit_exon": "exon9", "pdgfra": "none", "sdh": "retained", "ntrk_fusion": "negative"}
    hidden = ("kit_exon", "pdgfra") + (("ntrk_fusion",) if truth.get("ntrk_fusion") == "positive" else ())
    return case_for("gist", {**truth, "setting": "advanced"}, seed=seed, untested=hidden)


def test_untested_markers_show_and_ordering_the_test_is_the_right_answer():
    """Untested markers read "not tested"; ordering the test is the one right option, reveals them and goes on."""
    with untested_gist_case() as case:
        assert case.card() == [("kit_exon", "not_tested"), ("pdgfra", "not_tested"), ("sdh", "retained"),
                               ("ntrk_fusion", "negative"), ("setting", "advanced")]
        assert case.untested == case.patient.untested() == ("kit_exon", "pdgfra")
        decision = case.next_decision()
        assert "were not tested" in decision.situation
        assert [o.action for o in decision.options if o.right] == ["order_test"]
        order = [o.action for o in decision.options].index("order_test")
        assert "KIT/PDGFRA mutation analysis" in decision.options[order].text
        feedback = case.answer(decision, order)
        assert feedback.right and "it shows KIT exon exon 9, PDGFRA none" in feedback.lines[0]
        assert case.card() == [("kit_exon", "exon9"), ("pdgfra", "none"), ("sdh", "retained"),
                               ("ntrk_fusion", "negative"), ("setting", "advanced")]
        assert case.patient.untested() == () and case.timeline.patient == case.patient
        assert feedback.step.target.id == "imatinib_800_exon9"
        assert "UNTESTED_MARKER" not in [a.code for a in feedback.step.alerts]
        assert any("molecular testing are critical" in s for s in feedback.sources)


def test_treating_before_the_test_is_not_right_even_when_it_happens_to_match():
    """Treating without the test is judged against the true patient (exon 9 calls for 800 mg) and never right."""
    with untested_gist_case() as case:
        decision = case.next_decision()
        default = [o.text for o in decision.options].index("Imatinib 400 mg daily")
        feedback = case.answer(decision, default)
        assert not feedback.right and not feedback.step.choice.concordant
        assert feedback.lines[0].startswith("Not the guideline's step: the step depended on KIT exon and PDGFRA, "
                                            "which were not tested")
        assert "KIT exon exon 9" in feedback.reason and "KIT/PDGFRA mutation analysis" in feedback.reason
        assert "the guideline gives Imatinib 800 mg daily" in feedback.reason
        assert "UNTESTED_MARKER" in [a.code for a in feedback.step.alerts]
        assert case.card()[:2] == [("kit_exon", "exon9"), ("pdgfra", "none")]  # revealed at this point
        assert "Alert UNTESTED_MARKER" in "\n".join(debrief_lines(case))
    with untested_gist_case() as case:
        decision = case.next_decision()
        lucky = [o.text for o in decision.options].index("Imatinib 800 mg daily")
        feedback = case.answer(decision, lucky)
        assert not feedback.right and feedback.step.choice.concordant
        assert feedback.lines[0].startswith("Not quite: Imatinib 800 mg daily is what this patient's true result "
                                            "calls for")
        assert "UNTESTED_MARKER" in [a.code for a in feedback.step.alerts]


def test_a_result_that_makes_another_test_matter_sends_it_too():
    """KIT/PDGFRA wild-type makes the NTRK test decide the step: ordering sends both and gives the NTRK inhibitor."""
    truth = {"kit_exon": "wild_type", "pdgfra": "none", "ntrk_fusion": "positive"}
    with untested_gist_case(truth=truth) as case:
        decision = case.next_decision()
        feedback = case.answer(decision, [o.action for o in decision.options].index("order_test"))
        assert feedback.right and feedback.step.target.id == "ntrk_inhibitor"
        assert "NTRK fusion positive" in feedback.lines[0]
        assert case.patient.untested() == ()


@settings(max_examples=examples(40), deadline=None)
@given(st.sampled_from(SUBTYPE_IDS), st.integers(0, 10_000), st.integers(0, 4))
def test_the_order_option_and_the_untested_marker_alert_agree(subtype, seed, pick):
    """"Order the test" is right exactly when answering otherwise raises UNTESTED_MARKER (the step depends on it)."""
    pathway = load_subtype(subtype)
    rng = np.random.default_rng(seed)
    patient = sample_patient(pathway, rng)
    untested = draw_untested(pathway, np.random.default_rng([seed, 1]))
    with TeachingCase(pathway, patient, rng, untested=untested) as case:
        assert set(case.patient.untested()) == set(untested)
        while (decision := case.next_decision()) is not None:
            ordering_right = any(o.right for o in decision.options if o.action == "order_test")
            plain = [i for i, o in enumerate(decision.options) if o.action is None]
            feedback = case.answer(decision, plain[pick % len(plain)])
            assert ordering_right == ("UNTESTED_MARKER" in [a.code for a in feedback.step.alerts])
            assert [n for n, v in case.card() if v == "not_tested"] == list(case.patient.untested())


def test_markers_given_by_the_teacher_are_never_untested():
    """draw_untested only hides markers of tests the teacher gave no result of, and never a non-marker."""
    gist = load_subtype("gist")
    for seed in range(40):
        assert draw_untested(gist, np.random.default_rng(seed), given={"kit_exon": "exon9", "pdgfra": "none"}) \
            in ((), ("sdh",), ("ntrk_fusion",), ("sdh", "ntrk_fusion"))
        assert "ntrk_fusion" not in draw_untested(gist, np.random.default_rng(seed), given={"ntrk_fusion": "negative"})
    drawn = {draw_untested(gist, np.random.default_rng(seed)) for seed in range(200)}
    groups = [("kit_exon", "pdgfra"), ("sdh",), ("ntrk_fusion",)]  # one per test: KIT/PDGFRA, SDHB IHC, NTRK
    unions = {tuple(m for j, g in enumerate(groups) if mask >> j & 1 for m in g) for mask in range(8)}
    assert {(), ("kit_exon", "pdgfra"), ("sdh",), ("ntrk_fusion",)} <= drawn <= unions
    assert {draw_untested(load_subtype("dfsp"), np.random.default_rng(seed)) for seed in range(40)} \
        == {(), ("ntrk_fusion",)}


def test_ordering_the_test_beside_an_interacting_drug_also_replaces_it():
    """An untested GIST on ketoconazole: the order option also replaces it, scores right and raises no CYP3A4 alert."""
    pathway = load_subtype("gist")
    truth = make_patient(pathway, {"kit_exon": "exon9", "pdgfra": "none", "ntrk_fusion": "negative",
                                   "setting": "advanced"}, ["ketoconazole"])
    with TeachingCase(pathway, truth, np.random.default_rng(0), untested=("kit_exon", "pdgfra")) as case:
        decision = case.next_decision()
        order = [o.action for o in decision.options].index("order_test")
        assert "replace ketoconazole" in decision.options[order].text
        assert [o.action for o in decision.options if o.right] == ["order_test"]
        feedback = case.answer(decision, order)
        assert feedback.right and feedback.step.target.id == "imatinib_800_exon9"
        assert not {a.code for a in feedback.step.alerts} & {"CYP3A4_INHIBITOR", "UNTESTED_MARKER"}
        assert case.patient.comedications == () and any("drug interactions" in s for s in feedback.sources)


def test_teaching_feedback_names_a_moderate_inhibitor_and_the_label_s_dose():
    """Avapritinib beside diltiazem: replacing it is the right answer; keeping it is "not quite", naming the
    moderate strength and the label's 100 mg."""
    with case_for("gist", {"kit_exon": "wild_type", "pdgfra": "d842v", "ntrk_fusion": "negative"},
                  meds=["diltiazem"]) as case:
        while (decision := case.next_decision()) is not None:
            plain = [i for i, o in enumerate(decision.options)
                     if o.action is None and "avapritinib" in o.target.state.drugs and o.right is False]
            if plain and any(o.right and o.action == "replace_comedication" for o in decision.options):
                feedback = case.answer(decision, plain[0])
                text = "\n".join(feedback.lines)
                assert not feedback.right and text.startswith("Not quite")
                assert "Alert CYP3A4_INHIBITOR" in text and "a moderate CYP3A4 inhibitor" in text
                assert "100 mg once daily" in text
                return
            case.answer(decision, [o.right for o in decision.options].index(True))
    pytest.fail("avapritinib was never given")


def test_case_words_a_value_as_the_diagram_does():
    """Every value a shipped pathway labels for its arrows ("exon 9", "D842V") reads the same in the
    teaching case's words, so a resident meets one spelling of a mutation."""
    from sarcoma_sim.patient.wording import readable

    pairs = [(value, label) for subtype in SUBTYPE_IDS for a in load_subtype(subtype).attributes.values()
             for value, label in a.value_labels]
    assert ("d842v", "D842V") in pairs
    assert [(value, readable(value)) for value, _ in pairs] == pairs
