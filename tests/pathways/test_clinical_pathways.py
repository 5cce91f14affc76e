"""The source guideline's clinical statements, each checked against the shipped pathways.

Every test encodes one statement of ``source-guideline.md`` (or one rule about what goes beyond
it) and asserts it on the built graph and/or by stepping a patient through the state machine.
"""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.pathways.conditions import iter_matches
from sarcoma_sim.pathways.graph import build_graph
from sarcoma_sim.pathways.load import SUBTYPE_IDS, data_dir, load_subtype, parse_pathway
from sarcoma_sim.pathways.machine import machine_for
from sarcoma_sim.pathways.model import SOURCE_GUIDELINE

from helpers.budget import examples
from helpers.paths import REPO

CLINICAL = REPO / "docs" / "clinical"   # the clinical source and evidence table ship with the project
NTRK_INHIBITORS = {"larotrectinib", "entrectinib"}
FEW = settings(max_examples=examples(60), deadline=None)

# The tumour-agnostic NTRK branch every histology shares: the inhibitor, its label reduction, the end.
NTRK_BRANCH = {"ntrk_inhibitor", "ntrk_inhibitor_75_reduced", "repotrectinib", "trial_or_supportive_care"}
STATE_IDS = {
    "gist": {"workup", "avapritinib", "imatinib_400", "imatinib_800_exon9", "resection", "imatinib_800_escalated",
             "sunitinib_50_intermittent", "sunitinib_37_5_continuous", "regorafenib", "ripretinib",
             "trial_or_supportive_care", "imatinib_300_reduced", "imatinib_600_reduced",
             "sunitinib_37_5_intermittent_reduced", "sunitinib_25_continuous_reduced", "ntrk_inhibitor",
             "resection_primary", "adjuvant_imatinib", "surveillance",
             "sunitinib_25_intermittent_reduced", "regorafenib_120_reduced", "regorafenib_80_reduced",
             "ripretinib_100_reduced", "avapritinib_200_reduced", "avapritinib_100_reduced",
             "ntrk_inhibitor_75_reduced", "repotrectinib"},
    "leiomyosarcoma": {"workup", "anthracycline", "anthracycline_completed", "pazopanib", "pazopanib_600_reduced",
                       "trabectedin", "gemcitabine_docetaxel", "doxorubicin_trabectedin", "trabectedin_maintenance",
                       "doxorubicin_dacarbazine"} | NTRK_BRANCH,
    "liposarcoma": {"workup", "anthracycline", "anthracycline_completed", "eribulin", "trabectedin"} | NTRK_BRANCH,
    "dfsp": {"workup", "imatinib", "imatinib_600_reduced", "resection", "surveillance"} | NTRK_BRANCH,
    "imt": {"workup", "crizotinib", "crizotinib_200_reduced", "no_targeted_option"} | NTRK_BRANCH,
    "pecoma": {"workup", "sirolimus", "nab_sirolimus", "nab_sirolimus_75_reduced"} | NTRK_BRANCH,
    "asps": {"workup", "pazopanib", "pazopanib_600_reduced", "atezolizumab", "sunitinib", "cediranib"} | NTRK_BRANCH,
    "sft": {"workup", "pazopanib", "pazopanib_600_reduced", "sunitinib"} | NTRK_BRANCH,
    "emc": {"workup", "pazopanib", "pazopanib_600_reduced"} | NTRK_BRANCH,
    "angiosarcoma": {"workup", "paclitaxel", "liposomal_doxorubicin", "antiangiogenic", "doxorubicin_second_line",
                     "paclitaxel_second_line", "pazopanib_third_line",
                     "pazopanib_third_line_600_reduced", "paclitaxel_after_pazopanib",
                     "doxorubicin_after_pazopanib"} | NTRK_BRANCH,
    "ntrk": {"workup", "larotrectinib", "entrectinib", "no_fusion", "trial_or_supportive_care",
             "larotrectinib_75_reduced", "larotrectinib_50_reduced", "larotrectinib_100_once_daily_reduced",
             "entrectinib_400_reduced", "entrectinib_200_reduced", "repotrectinib"},
    "desmoid": {"workup", "active_surveillance", "resection", "post_resection_surveillance", "nirogacestat",
                "nirogacestat_100_reduced", "sorafenib", "nirogacestat_second_line",
                "nirogacestat_second_line_100_reduced", "sorafenib_second_line", "later_systemic"} | NTRK_BRANCH,
    "tgct": {"workup", "resection", "post_resection_surveillance", "vimseltinib", "vimseltinib_20_reduced",
             "vimseltinib_14_reduced", "pexidartinib", "pexidartinib_375_reduced",
             "pexidartinib_250_reduced"} | NTRK_BRANCH,
    "epithelioid_sarcoma": {"workup", "wide_resection", "post_resection_surveillance", "doxorubicin", "tazemetostat",
                            "tazemetostat_600_reduced", "tazemetostat_400_reduced", "tazemetostat_second_line",
                            "tazemetostat_second_line_600_reduced", "tazemetostat_second_line_400_reduced",
                            "doxorubicin_second_line"} | NTRK_BRANCH,
}
# Desmoid tumour, TGCT and epithelioid sarcoma are not in the source guideline: every state but the
# shared NTRK inhibitor and the end goes beyond it.
NEW_SUBTYPES = ("desmoid", "tgct", "epithelioid_sarcoma")

BEYOND_SOURCE_STATES = {
    ("gist", "regorafenib"), ("gist", "ripretinib"), ("gist", "avapritinib"),
    ("gist", "imatinib_300_reduced"), ("gist", "imatinib_600_reduced"), ("gist", "sunitinib_37_5_intermittent_reduced"),
    ("gist", "sunitinib_25_continuous_reduced"), ("gist", "resection_primary"), ("gist", "adjuvant_imatinib"),
    ("gist", "surveillance"), ("gist", "sunitinib_25_intermittent_reduced"),
    ("gist", "regorafenib_120_reduced"), ("gist", "regorafenib_80_reduced"), ("gist", "ripretinib_100_reduced"),
    ("gist", "avapritinib_200_reduced"), ("gist", "avapritinib_100_reduced"), ("gist", "ntrk_inhibitor_75_reduced"),
    ("ntrk", "larotrectinib_75_reduced"), ("ntrk", "larotrectinib_50_reduced"),
    ("ntrk", "larotrectinib_100_once_daily_reduced"), ("ntrk", "entrectinib_400_reduced"),
    ("ntrk", "entrectinib_200_reduced"),
    ("leiomyosarcoma", "trabectedin"), ("leiomyosarcoma", "gemcitabine_docetaxel"),
    ("liposarcoma", "trabectedin"), ("angiosarcoma", "doxorubicin_second_line"),
    ("leiomyosarcoma", "pazopanib_600_reduced"), ("asps", "pazopanib_600_reduced"), ("sft", "pazopanib_600_reduced"),
    ("emc", "pazopanib_600_reduced"), ("angiosarcoma", "pazopanib_third_line_600_reduced"),
    ("imt", "crizotinib_200_reduced"),
    ("asps", "atezolizumab"), ("asps", "sunitinib"), ("asps", "cediranib"),
    ("leiomyosarcoma", "doxorubicin_trabectedin"), ("leiomyosarcoma", "trabectedin_maintenance"),
    ("leiomyosarcoma", "doxorubicin_dacarbazine"),
    ("dfsp", "resection"), ("dfsp", "surveillance"), ("dfsp", "imatinib_600_reduced"),
    ("pecoma", "nab_sirolimus_75_reduced"), ("angiosarcoma", "doxorubicin_after_pazopanib"),
} | {(s, "repotrectinib") for s in SUBTYPE_IDS} | {
    (s, "ntrk_inhibitor_75_reduced") for s in ("angiosarcoma", "asps", "dfsp", "emc", "imt", "leiomyosarcoma",
                                                 "liposarcoma", "pecoma", "sft")} | {
    (s, state) for s in NEW_SUBTYPES for state in STATE_IDS[s] - {"ntrk_inhibitor", "trial_or_supportive_care"}}


# ---- helpers ---------------------------------------------------------------------------------

def graph(subtype: str) -> nx.MultiDiGraph:
    """The built graph of a shipped subtype."""
    return build_graph(load_subtype(subtype))


def walk(subtype: str, facts: dict, *steps) -> list[str]:
    """States a patient with ``facts`` passes through; each step is an event or (event, attributes)."""
    machine = machine_for(load_subtype(subtype))
    patient = machine.new_patient(facts)
    visited = [patient.state]
    try:
        for step in steps:
            event, attributes = (step, {}) if isinstance(step, str) else step
            machine.fire(patient, event, **attributes)
            visited.append(patient.state)
    finally:
        machine.detach(patient)
    return visited


def targets(g: nx.MultiDiGraph, state: str, event: str) -> list[str]:
    """Targets of ``event`` edges leaving ``state``, in the order they are tried."""
    edges = sorted((d["order"], v) for _, v, d in g.out_edges(state, data=True) if d["event"] == event)
    return [v for _, v in edges]


def reachable(g: nx.MultiDiGraph, state: str) -> set[str]:
    """``state`` and every state reachable from it."""
    return nx.descendants(g, state) | {state}


def clinical_file(name: str) -> Path:
    """A file of docs/clinical (shipped in the repository, so its absence is a failure, not a skip)."""
    path = CLINICAL / name
    assert path.is_file(), f"{path} is missing"
    return path


def evidence_rows() -> list[str]:
    """Table rows of evidence.md; a row that says "same" carries the row above it too."""
    rows: list[str] = []
    for line in clinical_file("evidence.md").read_text("utf-8").splitlines():
        if not line.startswith("|") or set(line) <= set("|- ") or line.startswith("| regimen"):
            continue
        rows.append(line + (" " + rows[-1] if "same" in line and rows else ""))
    return rows


def citation_fragments(citation: str) -> list[str]:
    """The parts of a citation that must appear in its evidence row: names, trials, years, pages."""
    return re.findall(r"[A-Z][\w'-]+|\d{4};\d+:\d+|\d{3,}", citation)


def rows_for(citation: str) -> list[str]:
    """Evidence rows containing every fragment of ``citation`` (case-insensitive)."""
    fragments = [f.lower() for f in citation_fragments(citation)]
    return [row for row in evidence_rows() if all(f in row.lower() for f in fragments)]


def figures(text: str) -> list[str]:
    """Every number written in ``text`` (``37.5``, ``400``, ``80``)."""
    return re.findall(r"\d+(?:\.\d+)?", text)


def contains_figure(text: str, figure: str) -> bool:
    """Whether ``figure`` is written in ``text`` as a whole number, not part of a longer one."""
    return re.search(rf"(?<![\d.]){re.escape(figure)}(?![\d]|\.\d)", text) is not None


def docs_example() -> str:
    """The complete example pathway in docs/pathway-format.md (the yaml block after its marker)."""
    text = (REPO / "docs" / "pathway-format.md").read_text("utf-8")
    marker = text.index("<!-- example: complete pathway -->")
    match = re.compile(r"```yaml\n(.*?)```", re.S).search(text, marker)
    assert match, "no yaml block after the example marker"
    return match.group(1)


# ---- GIST ------------------------------------------------------------------------------------

def test_gist_first_line_is_imatinib_400_daily():
    """GIST: first-line therapy is imatinib 400 mg daily."""
    assert walk("gist", {"kit_exon": "exon11", "pdgfra": "none"}, "start")[-1] == "imatinib_400"
    node = graph("gist").nodes["imatinib_400"]
    assert (node["drugs"], node["dose"], node["line"]) == (["imatinib"], "400 mg daily", 1)
    assert SOURCE_GUIDELINE in node["sources"]


def test_gist_progression_on_400_escalates_to_800_before_sunitinib():
    """GIST: progression on imatinib 400 leads to 800 mg daily (400 mg twice daily) before sunitinib."""
    g = graph("gist")
    assert not any(t.startswith("sunitinib") for t in targets(g, "imatinib_400", "progression"))
    assert targets(g, "imatinib_400", "progression")[-1] == "imatinib_800_escalated"
    assert g.nodes["imatinib_800_escalated"]["dose"] == "800 mg daily (400 mg twice daily)"
    visited = walk("gist", {"kit_exon": "exon11"}, "start", ("progression", {"extent": "widespread"}),
                   "progression")
    assert visited == ["workup", "imatinib_400", "imatinib_800_escalated", "sunitinib_50_intermittent"]


def test_gist_limited_progression_is_resected_then_imatinib_continues():
    """GIST: limited progression leads to surgical resection and then imatinib again."""
    visited = walk("gist", {"kit_exon": "exon11"}, "start", ("progression", {"extent": "limited"}), "resected")
    assert visited == ["workup", "imatinib_400", "resection", "imatinib_400"]
    assert graph("gist").nodes["resection"]["kind"] == "surgery"


def test_gist_kit_exon9_starts_on_800():
    """GIST: KIT exon 9 starts on imatinib 800 mg daily (adjust the dose to KIT mutation status)."""
    assert walk("gist", {"kit_exon": "exon9", "pdgfra": "none"}, "start")[-1] == "imatinib_800_exon9"
    node = graph("gist").nodes["imatinib_800_exon9"]
    assert node["dose"] == "800 mg daily (400 mg twice daily)" and node["line"] == 1


def test_gist_both_sunitinib_dosing_options_with_the_source_doses():
    """GIST: sunitinib 37.5 mg once daily continuously, or 50 mg once daily 4 weeks on/2 weeks off."""
    g = graph("gist")
    continuous, intermittent = g.nodes["sunitinib_37_5_continuous"], g.nodes["sunitinib_50_intermittent"]
    assert (continuous["dose"], continuous["schedule"]) == ("37.5 mg orally once daily", "continuously")
    assert (intermittent["dose"], intermittent["schedule"]) == ("50 mg orally once daily", "4 weeks on/2 weeks off")
    assert continuous["line"] == intermittent["line"] == 2
    for first in ("imatinib_800_escalated", "imatinib_800_exon9"):
        assert targets(g, first, "progression") == ["sunitinib_37_5_continuous", "sunitinib_50_intermittent"]
    chosen = walk("gist", {"kit_exon": "exon9"}, "start", ("progression", {"option": "sunitinib_37_5_continuous"}))
    assert chosen[-1] == "sunitinib_37_5_continuous"


def test_gist_sunitinib_only_after_imatinib():
    """GIST: sunitinib is given after imatinib failure, never before imatinib, except in SDH-deficient GIST."""
    g = graph("gist")
    for sunitinib in ("sunitinib_50_intermittent", "sunitinib_37_5_continuous"):
        for u, _, data in g.in_edges(sunitinib, data=True):
            assert u in {"imatinib_400", "imatinib_800_exon9", "imatinib_800_escalated", "imatinib_300_reduced",
                         "imatinib_600_reduced"} or "sdh = deficient" in (data["when"] or ""), (u, data["when"])


@FEW
@given(kit_exon=st.sampled_from(["exon11", "exon9", "exon13", "exon17", "wild_type"]))
def test_gist_d842v_never_reaches_imatinib(kit_exon):
    """GIST: PDGFRA D842V (imatinib-resistant) goes to avapritinib and never reaches imatinib."""
    assert walk("gist", {"kit_exon": kit_exon, "pdgfra": "d842v"}, "start")[-1] == "avapritinib"
    g = graph("gist")
    assert not any("imatinib" in g.nodes[s]["drugs"] for s in reachable(g, "avapritinib"))


def test_gist_regorafenib_third_and_ripretinib_fourth_line_beyond_source():
    """GIST: regorafenib (3rd line) then ripretinib (4th line), both marked beyond the source."""
    visited = walk("gist", {"kit_exon": "exon11"}, "start", "intolerance", "progression", "progression",
                   "progression", "progression")
    assert visited[-3:] == ["regorafenib", "ripretinib", "trial_or_supportive_care"]
    g = graph("gist")
    assert (g.nodes["regorafenib"]["line"], g.nodes["ripretinib"]["line"]) == (3, 4)
    assert g.nodes["regorafenib"]["beyond_source"] and g.nodes["ripretinib"]["beyond_source"]


# ---- leiomyosarcoma and liposarcoma ----------------------------------------------------------

@pytest.mark.parametrize("subtype", ["leiomyosarcoma", "liposarcoma"])
def test_anthracycline_based_chemotherapy_first_line(subtype):
    """Leiomyosarcoma and liposarcoma: anthracycline-based chemotherapy is the standard first line."""
    assert walk(subtype, {}, "start") == ["workup", "anthracycline"]
    node = graph(subtype).nodes["anthracycline"]
    assert node["drug_class"] == "anthracycline-based chemotherapy" and node["line"] == 1
    assert node["drugs"] == ["doxorubicin"] and SOURCE_GUIDELINE in node["sources"]


def test_leiomyosarcoma_pazopanib_is_a_second_line_option():
    """Leiomyosarcoma: pazopanib (non-adipogenic STS) is the default second line, 800 mg daily."""
    g = graph("leiomyosarcoma")
    for event in ("progression", "intolerance"):
        assert targets(g, "anthracycline", event)[-1] == "pazopanib"
        assert walk("leiomyosarcoma", {}, "start", event)[-1] == "pazopanib"
    node = g.nodes["pazopanib"]
    assert (node["line"], node["dose"]) == (2, "800 mg daily")
    assert {SOURCE_GUIDELINE, "palette"} <= set(node["sources"]) and not node["beyond_source"]


def test_leiomyosarcoma_trabectedin_and_gemcitabine_docetaxel_options_beyond_source():
    """Leiomyosarcoma: trabectedin and gemcitabine + docetaxel are second-line options beyond the source."""
    g = graph("leiomyosarcoma")
    for option in ("trabectedin", "gemcitabine_docetaxel"):
        assert walk("leiomyosarcoma", {}, "start", ("progression", {"option": option}))[-1] == option
        assert g.nodes[option]["beyond_source"] and g.nodes[option]["line"] == 2
    assert g.nodes["gemcitabine_docetaxel"]["drugs"] == ["gemcitabine", "docetaxel"]


@pytest.mark.parametrize("subtype, second_line", [
    ("leiomyosarcoma", ("pazopanib", "trabectedin", "gemcitabine_docetaxel")),
    ("liposarcoma", ("eribulin", "trabectedin")),
])
def test_second_line_failure_ends_in_trial_or_supportive_care(subtype, second_line):
    """Leiomyosarcoma and liposarcoma: after a second line only an NTRK fusion opens a further line, else the end."""
    g = graph(subtype)
    for state in second_line:
        for event in ("progression", "intolerance"):
            reduced = f"{state}_600_reduced" if event == "intolerance" and f"{state}_600_reduced" in g else state
            steps = [event] if reduced == state else [event, event]
            assert targets(g, reduced, event) == ["ntrk_inhibitor", "trial_or_supportive_care"]
            assert walk(subtype, {"ntrk_fusion": "negative"}, "start", ("progression", {"option": state}),
                        *steps)[-1] == "trial_or_supportive_care"


def test_liposarcoma_eribulin_is_the_second_line():
    """Liposarcoma: eribulin (the source's "eribulin for liposarcomas") is the default second line."""
    g = graph("liposarcoma")
    for event in ("progression", "intolerance"):
        assert targets(g, "anthracycline", event)[-1] == "eribulin"
    assert walk("liposarcoma", {}, "start", "progression")[-1] == "eribulin"
    assert SOURCE_GUIDELINE in g.nodes["eribulin"]["sources"] and not g.nodes["eribulin"]["beyond_source"]


@FEW
@given(option=st.sampled_from(["eribulin", "trabectedin", "pazopanib", "anything"]),
       event=st.sampled_from(["progression", "intolerance"]))
def test_liposarcoma_pazopanib_is_not_reachable(option, event):
    """Liposarcoma: pazopanib is never reached, whatever option is asked for (PALETTE excluded it)."""
    assert "pazopanib" not in walk("liposarcoma", {}, "start", (event, {"option": option}))
    g = graph("liposarcoma")
    assert not any("pazopanib" in g.nodes[s]["drugs"] for s in g)
    assert "PALETTE" in g.nodes["eribulin"]["note"]


def test_liposarcoma_trabectedin_option_beyond_source():
    """Liposarcoma: trabectedin is a second-line option beyond the source."""
    assert walk("liposarcoma", {}, "start", ("intolerance", {"option": "trabectedin"}))[-1] == "trabectedin"
    assert graph("liposarcoma").nodes["trabectedin"]["beyond_source"]


def test_pazopanib_only_for_non_adipogenic_sarcoma():
    """Source summary: pazopanib for non-adipogenic STS, eribulin for liposarcomas, imatinib first for GIST."""
    with_pazopanib = {s for s in SUBTYPE_IDS if "pazopanib" in load_subtype(s).drugs()}
    assert with_pazopanib == {"leiomyosarcoma", "asps", "sft", "emc", "angiosarcoma"}
    assert "eribulin" in load_subtype("liposarcoma").drugs()
    assert all(load_subtype("gist").states[s].drugs == ("imatinib",)
               for s in ("imatinib_400", "imatinib_800_exon9"))


# ---- histology-specific targeted therapies (one test per row of the source's table) ----------

def test_dfsp_imatinib():
    """Histology table: dermatofibrosarcoma protuberans -> imatinib."""
    assert walk("dfsp", {}, "start") == ["workup", "imatinib"]
    node = graph("dfsp").nodes["imatinib"]
    assert node["drugs"] == ["imatinib"] and node["dose"] == "800 mg daily (400 mg twice daily)"
    assert {SOURCE_GUIDELINE, "dfsp-label", "rutkowski-2010"} <= set(node["sources"])


@FEW
@given(alk=st.sampled_from(["positive", "negative", None]))
def test_imt_crizotinib_only_with_alk(alk):
    """Histology table: IMT -> crizotinib only if an ALK translocation is present; otherwise no_targeted_option."""
    facts = {} if alk is None else {"alk": alk}
    end = walk("imt", facts, "start")[-1]
    assert end == ("crizotinib" if alk == "positive" else "no_targeted_option")


def test_imt_alk_negative_ends_in_no_targeted_option():
    """IMT: ALK-negative disease ends in a terminal state that names no targeted therapy and refers on."""
    g = graph("imt")
    node = g.nodes["no_targeted_option"]
    assert node["kind"] == "terminal" and node["drugs"] == []
    assert "ALK-negative" in node["label"] and "sarcoma centre" in node["label"]
    assert g.nodes["crizotinib"]["dose"] == "250 mg twice daily"
    assert all(d["when"] == "alk = positive" for _, _, d in g.in_edges("crizotinib", data=True))


def test_pecoma_mtor_inhibitor_sirolimus():
    """Histology table: PEComas -> mTOR inhibitors: nab-sirolimus (FDA 2021) by default, or oral sirolimus."""
    assert walk("pecoma", {}, "start") == ["workup", "nab_sirolimus"]
    assert walk("pecoma", {}, ("start", {"option": "sirolimus"})) == ["workup", "sirolimus"]
    g = graph("pecoma")
    nab = g.nodes["nab_sirolimus"]
    assert nab["drug_class"] == "mTOR inhibitor" and nab["drugs"] == ["nab sirolimus"]
    assert nab["dose"] == "100 mg/m² intravenously over 30 minutes"
    assert nab["schedule"] == "days 1 and 8 of each 21-day cycle" and not nab["beyond_source"]
    assert walk("pecoma", {}, "start", "intolerance")[-1] == "nab_sirolimus_75_reduced"


def test_dfsp_resectable_goes_to_surgery_and_imatinib_at_the_label_dose():
    """DFSP (issue 18): resectable -> excision; unresectable/recurrent -> imatinib 800 mg daily with a daily dose."""
    localised = {"setting": "localised"}
    assert walk("dfsp", localised, "start")[-1] == "resection"
    assert walk("dfsp", {"setting": "advanced"}, "start")[-1] == "imatinib"
    assert walk("dfsp", localised, "start", "resected", ("recurrence", {"extent": "widespread"}))[-1] == "imatinib"
    assert walk("dfsp", localised, "start", "resected", ("recurrence", {"extent": "limited"}))[-1] == "resection"
    imatinib = load_subtype("dfsp").states["imatinib"]
    assert imatinib.regimen.daily_dose_mg == 800 and imatinib.regimen.dose == "800 mg daily (400 mg twice daily)"


def test_angiosarcoma_after_first_line_pazopanib_paclitaxel_or_doxorubicin():
    """Angiosarcoma (issue 18): after first-line pazopanib, weekly paclitaxel (default) or doxorubicin."""
    start = ("start", {"option": "antiangiogenic"})
    assert walk("angiosarcoma", {}, start, "progression")[-1] == "paclitaxel_after_pazopanib"
    assert walk("angiosarcoma", {}, start, ("intolerance", {"option": "doxorubicin_after_pazopanib"}))[-1] == \
        "doxorubicin_after_pazopanib"
    g = graph("angiosarcoma")
    assert g.nodes["liposomal_doxorubicin"]["dose"] == "50 mg/m² intravenously"
    assert load_subtype("angiosarcoma").sources["liposomal-doxorubicin-dose"].unconfirmed


def test_sft_sunitinib_has_a_dose_marked_unconfirmed():
    """SFT sunitinib (issue 18): 37.5 mg continuous daily, from an unconfirmed row, with a daily dose."""
    pathway = load_subtype("sft")
    assert pathway.states["sunitinib"].regimen.daily_dose_mg == 37.5
    assert pathway.sources["sunitinib-sft"].unconfirmed


def test_asps_antiangiogenic_tki_pazopanib():
    """Histology table: alveolar soft part sarcoma -> anti-angiogenic TKIs (pazopanib)."""
    assert walk("asps", {}, "start") == ["workup", "pazopanib"]
    assert graph("asps").nodes["pazopanib"]["drugs"] == ["pazopanib"]


def test_asps_after_pazopanib_three_right_answers():
    """ASPS after pazopanib (issue 18): atezolizumab by default (FDA 2022), sunitinib or cediranib; no dead end."""
    assert walk("asps", {}, "start", "progression") == ["workup", "pazopanib", "atezolizumab"]
    for option in ("sunitinib", "cediranib", "atezolizumab"):
        assert walk("asps", {}, "start", ("progression", {"option": option}))[-1] == option
        assert walk("asps", {}, "start", "intolerance", ("intolerance", {"option": option}))[-1] == option
    node = graph("asps").nodes["atezolizumab"]
    assert node["dose"] == "1200 mg intravenously" and node["schedule"] == "once every 21 days"
    assert node["beyond_source"] and "9 December 2022" in node["note"]
    assert graph("asps").nodes["cediranib"]["drugs"] == ["cediranib"]


def test_leiomyosarcoma_first_line_three_right_answers():
    """Leiomyosarcoma first line (issue 18): doxorubicin alone by default, LMS-04's combination, or + DTIC."""
    assert walk("leiomyosarcoma", {}, "start")[-1] == "anthracycline"
    combination = walk("leiomyosarcoma", {}, ("start", {"option": "doxorubicin_trabectedin"}), "completed",
                       "progression")
    assert combination[1:] == ["doxorubicin_trabectedin", "trabectedin_maintenance", "pazopanib"]
    assert walk("leiomyosarcoma", {}, ("start", {"option": "doxorubicin_dacarbazine"}))[-1] == "doxorubicin_dacarbazine"
    g = graph("leiomyosarcoma")
    assert g.nodes["doxorubicin_trabectedin"]["dose"] == "doxorubicin 60 mg/m² + trabectedin 1.1 mg/m²"
    assert g.nodes["doxorubicin_dacarbazine"]["dose"] is None
    starts = [t for t in load_subtype("leiomyosarcoma").outgoing("workup", "start")]
    assert len(starts) == 3 and all(t.note for t in starts)


def test_leiomyosarcoma_no_trabectedin_again_after_the_lms04_course():
    """After doxorubicin + trabectedin and its maintenance, the second line never offers trabectedin again."""
    pathway = load_subtype("leiomyosarcoma")
    for state in ("doxorubicin_trabectedin", "trabectedin_maintenance"):
        assert "trabectedin" not in {t.target for t in pathway.outgoing(state)}


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_repotrectinib_after_a_first_trk_inhibitor(subtype):
    """NTRK (issue 18): progression on a first TRK inhibitor leads to repotrectinib (FDA 2024), in every pathway."""
    pathway = load_subtype(subtype)
    firsts = ["larotrectinib", "entrectinib"] if subtype == "ntrk" else ["ntrk_inhibitor"]
    for first in firsts:
        assert [t.target for t in pathway.outgoing(first, "progression")] == ["repotrectinib"]
    regimen = pathway.states["repotrectinib"].regimen
    assert regimen.dose == "160 mg orally once daily for 14 days" and regimen.schedule == "then 160 mg twice daily"


def test_asps_ntrk_branch_after_the_second_line():
    """An NTRK fusion in ASPS opens the NTRK inhibitor once the second-line options run out."""
    facts = {"ntrk_fusion": "positive"}
    assert walk("asps", facts, "start", "progression", "progression")[-1] == "ntrk_inhibitor"


def test_sft_pazopanib_or_sunitinib():
    """Histology table: solitary fibrous tumour -> pazopanib or sunitinib."""
    assert walk("sft", {}, "start")[-1] == "pazopanib"
    assert walk("sft", {}, ("start", {"option": "sunitinib"}))[-1] == "sunitinib"
    note = graph("sft").nodes["pazopanib"]["note"]
    assert "unconfirmed" in note


def test_emc_pazopanib():
    """Histology table: extraskeletal myxoid chondrosarcoma -> pazopanib."""
    assert walk("emc", {}, "start") == ["workup", "pazopanib"]
    assert "stacchiotti-2019" in graph("emc").nodes["pazopanib"]["sources"]


def test_angiosarcoma_paclitaxel_liposomal_doxorubicin_or_antiangiogenics():
    """Histology table: angiosarcoma -> paclitaxel, liposomal doxorubicin, or anti-angiogenics."""
    g = graph("angiosarcoma")
    assert targets(g, "workup", "start") == ["liposomal_doxorubicin", "antiangiogenic", "paclitaxel"]
    for option in ("liposomal_doxorubicin", "antiangiogenic"):
        assert walk("angiosarcoma", {}, ("start", {"option": option}))[-1] == option
    assert walk("angiosarcoma", {}, "start")[-1] == "paclitaxel"
    paclitaxel, antiangiogenic = g.nodes["paclitaxel"], g.nodes["antiangiogenic"]
    assert (paclitaxel["dose"], paclitaxel["schedule"]) == ("80 mg/m²", "weekly, days 1, 8, 15 every 28 days")
    assert (antiangiogenic["drugs"], antiangiogenic["dose"]) == (["pazopanib"], "800 mg daily")


@FEW
@given(fusion=st.sampled_from(["positive", "negative", None]),
       option=st.sampled_from(["larotrectinib", "entrectinib", "other", None]))
def test_ntrk_inhibitors_only_with_a_documented_fusion(fusion, option):
    """Histology table: NTRK inhibitors (larotrectinib, entrectinib) only with a documented NTRK fusion."""
    facts = {} if fusion is None else {"ntrk_fusion": fusion}
    attributes = {} if option is None else {"option": option}
    end = walk("ntrk", facts, ("start", attributes))[-1]
    if fusion != "positive":
        assert end == "no_fusion"
    else:
        assert end == ("entrectinib" if option == "entrectinib" else "larotrectinib")
    g = graph("ntrk")
    assert g.nodes["no_fusion"]["kind"] == "terminal" and "treat by histology" in g.nodes["no_fusion"]["label"]
    full_dose = {s for s in g if set(g.nodes[s]["drugs"]) & NTRK_INHIBITORS and not s.endswith("_reduced")}
    assert full_dose == NTRK_INHIBITORS


# ---- rules for every pathway -----------------------------------------------------------------

def test_state_ids_are_the_agreed_ones():
    """Every pathway has exactly the state ids other modules rely on."""
    assert {s: set(load_subtype(s).states) for s in SUBTYPE_IDS} == STATE_IDS


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_imaging_every_2_to_3_months(subtype):
    """Monitoring: imaging every 2-3 months initially, in every pathway, citing the source guideline."""
    g = graph(subtype)
    assert g.graph["imaging_interval_months"] == [2, 3]
    assert load_subtype(subtype).monitoring.sources == (SOURCE_GUIDELINE,)


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_state_reaches_an_end_state(subtype):
    """Every state of every pathway can reach a terminal state, and trial_or_supportive_care is one."""
    g = graph(subtype)
    terminals = {s for s in g if g.nodes[s]["kind"] == "terminal"}
    assert "trial_or_supportive_care" in terminals
    for state in g:
        assert reachable(g, state) & terminals, state


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_therapy_state_has_progression_and_intolerance(subtype):
    """Continuing ineffective therapy is a pitfall: every therapy state has progression and intolerance exits."""
    pathway = load_subtype(subtype)
    for state in pathway.states.values():
        if state.kind == "therapy":
            assert {"progression", "intolerance"} <= set(pathway.events_from(state.id)), state.id


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_therapy_state_cites_a_source(subtype):
    """Every therapy state cites a declared source; every non-beyond one cites the source guideline."""
    pathway = load_subtype(subtype)
    for state in pathway.states.values():
        if state.kind == "therapy":
            assert state.sources and set(state.sources) <= set(pathway.sources), state.id
            assert state.beyond_source or SOURCE_GUIDELINE in state.sources, state.id


def test_beyond_source_states_are_exactly_the_known_ones():
    """Beyond-source states are regorafenib, ripretinib, avapritinib (GIST) and trabectedin, gem/doc (LMS, LPS)."""
    found = {(s, st_.id) for s in SUBTYPE_IDS for st_ in load_subtype(s).states.values() if st_.beyond_source}
    assert found == BEYOND_SOURCE_STATES
    for subtype, state_id in found:
        pathway = load_subtype(subtype)
        state = pathway.states[state_id]
        assert SOURCE_GUIDELINE not in state.sources
        assert all(pathway.sources[s].beyond_source for s in state.sources), state_id


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_beyond_source_statement_cites_a_beyond_source_source(subtype):
    """Every beyond-source state and transition cites at least one source marked beyond_source."""
    pathway = load_subtype(subtype)
    statements = [s for s in pathway.states.values() if s.beyond_source]
    statements += [t for t in pathway.transitions if t.beyond_source]
    for statement in statements:
        assert any(pathway.sources[s].beyond_source for s in statement.sources), statement


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_cited_source_is_an_evidence_row(subtype):
    """Every source other than the guideline (beyond-source ones included) is a row of evidence.md."""
    for source in load_subtype(subtype).sources.values():
        if source.id == SOURCE_GUIDELINE:
            assert not source.beyond_source
            continue
        assert len(citation_fragments(source.citation)) >= 2, source.citation
        assert rows_for(source.citation), f"{subtype}: {source.id}: {source.citation!r} matches no evidence row"


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_dose_figure_comes_from_the_guideline_or_a_cited_row(subtype):
    """No invented doses: each figure in a dose or schedule is in the source guideline or a cited evidence row."""
    guideline = clinical_file("source-guideline.md").read_text("utf-8")
    pathway = load_subtype(subtype)
    for state in pathway.states.values():
        regimen = state.regimen
        if regimen is None:
            continue
        cited = " ".join(row for s in state.sources if s != SOURCE_GUIDELINE
                         for row in rows_for(pathway.sources[s].citation))
        for figure in figures(f"{regimen.dose or ''} {regimen.schedule or ''}"):
            in_guideline = SOURCE_GUIDELINE in state.sources and contains_figure(guideline, figure)
            assert in_guideline or contains_figure(cited, figure), f"{subtype}.{state.id}: {figure}"


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_option_values_name_the_target_state(subtype):
    """The option convention: a condition on ``option`` names the transition's own target state."""
    pathway = load_subtype(subtype)
    for t in pathway.transitions:
        for match in iter_matches(t.when):
            if match.attribute == "option":
                assert match.values == (t.target,), t


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_file_says_it_is_for_teaching_only(subtype):
    """Every pathway file opens with a teaching-only comment and has a one- or two-line summary."""
    text = (data_dir() / f"{subtype}.yaml").read_text("utf-8")
    header = "".join(line for line in text.splitlines(keepends=True)[:8] if line.startswith("#"))
    assert "teaching" in header.lower() and "never advice for a real patient" in header.lower()
    summary = load_subtype(subtype).summary
    assert summary and len(summary) <= 300


# ---- the format documentation ----------------------------------------------------------------

def test_docs_example_validates_and_steps_as_documented():
    """The complete example in docs/pathway-format.md validates and steps as its Python snippet says."""
    pathway = parse_pathway(docs_example(), "docs/pathway-format.md")
    machine = machine_for(pathway)
    patient = machine.new_patient({"kit_exon": "exon11", "pdgfra": "none"})
    steps = [("start", {}), ("progression", {"extent": "limited"}), ("resected", {}),
             ("progression", {"extent": "widespread"}), ("progression", {"option": "sunitinib_37_5_continuous"})]
    visited = []
    for event, attributes in steps:
        machine.fire(patient, event, **attributes)
        visited.append(patient.state)
    machine.detach(patient)
    assert visited == ["imatinib_400", "resection", "imatinib_400", "imatinib_800_escalated",
                       "sunitinib_37_5_continuous"]
    assert {s.id for s in pathway.states.values() if s.beyond_source} == {"regorafenib"}


# ---- issue 9: testing, NTRK in every histology, dose reductions, sequences -------------------

@pytest.mark.parametrize("subtype", [s for s in SUBTYPE_IDS if s != "ntrk"])
def test_every_histology_tests_for_ntrk_and_opens_the_ntrk_branch(subtype):
    """NTRK fusion is tumour-agnostic: every work-up tests for it and only a fusion leads to the NTRK inhibitor."""
    pathway = load_subtype(subtype)
    assert any("NTRK" in t for t in pathway.states["workup"].tests)
    assert pathway.states["ntrk_inhibitor"].drugs == ("larotrectinib",)
    entries = [t for t in pathway.transitions if t.target == "ntrk_inhibitor"]
    assert entries
    for t in entries:
        assert any(m.attribute == "ntrk_fusion" and m.values == ("positive",) for m in iter_matches(t.when)), t


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_markers_default_to_not_tested_and_name_their_test(subtype):
    """Every marker (a patient attribute with a test) has the value not_tested, which is its default."""
    markers = [a for a in load_subtype(subtype).attributes.values() if a.is_marker]
    assert markers
    for marker in markers:
        assert marker.default == "not_tested" and "not_tested" in marker.values and marker.test


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_every_workup_says_what_is_tested_with_a_source(subtype):
    """Each work-up state lists what is tested and cites where that list comes from."""
    workup = load_subtype(subtype).states["workup"]
    assert workup.tests and "workup-tests" in workup.sources


@pytest.mark.parametrize("subtype", SUBTYPE_IDS)
def test_source_wording_quotes_are_on_their_lines(subtype):
    """What a pathway says the source names for its subtype is quoted verbatim from the line it gives."""
    lines = clinical_file("source-guideline.md").read_text("utf-8").splitlines()
    wording = load_subtype(subtype).source_wording
    assert wording
    for w in wording:
        assert w.quote in lines[w.line - 1], (w.line, w.quote)


def test_gist_wild_type_with_ntrk_fusion_gets_an_ntrk_inhibitor():
    """A KIT/PDGFRA wild-type GIST with an NTRK fusion starts an NTRK inhibitor; without one, imatinib 400 mg."""
    wild = {"kit_exon": "wild_type", "pdgfra": "none"}
    assert walk("gist", {**wild, "ntrk_fusion": "positive"}, "start")[-1] == "ntrk_inhibitor"
    assert walk("gist", {**wild, "ntrk_fusion": "negative"}, "start")[-1] == "imatinib_400"
    exon11_with_fusion = {"kit_exon": "exon11", "pdgfra": "none", "ntrk_fusion": "positive"}
    assert walk("gist", exon11_with_fusion, "start")[-1] == "imatinib_400"


def test_gist_localised_high_risk_gets_three_years_of_adjuvant_imatinib():
    """Localised GIST (beyond the source, SSG XVIII): resection, imatinib 400 mg 3 years if high risk, surveillance."""
    facts = {"setting": "localised", "kit_exon": "exon11", "pdgfra": "none"}
    assert walk("gist", facts, "start", ("resected", {"risk": "high"}), "completed", "recurrence") == [
        "workup", "resection_primary", "adjuvant_imatinib", "surveillance", "imatinib_400"]
    assert walk("gist", facts, "start", ("resected", {"risk": "not_high"}))[-1] == "surveillance"
    d842v = {"setting": "localised", "kit_exon": "wild_type", "pdgfra": "d842v"}
    assert walk("gist", d842v, "start", ("resected", {"risk": "high"}))[-1] == "surveillance"
    adjuvant = load_subtype("gist").states["adjuvant_imatinib"]
    assert adjuvant.regimen.daily_dose_mg == 400 and "3 years" in adjuvant.regimen.schedule
    assert adjuvant.beyond_source and adjuvant.sources == ("ssg-xviii",)


def test_gist_intolerance_reduces_the_dose_as_the_label_gives():
    """Intolerance first reduces the dose (imatinib 400->300, 800->600; sunitinib 50->37.5, 37.5->25 mg)."""
    pathway = load_subtype("gist")
    expected = {"imatinib_400": "imatinib_300_reduced", "imatinib_800_exon9": "imatinib_600_reduced",
                "imatinib_800_escalated": "imatinib_600_reduced",
                "sunitinib_50_intermittent": "sunitinib_37_5_intermittent_reduced",
                "sunitinib_37_5_continuous": "sunitinib_25_continuous_reduced"}
    doses = {"imatinib_300_reduced": 300, "imatinib_600_reduced": 600, "sunitinib_37_5_intermittent_reduced": 37.5,
             "sunitinib_25_continuous_reduced": 25}
    for state, reduced in expected.items():
        assert [t.target for t in pathway.outgoing(state, "intolerance")] == [reduced]
        given, lower = pathway.states[state].regimen, pathway.states[reduced].regimen
        assert lower.reduced_dose and lower.drugs == given.drugs and lower.schedule == given.schedule
        assert lower.daily_dose_mg == doses[reduced] < given.daily_dose_mg
        assert "intolerance" in pathway.events_from(reduced) and "progression" in pathway.events_from(reduced)


def test_angiosarcoma_paclitaxel_and_doxorubicin_either_way_round_then_pazopanib():
    """Angiosarcoma: paclitaxel then doxorubicin, or liposomal doxorubicin then paclitaxel; pazopanib third."""
    assert walk("angiosarcoma", {}, "start", "progression", "progression") == [
        "workup", "paclitaxel", "doxorubicin_second_line", "pazopanib_third_line"]
    assert walk("angiosarcoma", {}, ("start", {"option": "liposomal_doxorubicin"}), "progression", "intolerance") == [
        "workup", "liposomal_doxorubicin", "paclitaxel_second_line", "pazopanib_third_line"]
    g = graph("angiosarcoma")
    assert [g.nodes[s]["line"] for s in ("doxorubicin_second_line", "pazopanib_third_line")] == [2, 3]
    assert g.nodes["pazopanib_third_line"]["drugs"] == ["pazopanib"]
    assert "italiano-2012" in g.nodes["doxorubicin_second_line"]["sources"]


@pytest.mark.parametrize("subtype", ["leiomyosarcoma", "liposarcoma"])
def test_doxorubicin_is_given_for_up_to_six_cycles(subtype):
    """EORTC 62012's doxorubicin 75 mg/m2 every 3 weeks stops after six cycles; the next line starts at progression."""
    node = graph(subtype).nodes["anthracycline"]
    assert node["dose"] == "75 mg/m² on day 1" and "6 cycles" in node["schedule"]
    visited = walk(subtype, {}, "start", "completed", "progression")
    assert visited[1:3] == ["anthracycline", "anthracycline_completed"]
    assert visited[-1] == walk(subtype, {}, "start", "progression")[-1]


@pytest.mark.parametrize("subtype, state, dose", [
    ("asps", "pazopanib", "800 mg daily"), ("sft", "pazopanib", "800 mg daily"), ("emc", "pazopanib", "800 mg daily"),
    ("liposarcoma", "eribulin", "1.4 mg/m² intravenously on days 1 and 8"),
    ("liposarcoma", "trabectedin", "1.5 mg/m² as a 24-hour intravenous infusion"),
    ("ntrk", "larotrectinib", "100 mg orally twice daily"), ("ntrk", "entrectinib", "600 mg orally once daily"),
])
def test_trial_and_label_doses_are_given(subtype, state, dose):
    """Doses the oncologist found missing are now the trial's or label's, as written there."""
    assert load_subtype(subtype).states[state].regimen.dose == dose


@pytest.mark.parametrize("subtype, state, reduced, dose", [
    ("leiomyosarcoma", "pazopanib", "pazopanib_600_reduced", 600), ("asps", "pazopanib", "pazopanib_600_reduced", 600),
    ("sft", "pazopanib", "pazopanib_600_reduced", 600), ("emc", "pazopanib", "pazopanib_600_reduced", 600),
    ("angiosarcoma", "pazopanib_third_line", "pazopanib_third_line_600_reduced", 600),
    ("imt", "crizotinib", "crizotinib_200_reduced", 400),
])
def test_pazopanib_and_crizotinib_intolerance_reduces_the_dose_as_the_label_gives(subtype, state, reduced, dose):
    """Pazopanib 800 -> 600 mg (STS) and crizotinib 250 -> 200 mg twice daily: intolerance reduces first, then stops."""
    pathway = load_subtype(subtype)
    assert [t.target for t in pathway.outgoing(state, "intolerance")] == [reduced]
    lower = pathway.states[reduced].regimen
    assert lower.reduced_dose and lower.daily_dose_mg == dose and lower.line == pathway.states[state].line
    assert [t.target for t in pathway.outgoing(reduced, "progression")] == [t.target for t in
                                                                             pathway.outgoing(state, "progression")]


# ---- SDH-deficient GIST and the later dose reductions (beyond the source) --------------------

WILD_TYPE = {"kit_exon": "wild_type", "pdgfra": "none"}


def test_gist_sdh_deficient_wild_type_does_not_start_imatinib():
    """SDH-deficient GIST (issue 18): sunitinib by default, regorafenib or sunitinib continuous as options."""
    facts = {**WILD_TYPE, "sdh": "deficient"}
    assert walk("gist", facts, "start")[-1] == "sunitinib_50_intermittent"
    for option in ("regorafenib", "sunitinib_37_5_continuous"):
        assert walk("gist", facts, ("start", {"option": option}))[-1] == option
    assert walk("gist", facts, "start", "progression")[-1] == "regorafenib"
    pathway = load_subtype("gist")
    firsts = [t for t in pathway.outgoing("workup", "start")
              if t.target in ("regorafenib", "sunitinib_50_intermittent")]
    assert firsts and all(t.beyond_source and "sdh-options" in t.sources and t.note for t in firsts)
    assert pathway.sources["sdh-options"].unconfirmed


@pytest.mark.parametrize("sdh", ["retained", "not_tested"])
def test_gist_wild_type_without_sdh_deficiency_keeps_imatinib(sdh):
    """A wild-type GIST with SDH retained or not tested keeps the imatinib 400 mg default (MetaGIST: 16 mo)."""
    assert walk("gist", {**WILD_TYPE, "sdh": sdh}, "start")[-1] == "imatinib_400"


def test_gist_ntrk_fusion_is_tried_before_the_sdh_branch_and_sdh_only_in_wild_type():
    """An NTRK fusion opens the NTRK inhibitor; SDH deficiency in a KIT-mutant record changes nothing."""
    assert walk("gist", {**WILD_TYPE, "ntrk_fusion": "positive"}, "start")[-1] == "ntrk_inhibitor"
    assert walk("gist", {"kit_exon": "wild_type", "pdgfra": "d842v", "sdh": "deficient"}, "start")[-1] == "avapritinib"


def test_gist_sdh_deficient_localised_high_risk_gets_no_adjuvant_imatinib_and_recurs_to_the_trial_branch():
    """Localised SDH-deficient GIST: no adjuvant imatinib even at high risk; a recurrence takes the SDH branch."""
    facts = {**WILD_TYPE, "sdh": "deficient", "setting": "localised"}
    assert walk("gist", facts, "start", ("resected", {"risk": "high"}), "recurrence")[-2:] == [
        "surveillance", "sunitinib_50_intermittent"]


@pytest.mark.parametrize("subtype, chain", [
    ("gist", ["sunitinib_50_intermittent", "sunitinib_37_5_intermittent_reduced", "sunitinib_25_intermittent_reduced",
              "regorafenib"]),
    ("gist", ["regorafenib", "regorafenib_120_reduced", "regorafenib_80_reduced", "ripretinib"]),
    ("gist", ["ripretinib", "ripretinib_100_reduced", "trial_or_supportive_care"]),
    ("gist", ["avapritinib", "avapritinib_200_reduced", "avapritinib_100_reduced", "trial_or_supportive_care"]),
    ("gist", ["ntrk_inhibitor", "ntrk_inhibitor_75_reduced", "trial_or_supportive_care"]),
    ("ntrk", ["larotrectinib", "larotrectinib_75_reduced", "larotrectinib_50_reduced",
              "larotrectinib_100_once_daily_reduced", "trial_or_supportive_care"]),
    ("ntrk", ["entrectinib", "entrectinib_400_reduced", "entrectinib_200_reduced", "trial_or_supportive_care"]),
])
def test_later_lines_reduce_the_dose_step_by_step_as_the_label_gives(subtype, chain):
    """Intolerance walks down each label's reduction steps (same drug, schedule and line), then moves on."""
    pathway = load_subtype(subtype)
    for here, there in zip(chain, chain[1:]):
        assert [t.target for t in pathway.outgoing(here, "intolerance")] == [there], here
    therapies = [pathway.states[s] for s in chain if pathway.states[s].regimen is not None]
    same_drug = [s for s in therapies if s.drugs == therapies[0].drugs]
    for higher, lower in zip(same_drug, same_drug[1:]):
        assert lower.regimen.reduced_dose and lower.regimen.schedule == higher.regimen.schedule
        assert lower.regimen.line == higher.regimen.line
        assert lower.regimen.daily_dose_mg <= higher.regimen.daily_dose_mg
        assert lower.regimen.dose != higher.regimen.dose
    full_dose_next = [t.target for t in pathway.outgoing(chain[0], "progression")]
    for reduced in same_drug[1:]:
        assert [t.target for t in pathway.outgoing(reduced.id, "progression")] == full_dose_next, reduced.id


@pytest.mark.parametrize("state, dose", [
    ("regorafenib_120_reduced", "120 mg daily"), ("regorafenib_80_reduced", "80 mg daily"),
    ("ripretinib_100_reduced", "100 mg orally once daily"), ("avapritinib_200_reduced", "200 mg once daily"),
    ("avapritinib_100_reduced", "100 mg once daily"), ("sunitinib_25_intermittent_reduced", "25 mg orally once daily"),
    ("ntrk_inhibitor_75_reduced", "75 mg orally twice daily"),
])
def test_gist_reduced_doses_are_the_labels(state, dose):
    """Each GIST reduction gives the dose its label's dose-modification table writes."""
    assert load_subtype("gist").states[state].regimen.dose == dose


# ---- issue 18: desmoid tumour, TGCT, epithelioid sarcoma (beyond the source) --------------------

def test_desmoid_starts_with_active_surveillance_then_nirogacestat_or_sorafenib():
    """Desmoid: surveillance first; on progression nirogacestat 150 mg twice daily, or sorafenib as the option."""
    assert walk("desmoid", {}, "start", "progression") == ["workup", "active_surveillance", "nirogacestat"]
    assert walk("desmoid", {}, "start", ("progression", {"option": "sorafenib"}))[-1] == "sorafenib"
    regimen = load_subtype("desmoid").states["nirogacestat"].regimen
    assert regimen.dose == "150 mg orally twice daily" and regimen.daily_dose_mg == 300


@pytest.mark.parametrize("facts, expected", [
    ({"site": "abdominal_wall", "ctnnb1": "mutated"}, "resection"),
    ({"site": "abdominal_wall", "ctnnb1": "wild_type"}, "nirogacestat"),
    ({"site": "abdominal_wall", "ctnnb1": "not_tested"}, "nirogacestat"),
    ({"site": "other", "ctnnb1": "mutated"}, "nirogacestat"),
])
def test_desmoid_surgery_only_for_a_sporadic_abdominal_wall_tumour(facts, expected):
    """The consensus keeps resection as the second step for a sporadic (CTNNB1-mutated) abdominal-wall desmoid."""
    assert walk("desmoid", facts, "start", "progression")[-1] == expected


def test_tgct_surgery_first_and_a_csf1r_inhibitor_when_surgery_would_harm():
    """TGCT: resection unless it would cause severe morbidity; then vimseltinib, or pexidartinib as the option."""
    assert walk("tgct", {}, "start")[-1] == "resection"
    assert walk("tgct", {"resection_morbidity": "severe"}, "start")[-1] == "vimseltinib"
    assert walk("tgct", {"resection_morbidity": "severe"}, ("start", {"option": "pexidartinib"}))[-1] == "pexidartinib"
    assert walk("tgct", {}, ("start", {"option": "pexidartinib"}))[-1] == "resection"
    vimseltinib = load_subtype("tgct").states["vimseltinib"].regimen
    assert vimseltinib.dose == "30 mg orally" and vimseltinib.schedule == "twice weekly, at least 72 hours apart"


@pytest.mark.parametrize("chain, doses", [
    (["vimseltinib", "vimseltinib_20_reduced", "vimseltinib_14_reduced", "trial_or_supportive_care"],
     ["30 mg orally", "20 mg orally", "14 mg orally"]),
    (["pexidartinib", "pexidartinib_375_reduced", "pexidartinib_250_reduced", "trial_or_supportive_care"],
     ["250 mg orally twice daily with a low-fat meal",
      "125 mg in the morning and 250 mg in the evening with a low-fat meal", "125 mg twice daily with a low-fat meal"]),
])
def test_tgct_intolerance_walks_down_the_label_reductions(chain, doses):
    """Vimseltinib 30 -> 20 -> 14 mg twice weekly; pexidartinib 500 -> 375 -> 250 mg a day; then it stops."""
    pathway = load_subtype("tgct")
    for here, there in zip(chain, chain[1:]):
        assert [t.target for t in pathway.outgoing(here, "intolerance")] == [there], here
    assert [pathway.states[s].regimen.dose for s in chain[:-1]] == doses
    assert all(pathway.states[s].regimen.reduced_dose for s in chain[1:-1])
    assert all(pathway.states[s].regimen.schedule == pathway.states[chain[0]].regimen.schedule for s in chain[:-1])


@pytest.mark.parametrize("subtype, chain", [
    ("desmoid", ["nirogacestat", "nirogacestat_100_reduced", "sorafenib_second_line"]),
    ("epithelioid_sarcoma", ["tazemetostat", "tazemetostat_600_reduced", "tazemetostat_400_reduced",
                             "doxorubicin_second_line"]),
    ("epithelioid_sarcoma", ["tazemetostat_second_line", "tazemetostat_second_line_600_reduced",
                             "tazemetostat_second_line_400_reduced", "trial_or_supportive_care"]),
    ("tgct", ["pexidartinib", "pexidartinib_375_reduced", "pexidartinib_250_reduced", "trial_or_supportive_care"]),
])
def test_new_subtypes_reduce_the_dose_step_by_step_as_the_label_gives(subtype, chain):
    """Nirogacestat 150 -> 100 mg, tazemetostat 800 -> 600 -> 400 mg twice daily: the same rule as the later lines."""
    test_later_lines_reduce_the_dose_step_by_step_as_the_label_gives(subtype, chain)


def test_epithelioid_sarcoma_tazemetostat_needs_ini1_loss():
    """Tazemetostat (EZH-202 enrolled INI1-lost tumours only) is reached only with INI1 documented as lost."""
    assert walk("epithelioid_sarcoma", {}, "start", "progression") == [
        "workup", "doxorubicin", "trial_or_supportive_care"]
    assert walk("epithelioid_sarcoma", {"ini1": "lost"}, "start", "progression")[-1] == "tazemetostat_second_line"
    assert walk("epithelioid_sarcoma", {"ini1": "lost"}, ("start", {"option": "tazemetostat"}),
                "progression")[-2:] == ["tazemetostat", "doxorubicin_second_line"]
    assert walk("epithelioid_sarcoma", {"ini1": "retained"}, ("start", {"option": "tazemetostat"}))[-1] == "doxorubicin"
    entries = [t for t in load_subtype("epithelioid_sarcoma").transitions
               if t.target in ("tazemetostat", "tazemetostat_second_line")]
    assert entries
    for t in entries:
        assert any(m.attribute == "ini1" and m.values == ("lost",) for m in iter_matches(t.when)), t


def test_epithelioid_sarcoma_localised_is_resected_and_recurrence_is_treated_as_advanced():
    """Localised epithelioid sarcoma: wide resection, surveillance; a recurrence enters the advanced pathway."""
    assert walk("epithelioid_sarcoma", {"setting": "localised"}, "start", "resected", "recurrence") == [
        "workup", "wide_resection", "post_resection_surveillance", "doxorubicin"]


@pytest.mark.parametrize("subtype", NEW_SUBTYPES)
def test_new_subtypes_are_wholly_beyond_the_source_and_say_so(subtype):
    """The three new subtypes cite the source guideline only for the shared NTRK inhibitor."""
    pathway = load_subtype(subtype)
    for state in pathway.states.values():
        if state.id not in ("ntrk_inhibitor", "trial_or_supportive_care"):
            assert state.beyond_source and SOURCE_GUIDELINE not in state.sources, state.id
    assert "beyond the source guideline" in pathway.summary.lower()
