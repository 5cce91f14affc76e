"""In headless Chromium on a desktop and a phone: no page scrolls sideways, the focus view reads at 12 px and
answers no question, and after an answer the focus is on the feedback."""

from __future__ import annotations

import re

import pytest

from helpers.browser import follow, sideways

pytestmark = pytest.mark.slow

VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
ANSWERS = re.compile(r"exon ?9|exon ?11|D842V|wild[ _-]type|SDH[- ]deficien|fusion[- ]positive|imatinib_800_exon9"
                     r"|ntrk_inhibitor", re.I)


@pytest.fixture(params=sorted(VIEWPORTS))
def page(request, browser):
    """A fresh page at the desktop or the phone size (the test's own measuring scripts may run)."""
    context = browser.new_context(viewport=VIEWPORTS[request.param], bypass_csp=True)
    yield context.new_page()
    context.close()


def start_case(page, site, case="gist", seed="3") -> str:
    """Start a case from the home page; returns the case page's URL."""
    page.goto(site + "/")
    page.select_option("#case", case)
    page.fill("#seed", seed)
    follow(page, "text=Start the case")
    return page.url.split("#")[0]


def focus_document(page):
    """The focus view's SVG document once it has loaded."""
    page.wait_for_function("() => { const o = document.querySelector('#diagram');"
                           " return !!(o && o.contentDocument && o.contentDocument.querySelector('svg')); }")
    return page.locator("#diagram")


def test_no_page_scrolls_sideways(page, site):
    """Home, case, feedback, whole map, sources, debrief, scenarios, a scenario result and the teacher page."""
    pages = {}
    page.goto(site + "/")
    pages["home"] = sideways(page)
    url = start_case(page, site)
    pages["case"] = sideways(page)
    page.locator("label.option input").first.check()
    follow(page, "text=Give this")
    pages["feedback"] = sideways(page)
    page.goto(url + "/map")
    pages["map page"] = sideways(page)
    page.goto(url + "/sources")
    pages["sources"] = sideways(page)
    page.goto(url)
    for _ in range(15):
        if page.locator("#debrief").count():
            break
        page.locator("label.option input").first.check()
        follow(page, "text=Give this")
    pages["debrief"] = sideways(page)
    page.goto(site + "/scenarios")
    pages["scenarios"] = sideways(page)
    follow(page, "button[value=gist_exon9_standard_dose]")
    pages["scenario result"] = sideways(page)
    page.goto(site + "/teacher")
    pages["teacher"] = sideways(page)
    assert {name: px for name, px in pages.items() if px > 0} == {}


def test_focus_view_reads_at_twelve_px_and_answers_nothing(page, site):
    """Every text of the focus view renders at 12 CSS px or more, and none names a marker or condition."""
    start_case(page, site, "gist", "3")
    focus_document(page)
    sizes = page.evaluate("""() => {
        const doc = document.querySelector('#diagram').contentDocument;
        return Array.from(doc.querySelectorAll('text')).map(t => {
            const px = parseFloat(getComputedStyle(t).fontSize);
            const m = t.getScreenCTM();
            return px * Math.hypot(m.a, m.b);
        });
    }""")
    assert sizes and min(sizes) >= 12 - 0.01, min(sizes)
    source = page.evaluate("document.querySelector('#diagram').contentDocument.documentElement.outerHTML")
    assert not ANSWERS.findall(source)
    assert page.get_attribute("#diagram", "aria-label")


def test_focus_lands_on_the_feedback(page, site):
    """After an answer the page opens on the feedback, which has the focus."""
    start_case(page, site, "dfsp", "2")
    page.locator("label.option input").first.check()
    follow(page, "text=Give this")
    page.wait_for_selector("#feedback")
    assert page.evaluate("document.activeElement && document.activeElement.id") == "feedback"
