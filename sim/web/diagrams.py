"""The pathway diagram as SVG for a page: the path taken highlighted, drawn by the library, cached.

matplotlib is not safe to drive from several threads at once, so drawings are made one at a
time; a drawing takes a few hundred milliseconds, so each (pathway, path, title) is kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

DRAW_LOCK = threading.Lock()
CACHE_SIZE = 256
_CACHE: OrderedDict = OrderedDict()


def svg_for(cache_key: str, pathway, highlight, title: str | None) -> str:
    """The SVG document of ``pathway`` with ``highlight`` (state ids) emphasised."""
    from sarcoma_sim.reports.taken_path import render

    key = (cache_key, tuple(highlight or ()), title)
    with DRAW_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        svg = render(pathway, "svg", list(highlight) if highlight else None, title).decode("utf-8")
        _CACHE[key] = svg
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        return svg


def inline(svg: str) -> str:
    """The ``<svg>`` element alone, for embedding in a page (no XML declaration or doctype)."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def result_svg(cache_key: str, result) -> str:
    """The drawing of a run: the path the patient took, off-guideline steps named under the title."""
    from sarcoma_sim.reports.taken_path import taken_highlight, taken_title

    return svg_for(cache_key, result.pathway, taken_highlight(result), taken_title(result))
