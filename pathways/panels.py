"""Split a pathway graph into linked panels: consecutive diagram columns, one page or slide each.

A pathway too wide for a slide at a readable font size (GIST: workup, four lines of therapy,
surgery, and growing) is cut between columns, and a column too tall for one panel is cut between
its states. Each panel holds its columns' states. A state with arrows leaving the panel gets one
*link* box after it, listing where they go, a row each: "progression, limited → Resection of
limited progression (panel 5)"; a state entered from other panels gets one link box before it,
listing where from: "Imatinib 400 mg daily (panel 3): intolerance". The single arrow between a
state and its link box carries no label, the conditions being in the rows. (A box per state off
the panel, each with its own labelled arrow, stacked GIST's panels too high to hold more than a
state or two: twelve slides.) End states are drawn in every panel that reaches them, since an
arrow into the end of the pathway needs no page turn.

Pure networkx: no matplotlib. Arrow labels are fixed from the whole pathway before the cut, so an
"otherwise" keeps its meaning when its siblings are on another panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import networkx as nx

from sarcoma_sim.pathways.layout import condition_phrase, edge_label, state_columns

LINK_PREFIX = "link:"


@dataclass(frozen=True)
class Panel:
    """One panel: its number (1-based), how many there are, its graph and the states it owns.

    ``wraps`` are the widths (characters) its box titles, regimens, arrow labels and link boxes
    wrap at (link None: the regimen's width), when not the preset's.
    """

    number: int
    count: int
    graph: nx.MultiDiGraph
    states: tuple[str, ...]
    wraps: tuple[int, int, int, int | tuple[int, int] | None] | None = None


def column_units(graph: nx.MultiDiGraph) -> list[list[str]]:
    """The states a panel can own, column by column (end states excluded: every panel may draw them)."""
    columns = state_columns(graph)
    terminal = {n for n, d in graph.nodes(data=True) if d.get("kind") == "terminal"}
    by_column: dict[int, list[str]] = {}
    for n in graph:
        if n not in terminal:
            by_column.setdefault(columns[n], []).append(n)
    return [by_column[c] for c in sorted(by_column)]


def panel_graph(graph: nx.MultiDiGraph, own: set[str], number: int, count: int,
                panel_of_state: dict[str, int], last: bool) -> nx.MultiDiGraph:
    """The graph of the panel owning the states ``own``, with link boxes for states on other panels.

    Each state of the panel that leads off it gets one link box after it, a row per state it leads
    to ("progression, limited → Resection of limited progression (panel 7)"), and each state
    entered from off the panel one link box before it, a row per state it comes from ("Imatinib
    400 mg daily (panel 4): progression"); the arrow between box and state carries no label, its
    conditions being in the rows. A state missing from ``panel_of_state`` is on a panel not
    numbered yet (while panels are measured). ``last`` says whether it is the rightmost panel, the
    one whose end states get the "End" column.
    """
    terminal = {n for n, d in graph.nodes(data=True) if d.get("kind") == "terminal"}
    panel = nx.MultiDiGraph(**graph.graph)
    panel.graph["panel"] = number
    panel.graph["panels"] = count
    for n in graph:
        if n in own:
            panel.add_node(n, **graph.nodes[n])

    def name(state: str) -> str:
        where = panel_of_state.get(state)
        return f"{' '.join(str(graph.nodes[state].get('label') or state).split())} (panel {where or 99})"

    def condition(u: str, v: str) -> str:
        # the target is named in the row, so "if chosen" need not name it again
        said = edge_label([(d.get("event"), condition_phrase(graph, u, v, k))
                           for k, d in (graph.get_edge_data(u, v) or {}).items()])
        return " ".join(said.split())

    rows: dict[str, list[tuple[str, str]]] = {}
    for u, v in dict.fromkeys(graph.edges()):
        if u in own and v not in own and v not in terminal:
            rows.setdefault(f"{LINK_PREFIX}to:{u}", []).append((v, f"{condition(u, v)} → {name(v)}"))
        elif v in own and u not in own:
            rows.setdefault(f"{LINK_PREFIX}from:{v}", []).append((u, f"{name(u)}: {condition(u, v)}"))
    for node, items in rows.items():
        direction = node[len(LINK_PREFIX):].split(":", 1)[0]
        states = tuple(state for state, _ in items)
        # no line of its own: a link box sits beside the state it belongs to
        panel.add_node(node, kind="link", label="; ".join(text for _, text in items), line=None,
                       drugs=[], dose=None, schedule=None, drug_class=None, sources=[],
                       beyond_source=False, note=None, link_of=states, link_direction=direction,
                       link_panels=tuple(panel_of_state.get(s) for s in states),
                       link_rows=tuple(text for _, text in items))

    for u, v, k, data in graph.edges(keys=True, data=True):
        if u not in own and v not in own:
            continue
        phrase = condition_phrase(graph, u, v, k, name_option=True)
        in_box = {}
        if v in terminal:
            if v not in panel:
                # before the last panel an end state is drawn beside the arrows into it, not in
                # an "End" column of its own: a panel that is not the last has no room to spare
                panel.add_node(v, **graph.nodes[v], beside_source=not last)
            target = v
        elif v in own:
            target = v
        else:
            target, in_box = f"{LINK_PREFIX}to:{u}", {"said_in_link_box": True}
        if u not in own:
            source, in_box = f"{LINK_PREFIX}from:{v}", {"said_in_link_box": True}
        else:
            source = u
        panel.add_edge(source, target, key=k, **{**data, "phrase": phrase, "phrase_fixed": True, **in_box})
    if graph.graph.get("initial") not in panel:
        entries = [n for n, d in panel.nodes(data=True) if d.get("link_direction") == "from"]
        panel.graph["initial"] = (entries or list(panel.nodes) or [None])[0]
    return panel


def split_panels(graph: nx.MultiDiGraph, groups: list[list[str]]) -> list[Panel]:
    """Panels owning each group of states, in order; one group (or none) gives the whole graph."""
    groups = [list(g) for g in groups if g]
    if len(groups) <= 1:
        return [Panel(1, 1, graph, tuple(n for n in graph))]
    panel_of_state = {n: i + 1 for i, g in enumerate(groups) for n in g}
    count = len(groups)
    return [Panel(i + 1, count, panel_graph(graph, set(g), i + 1, count, panel_of_state, i + 1 == count), tuple(g))
            for i, g in enumerate(groups)]


def candidate_panel(graph: nx.MultiDiGraph, own: list[str], last: bool,
                    earlier: Sequence[Sequence[str]] = ()) -> nx.MultiDiGraph:
    """The graph a panel owning ``own`` would have after the panels ``earlier``, for measuring it
    before the later panels are numbered (their link boxes say "another panel")."""
    number = len(earlier) + 1
    panel_of_state = {n: i + 1 for i, g in enumerate(earlier) for n in g}
    return panel_graph(graph, set(own), number, number + 1, panel_of_state, last)


def shown_sources(graph: nx.MultiDiGraph) -> list[dict]:
    """The graph's sources that a state or an arrow drawn in it cites, in the pathway's order."""
    cited: set[str] = set()
    for _, d in graph.nodes(data=True):
        # a dose reduction folded into its drug's box is shown there, so its sources are cited
        cited.update([*(d.get("sources") or []), *(d.get("folded_sources") or [])])
    for *_, d in graph.edges(data=True):
        cited.update(d.get("sources") or [])
    return [s for s in graph.graph.get("sources") or [] if s.get("id") in cited]
