"""Alert code pages: every code the app raises explained with its quoted source; unknown codes are 404 pages."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest

import sarcoma_sim.patient as patient_package
from sarcoma_sim.patient.alerts import ALERT_CODES
from sarcoma_sim.web.pitfalls import pitfalls

CLINICAL = Path(__file__).resolve().parents[2] / "docs" / "clinical"


def raised_codes() -> set[str]:
    """Every code the patient layer's source builds an ``Alert`` with (string literals and the CYP3A4 pair)."""
    found = set()
    for path in Path(patient_package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Alert", "_cyp3a4_alert"):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and re.fullmatch(r"[A-Z0-9_]+",
                                                                                                     arg.value):
                        found.add(arg.value)
    return found


def test_every_code_the_source_raises_is_listed_and_explained():
    """The codes read from the alert rules' source are exactly ALERT_CODES, and each has a page entry."""
    assert raised_codes() == set(ALERT_CODES)
    assert [p.code for p in pitfalls()] == list(ALERT_CODES)


@pytest.mark.parametrize("code", list(ALERT_CODES))
def test_each_code_has_a_page_with_the_pitfall_and_quoted_sources(client, code):
    """The page names the code, explains it, says when it is raised and quotes each source on its line."""
    response = client.get(f"/alerts/{code}")
    assert response.status_code == 200
    text = html.unescape(response.get_data(as_text=True))
    entry = next(p for p in pitfalls() if p.code == code)
    assert code in text and entry.plain in text and ALERT_CODES[code] in text
    assert entry.sources
    for citation in entry.sources:
        assert citation.quote in (CLINICAL / citation.document).read_text(encoding="utf-8").splitlines()[
            citation.line - 1]
        assert f"line {citation.line}" in text and citation.quote in text


def test_the_index_links_every_code(client):
    """/alerts lists a link to each code's page."""
    text = client.get("/alerts").get_data(as_text=True)
    assert all(f'href="/alerts/{code}"' in text for code in ALERT_CODES)


@pytest.mark.parametrize("code", ["NOT_A_CODE", "off_guideline_choice", "X" * 200, "%3Cscript%3E", "OFF GUIDELINE"])
def test_an_unknown_code_is_a_404_page(client, code):
    """A code the app does not raise gets a 404 page naming it and pointing to the list, no traceback."""
    response = client.get(f"/alerts/{code}")
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "/alerts" in text and "Traceback" not in text and "<script>" not in text


def test_codes_on_the_teacher_view_link_to_their_pages(client):
    """An alert raised in a finished attempt appears on the teacher view as a link to its page."""
    page = client.post("/cases", data={"case": "gist", "seed": "2"}).headers["Location"]
    while found := re.search(r'name="decision" value="(\d+)"', client.get(page).get_data(as_text=True)):
        client.post(page + "/answer", data={"decision": found.group(1), "option": "1"})
    text = client.get("/teacher").get_data(as_text=True)
    codes = re.findall(r'<a class="code" href="/alerts/([A-Z0-9_]+)">\1</a>', text)
    assert codes and set(codes) <= set(ALERT_CODES)
