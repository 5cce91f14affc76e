"""The case page's maps: the focus view (the current state's neighbourhood) and the whole map as a page.

While a decision is pending both are drawn from ``pathways.focus.neutral_graph``: state labels in
the case's own option wording (no marker), no conditions on the arrows, no state ids in the SVG.
Once the case is over the full map with its labels and conditions is shown. A view depends only
on what the resident sees (where they came from, where they are, where the options lead), so
residents share the cached drawings. The focus view and the debrief's paths are a few boxes
written directly (well under a millisecond); the whole map is matplotlib's, drawn once per pathway
and wording for every walk by the app's ``Drawer`` (a worker process under ``serve``, so it holds no
request thread), and each resident's walk and title are laid over that drawing as text in the
request (``map_overlay.overlay``: about a millisecond, no worker); a case's start has it drawn ahead.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sarcoma_sim.pathways import focus

CACHE_SIZE = 256
_LOCK = threading.Lock()
_CACHE: OrderedDict = OrderedDict()


def _cached(key: tuple, draw) -> str:
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
        svg = draw()
        _CACHE[key] = svg
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
        return svg


def neighbourhood(state) -> tuple[str | None, str, tuple[str, ...]]:
    """(where the patient came from, where they are, where the pending options lead) as state ids."""
    from sarcoma_sim.reports.taken_path import taken_walk

    walk = taken_walk(state.result)
    current = walk[-1]
    came_from = walk[-2] if len(walk) > 1 else None
    options = state.pending.options if state.pending is not None else ()
    leads = tuple(dict.fromkeys(o.target.state.id for o in options
                                if o.action is None and o.target.pathway is state.pathway))
    return came_from, current, leads


def focus_svg(case_key: str, state) -> str:
    """The focus view of the pending decision, every state named as the options name it (no marker)."""
    came_from, current, leads = neighbourhood(state)
    texts = state.text_of
    key = ("focus", case_key, id(state.pathway), came_from, current, leads)
    return _cached(key, lambda: focus.focus_svg(f"Where you are: {texts[current]}", texts[current],
                                                texts[came_from] if came_from else None,
                                                [texts[s] for s in leads]))


def neutral_map_svg(drawer, source: tuple, state) -> str:
    """The whole pathway with the resident's path so far, naming no marker or condition.

    ``drawer`` draws it (``Drawer.neutral_map_svg``) from ``source`` (``cases.diagram_source``) and the
    case's own wording of each state.
    """
    from sarcoma_sim.reports.taken_path import taken_walk

    return drawer.neutral_map_svg(source, state.text_of, taken_walk(state.result),
                                  f"{state.pathway.name}: your path so far")


def paths_svg(case_key: str, state) -> str:
    """The debrief's drawing: the resident's path, then the guideline's path for this patient from the start."""
    debrief = state.debrief
    key = ("paths", case_key, id(state.pathway), debrief.taken_path, debrief.guideline_path)

    def labels(path) -> list[str]:
        return [state.pathway.states[s].label for i, s in enumerate(path) if i == 0 or s != path[i - 1]]

    paths = [("Your path", labels(debrief.taken_path))]
    if debrief.taken_path != debrief.guideline_path:
        paths.append(("The guideline's path for this patient", labels(debrief.guideline_path)))
    return _cached(key, lambda: focus.paths_svg(f"{state.pathway.name}: the paths", paths))
