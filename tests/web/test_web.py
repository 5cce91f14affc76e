"""The web app through Flask's test client: every page, every bad request, stored attempts, teacher view."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sarcoma_sim.notice import NOT_FOR_CLINICAL_USE
from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
from sarcoma_sim.web.app import create_app
from sarcoma_sim.web.cases import replay

from helpers.budget import examples


def start(client, case="gist", seed="3") -> str:
    """Start a case; returns the case page's URL."""
    response = client.post("/cases", data={"case": case, "seed": seed})
    assert response.status_code == 303
    return response.headers["Location"]


def options_of(html: str) -> list[str]:
    """The option texts on a case page."""
    return [t.strip() for t in re.findall(r'name="option" value="\d+" required> ([^<]*)</label>', html)]


def decision_number(html: str) -> int:
    """The pending decision's number."""
    return int(re.search(r'name="decision" value="(\d+)"', html).group(1))


def text_of(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def play_to_end(client, url: str, pick) -> str:
    """Answer every decision with ``pick(options, number)`` (1-based option); returns the final page."""
    for _ in range(20):
        page = text_of(client.get(url))
        if 'id="debrief"' in page:
            return page
        options = options_of(page)
        number = decision_number(page)
        answer = client.post(f"{url}/answer", data={"decision": str(number), "option": str(pick(options, number))})
        assert answer.status_code == 303
    raise AssertionError("the case did not end")


def test_home_lists_every_subtype_and_the_notice(client):
    """The home page offers every shipped subtype and shows the not-for-clinical-use notice."""
    page = text_of(client.get("/"))
    assert all(f'value="{subtype}"' in page for subtype in SUBTYPE_IDS) and NOT_FOR_CLINICAL_USE in page


def test_case_page_shows_card_seed_and_options_without_marker_hints(client):
    """A case page: patient card, decision, options that do not name their marker; the seed waits for the debrief."""
    page = text_of(client.get(start(client, "gist", "3")))
    assert "KIT exon" in page and "PDGFRA" in page and 'id="seed"' not in page
    options = options_of(page)
    assert 4 <= len(options)
    assert not any(re.search(r"exon|D842V|ALK|NTRK fusion", o) for o in options)


def test_same_seed_same_case(client):
    """Two attempts with the same seed show the same patient and options."""
    first, again = text_of(client.get(start(client, "imt", "11"))), text_of(client.get(start(client, "imt", "11")))
    assert options_of(first) == options_of(again)


def test_wrong_answer_gets_reason_alert_and_sources_and_the_case_follows_it(client):
    """Imatinib 400 for a KIT exon 9 patient: a reason, the alert with its quoted source, and the path kept."""
    for seed in range(200):
        url = start(client, "gist", str(seed))
        page = text_of(client.get(url))
        if "exon 9" in page:
            break
    else:
        pytest.fail("no KIT exon 9 patient in 200 seeds")
    options = options_of(page)
    chosen = options.index("Imatinib 400 mg daily") + 1
    client.post(f"{url}/answer", data={"decision": "1", "option": str(chosen)})
    page = text_of(client.get(url))
    assert "Not the guideline&#39;s step" in page and "KIT exon is exon 9" in page
    assert "Alert KIT_EXON9_DOSE" in page and "evidence.md:20 &#34;800 mg cut progression risk" in page
    assert re.search(r'<a href="/cases/[\w-]+/sources#cite-evidence-md-20">evidence.md:20', page)
    assert "Imatinib 400 mg daily — off the guideline" in page
    assert "progression on Imatinib 400 mg daily" in page or "cannot tolerate Imatinib 400 mg daily" in page


def test_play_to_the_end_debrief_and_teacher_counts(client):
    """A whole case with wrong answers ends in a debrief (paths, mistakes, score) and is counted."""
    url = start(client, "gist", "5")
    page = play_to_end(client, url, lambda options, n: 1)
    assert 'id="taken-path"' in page and 'id="score"' in page and "Mistakes" in page
    assert "Replay the same patient" in page and "A new patient" in page
    teacher = text_of(client.get("/teacher"))
    assert "Gastrointestinal stromal tumour (GIST)</td><td>1</td><td>1</td>" in teacher
    rows = list(csv.DictReader(io.StringIO(text_of(client.get("/teacher/attempts.csv")))))
    assert len(rows) == 1 and rows[0]["case"] == "Gastrointestinal stromal tumour (GIST)" and rows[0]["seed"] == "5"
    assert int(rows[0]["asked"]) >= 1


def test_debrief_replay_same_patient(client):
    """"Replay the same patient" starts a new attempt with the same seed and the same first decision."""
    url = start(client, "dfsp", "8")
    first = text_of(client.get(url))
    play_to_end(client, url, lambda options, n: 1)
    again = text_of(client.get(start(client, "dfsp", "8")))
    assert options_of(first) == options_of(again)


def test_diagram_is_svg_with_the_path_so_far(client):
    """During the case the diagram is the focus view: SVG with where the resident came from and where they are."""
    url = start(client, "gist", "3")
    options = options_of(text_of(client.get(url)))
    client.post(f"{url}/answer", data={"decision": "1", "option": str(options.index("Imatinib 400 mg daily") + 1)})
    response = client.get(f"{url}/diagram.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = text_of(response)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "Where you came from" in svg and "Histology and KIT/PDGFRA mutation testing" in svg
    assert "Where you are now" in svg and "Imatinib 400 mg daily" in svg


@pytest.mark.parametrize("data", [{}, {"case": "nope"}, {"case": "../../etc/passwd"}, {"case": "gist", "seed": "-1"},
                                  {"case": "gist", "seed": "²"}, {"case": "gist", "seed": "9" * 5000},
                                  {"case": "gist", "seed": "4294967296"}, {"case": "gist", "seed": "1e3"}])
def test_bad_start_requests_are_400(client, data):
    """A start form with a wrong case or seed is a 400 page naming the field."""
    response = client.post("/cases", data=data)
    assert response.status_code == 400 and "field" in text_of(response) and "Traceback" not in text_of(response)


@pytest.mark.parametrize("data", [{}, {"decision": "1"}, {"decision": "1", "option": "0"},
                                  {"decision": "1", "option": "99"}, {"decision": "1", "option": "x"},
                                  {"decision": "1", "option": "①"}, {"decision": "one", "option": "1"}])
def test_bad_answers_are_400(client, data):
    """A malformed answer is a 400 page and records nothing."""
    url = start(client)
    assert client.post(f"{url}/answer", data=data).status_code == 400
    assert 'name="decision" value="1"' in text_of(client.get(url))


def test_stale_and_repeated_answers_are_409(client):
    """Answering a decision that is not pending (a double submit, a finished case) is a 409 page."""
    url = start(client, "dfsp", "1")
    assert client.post(f"{url}/answer", data={"decision": "1", "option": "1"}).status_code == 303
    assert client.post(f"{url}/answer", data={"decision": "1", "option": "1"}).status_code == 409
    play_to_end(client, url, lambda options, n: 1)
    assert client.post(f"{url}/answer", data={"decision": "9", "option": "1"}).status_code == 409


@pytest.mark.parametrize("path", ["/cases/doesnotexist12345", "/cases/..%2F..%2Fetc", "/cases/x/diagram.svg",
                                  "/nowhere", "/static/../setup.cfg"])
def test_unknown_pages_are_404(client, path):
    """Unknown attempts and pages are 404 pages, no traceback."""
    response = client.get(path)
    assert response.status_code == 404 and "Traceback" not in text_of(response)


def test_wrong_method_is_405(client):
    """GET on a form target is a 405 page."""
    assert client.get("/cases").status_code == 405


def test_scenarios_page_lists_the_examples(client):
    """The scenario page lists the shipped examples."""
    page = text_of(client.get("/scenarios"))
    assert 'value="gist_exon9_standard_dose"' in page and page.count('name="example"') >= 16


def test_run_a_shipped_example(client):
    """A shipped example shows its timeline, alerts with sources and the drawn path."""
    response = client.post("/scenarios/run", data={"example": "gist_exon9_standard_dose"})
    page = text_of(response)
    assert response.status_code == 200 and "ALERT KIT_EXON9_DOSE" in page and "<svg" in page
    assert "Off the guideline: step 1: Imatinib 400 mg daily given, the guideline gives Imatinib 800 mg daily" in page


def test_unknown_example_is_400(client):
    """An example name that is not shipped (or a path) is a 400 page."""
    response = client.post("/scenarios/run", data={"example": "../../setup.cfg"})
    assert response.status_code == 400


BROKEN = "title: broken\npatient:\n  subtype: gist\n  markers: {kit_exon: exon99}\nstart: {at: 0}\n"


def test_pasted_broken_scenario_shows_located_errors_like_the_cli(client, tmp_path, capsys):
    """A broken scenario shows the same error lines as ``sarcoma-sim run`` (file, line, path, expected)."""
    from helpers.cli_runner import run_cli
    response = client.post("/scenarios/run", data={"text": BROKEN})
    page = text_of(response)
    assert response.status_code == 422
    assert "pasted scenario:4 at patient.markers.kit_exon" in page and "expected one of" in page
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    _, _, err = run_cli(capsys, "run", path)
    assert err.replace(str(path), "pasted scenario").strip().replace("'", "&#39;") in page


def test_uploaded_scenario_runs_and_its_name_is_only_shown(client):
    """An uploaded file runs; its name is displayed (sanitised), never opened on the server."""
    text = Path("examples/dfsp_imatinib.yaml").read_text(encoding="utf-8")
    response = client.post("/scenarios/run", data={"file": (io.BytesIO(text.encode()), "../../etc/passwd")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "File: passwd" in text_of(response)


def test_script_in_a_title_is_shown_as_text(client):
    """A scenario titled <script>alert(1)</script> is escaped."""
    text = Path("examples/dfsp_imatinib.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title:.*$", "", text)
    text = 'title: "<script>alert(1)</script>"\n' + text
    page = text_of(client.post("/scenarios/run", data={"text": text}))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("payload, status", [(b"\xff\xfe not utf8", 400), (b"a: [" * 10, 422),
                                             (b"x" * (64 * 1024 + 1), 413), (b"!!python/object:os.system x", 422)])
def test_bad_uploads(client, payload, status):
    """Undecodable, malformed, oversized and tagged uploads are 4xx pages."""
    response = client.post("/scenarios/run", data={"file": (io.BytesIO(payload), "s.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == status and "Traceback" not in text_of(response)


def test_empty_scenario_form_is_400(client):
    """Nothing chosen, pasted or uploaded is a 400 page."""
    assert client.post("/scenarios/run", data={"text": "  "}).status_code == 400


def test_body_over_the_limit_is_413(client):
    """A request body over the server's limit is refused with 413."""
    response = client.post("/scenarios/run", data={"text": "x" * (300 * 1024)})
    assert response.status_code == 413


def test_teacher_view_open_on_loopback_with_csvs(client):
    """On loopback the teacher view needs no token; both CSVs parse with a header."""
    assert client.get("/teacher").status_code == 200
    alerts = list(csv.reader(io.StringIO(text_of(client.get("/teacher/alerts.csv")))))
    assert alerts[0] == ["case", "code", "attempts"]


def test_teacher_view_needs_the_token_off_loopback(tmp_path):
    """With a token the teacher pages are 403 without it (a token in the URL does not count), open after signing in."""
    client = create_app(tmp_path / "db.sqlite3", teacher_token="s3cret").test_client()
    for path in ("/teacher", "/teacher/attempts.csv", "/teacher/alerts.csv"):
        assert client.get(path).status_code == 403
    assert client.get("/teacher?token=wrong").status_code == 403
    assert client.get("/teacher?token=s3cret").status_code == 403
    assert client.post("/teacher/login", data={"token": "nope"}).status_code == 403
    assert client.post("/teacher/login", data={"token": "s3cret"}).status_code == 303
    assert client.get("/teacher/attempts.csv").status_code == 200
    assert client.post("/teacher/pathways", data={}).status_code == 400
    assert create_app(tmp_path / "db2.sqlite3", "t").test_client().post("/teacher/pathways").status_code == 403


def test_teacher_loads_a_pathway_file_and_residents_play_it(client):
    """A loaded pathway file becomes a case; a broken one shows its located errors."""
    text = Path("pathways/data/sft.yaml").read_text(encoding="utf-8")
    response = client.post("/teacher/pathways", data={"file": (io.BytesIO(text.encode()), "my_sft.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    home = text_of(client.get("/"))
    key = re.search(r'<option value="(file-[0-9a-f]+)">', home).group(1)
    page = play_to_end(client, start(client, key, "2"), lambda options, n: 1)
    assert 'id="score"' in page
    broken = text.replace("kind: therapy", "kind: therapi", 1)
    response = client.post("/teacher/pathways", data={"file": (io.BytesIO(broken.encode()), "bad.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "bad.yaml:" in text_of(response)


def test_server_error_is_a_500_page_and_the_app_keeps_serving(client, monkeypatch):
    """An unexpected error is a 500 page without a traceback; the next request is served."""
    import sarcoma_sim.web.views_case as views

    def boom(*args):
        raise RuntimeError("boom")

    url = start(client)
    monkeypatch.setattr(views, "replay", boom)
    response = client.get(url)
    assert response.status_code == 500 and "boom" not in text_of(response) and "Traceback" not in text_of(response)
    monkeypatch.undo()
    assert client.get(url).status_code == 200


def test_pages_send_safety_headers(client):
    """Pages forbid scripts and sniffing."""
    response = client.get("/")
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_diagram_states_have_hover_titles_with_regimen_and_sources(client):
    """After the case, each state of the whole map carries a title with its regimen, dose and sources, focusable."""
    url = start(client, "gist", "3")
    play_to_end(client, url, lambda options, n: 1)
    svg = text_of(client.get(f"{url}/map.svg"))
    assert '<g id="node:imatinib_400" tabindex="0"><title>Imatinib 400 mg daily' in svg
    assert "regimen: imatinib 400 mg daily (line 1)" in svg and "source: source-guideline:" in svg


@pytest.mark.slow   # starts a process pool
def test_drawer_in_a_worker_process_draws_the_same_svg_and_draws_once(tmp_path):
    """A worker-process drawer gives every concurrent identical request the in-process drawing."""
    from concurrent.futures import ThreadPoolExecutor

    from sarcoma_sim.web.diagrams import Drawer, draw_svg

    drawer = Drawer(workers=1)
    try:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: drawer.svg(("subtype", "dfsp"), ("workup", "imatinib"), "t"), range(4)))
    finally:
        drawer.close()
    assert len(set(results)) == 1 and results[0] == draw_svg(("subtype", "dfsp"), ("workup", "imatinib"), "t")


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["decision", "option", "case", "seed", "example", "text", "x"]),
                       st.text(max_size=40), max_size=4),
       st.sampled_from(["/cases", "/cases/{id}/answer", "/scenarios/run", "/teacher/login", "/teacher/pathways"]))
def test_any_form_data_is_answered_without_a_server_error(client, form, route):
    """Whatever a form holds, the app answers with a page below 500, and keeps serving."""
    url = start(client, "dfsp", "4")
    target = route.replace("{id}", url.rsplit("/", 1)[-1])
    response = client.post(target, data=form)
    assert response.status_code < 500 and "Traceback" not in text_of(response)
    assert client.get(url).status_code == 200


def untested_gist_seed() -> int:
    """The first seed whose GIST case starts with a decision depending on the KIT/PDGFRA test not sent."""
    gist = load_subtype("gist")
    return next(seed for seed in range(200)
                if any(o.right and o.action == "order_test" and "KIT/PDGFRA" in o.text
                       for o in replay(gist, seed, ()).pending.options))


def test_untested_markers_on_the_card_and_the_order_test_option(client):
    """A case whose tests were not sent shows "not tested" and offers to order them; doing so fills the card."""
    url = start(client, "gist", str(untested_gist_seed()))
    page = text_of(client.get(url))
    before = page.count('<span class="not-tested">not tested</span>')
    assert before >= 2 and "KIT exon and PDGFRA were not tested" in page
    options = options_of(page)
    test = [i for i, o in enumerate(options, start=1) if o.startswith("Order KIT/PDGFRA mutation analysis")]
    assert len(test) == 1
    client.post(f"{url}/answer", data={"decision": "1", "option": str(test[0])})
    page = text_of(client.get(url))
    assert page.count('<span class="not-tested">not tested</span>') <= before - 2 and "Decision 1: Right" in page
    assert "it shows KIT exon " in page and "UNTESTED_MARKER" not in page


def test_treating_without_the_test_shows_the_librarys_untested_marker_alert(client):
    """Giving a drug before the test the step depends on is not right; UNTESTED_MARKER reveals the true result."""
    url = start(client, "gist", str(untested_gist_seed()))
    options = options_of(text_of(client.get(url)))
    treat = [i for i, o in enumerate(options, start=1) if o == "Imatinib 400 mg daily"]
    client.post(f"{url}/answer", data={"decision": "1", "option": str(treat[0])})
    page = text_of(client.get(url))
    assert "Decision 1: Not" in page and "Alert UNTESTED_MARKER" in page and "true result" in page
    assert "order: KIT/PDGFRA mutation analysis" in page and "molecular testing are critical" in page


def test_replacing_the_comedication_takes_it_off_the_card(client):
    """The card is the case's record: the CYP3A4 inhibitor shows with its role, and is gone once replaced."""
    dfsp = load_subtype("dfsp")
    seed = next(s for s in range(200) if (p := replay(dfsp, s, ()).pending) is not None
                and any(o.action == "replace_comedication" and o.right for o in p.options))
    pending = replay(dfsp, seed, ()).pending
    assert pending is not None
    url = start(client, "dfsp", str(seed))
    page = text_of(client.get(url))
    assert "(strong CYP3A4 inhibitor)" in page
    right = [i for i, o in enumerate(pending.options, start=1) if o.action == "replace_comedication" and o.right]
    assert options_of(page)[right[0] - 1].startswith("Replace ")
    client.post(f"{url}/answer", data={"decision": "1", "option": str(right[0])})
    page = text_of(client.get(url))
    assert "Decision 1: Right" in page
    assert re.search(r'<th scope="row">Co-medication</th><td>none</td>', page)


def test_map_hover_names_adjuvant_therapy_as_adjuvant():
    """The web map's hover text says adjuvant imatinib is adjuvant, first-line imatinib line 1."""
    from sarcoma_sim.web.diagrams import state_title

    gist = load_subtype("gist")
    assert "(adjuvant)" in state_title(gist, gist.states["adjuvant_imatinib"])
    assert "line 1" not in state_title(gist, gist.states["adjuvant_imatinib"])
    assert "regimen: imatinib 400 mg daily (line 1)" in state_title(gist, gist.states["imatinib_400"])
