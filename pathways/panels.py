"""Split a pathway graph into linked panels: consecutive diagram columns, one page or slide each.

A pathway too wide for a slide at a readable font size (GIST: workup, four lines of therapy,
surgery, and growing) is cut between columns, and a column too tall for one panel is cut between its
states. Each panel holds its columns' states. Arrows leaving the panel end in one *link* box per
clinical phase they lead to, saying in a few words where the story goes on ("second line: panel 3",
or "second line: panels 3, 4" when that phase spans two panels); arrows entering it start from one
box per phase they come from ("from first line: panel 1"). Before any line of therapy a box names
what its states are ("surgery", "adjuvant therapy or surveillance", "from diagnosis or
surveillance"): adjuvant therapy is no line of treatment of advanced disease, though numbered with
the first line in the data (``phase_lines``). Each arrow keeps its label; the hover rows name every
state with its panel. (A box per state off the panel stacked GIST's panels too high to hold more
than a state or two; a box per panel still gave a state whose successors spread over four panels
four boxes, too many for a slide.) End states are drawn in every panel that reaches them, since an
arrow into the end of the pathway needs no page turn.

Pure networkx: no matplotlib. Arrow labels are fixed from the whole pathway before the cut, so an
"otherwise" keeps its meaning when its siblings are on another panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import networkx as nx

from sarcoma_sim.pathways.layout import back_edge_keys, condition_phrase, drawn_line, line_title, state_columns
from sarcoma_sim.pathways.unchanged import remembered

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


def taught_lines(graph: nx.MultiDiGraph) -> dict[str, int]:
    """The line of therapy each non-end state is taught with: a therapy's own ``line``; a state
    without one (workup, surgery, assessment) the highest line among the states before it on forward
    arrows (0, diagnosis, before any therapy). Decided from the data, never from state ids."""
    # every panel graph made while a pathway is cut asks this of the whole pathway
    return dict(remembered(graph, "taught lines", lambda: _taught_lines(graph)))


def _taught_lines(graph: nx.MultiDiGraph, drawn: bool = False) -> dict[str, int]:
    """``taught_lines``; with ``drawn``, by each state's ``drawn_line`` (adjuvant therapy: none)."""
    back = back_edge_keys(graph)
    forward = nx.DiGraph()
    forward.add_nodes_from(graph)
    forward.add_edges_from((u, v) for u, v, k in graph.edges(keys=True) if k not in back and u != v)
    order = list(nx.topological_sort(forward)) if nx.is_directed_acyclic_graph(forward) else list(graph)
    lines: dict[str, int] = {}
    for n in order:
        own = drawn_line(graph.nodes[n]) if drawn else graph.nodes[n].get("line")
        before = [lines.get(p, 0) for p in forward.predecessors(n)]
        lines[n] = int(own) if own is not None else max(before, default=0)
    terminal = {n for n, d in graph.nodes(data=True) if d.get("kind") == "terminal"}
    return {n: lines[n] for n in graph if n not in terminal}


def phase_name(line: int) -> str:
    """"diagnosis" (line 0), "first line", "second line", ..."""
    return "diagnosis" if line <= 0 else line_title(line).lower()


def phase_lines(graph: nx.MultiDiGraph) -> dict[str, int]:
    """The line each non-end state's phase is named by: ``taught_lines``, except that adjuvant
    therapy (``drawn_line`` None) and what follows it before any therapy of advanced disease are
    line 0, before any line. GIST's adjuvant imatinib is numbered with the first line in the data,
    but a link box calling it, or the surveillance after it, "first line" would teach a resident
    that it treats advanced disease. The cut keeps ``taught_lines``."""
    return dict(remembered(graph, "phase lines", lambda: _taught_lines(graph, drawn=True)))


# Before any therapy, a state of one of these kinds names its phase after the kind: "diagnosis"
# would misname a resection, adjuvant therapy, or the imaging that follows one. In teaching order.
_KIND_PHASES = {"surgery": "surgery", "adjuvant": "adjuvant therapy", "assessment": "surveillance"}


def state_phase(graph: nx.MultiDiGraph, state: str, lines: dict[str, int]) -> str:
    """The phase ``state`` is taught in (``lines``: ``phase_lines``): its line's phase
    (``phase_name``); before any line, its kind's ("surgery", "adjuvant therapy", "surveillance")
    or "diagnosis"."""
    if lines[state] > 0:
        return phase_name(lines[state])
    attrs = graph.nodes[state]
    return _KIND_PHASES.get("adjuvant" if attrs.get("adjuvant") else attrs.get("kind"), "diagnosis")


def phases_in_order(graph: nx.MultiDiGraph, states: Sequence[str], lines: dict[str, int]) -> list[str]:
    """The phases ``states`` are taught in (``state_phase``), each once, diagnosis first, then
    surgery, adjuvant therapy and surveillance, then the lines in order."""
    order = ["diagnosis", *_KIND_PHASES.values()]
    found = {(lines[s], state_phase(graph, s, lines)) for s in states}
    return [name for _, name in sorted(found, key=lambda f: (f[0], order.index(f[1]) if f[1] in order else 0))]


def link_phase(graph: nx.MultiDiGraph, states: Sequence[str], lines: dict[str, int]) -> str:
    """The phase a link box names for ``states`` (all of one line of ``phase_lines``): the line's
    phase (``phase_name``); before any line, the states' phases (``state_phase``) joined
    ("adjuvant therapy or surveillance", "diagnosis or surveillance"), a surgery said as part of
    the diagnosis where both are named."""
    names = phases_in_order(graph, states, lines)
    if "diagnosis" in names:
        names = [n for n in names if n != "surgery"]
    return " or ".join(names)


def started_drugs(graph: nx.MultiDiGraph, sources, targets: Sequence[str], lines: dict[str, int]) -> str | None:
    """The drugs a link box names instead of a phase ("sunitinib"), where every arrow into it comes
    from a state taught before any therapy and every state it leads to is a therapy of a later
    line than the first: a patient starts on them, as SDH-deficient GIST starts on sunitinib or
    regorafenib, whose line numbers follow the KIT-mutant course. "start" -> "third line" would
    teach a resident the wrong thing. None otherwise."""
    if not sources or any(lines.get(u, 0) > 0 for u in sources):
        return None
    if any(graph.nodes[t].get("line") is None or lines[t] <= 1 for t in targets):
        return None
    drugs = dict.fromkeys(d for t in targets for d in graph.nodes[t].get("drugs") or [])
    return " or ".join(drugs) or None


def first_line_options(graph: nx.MultiDiGraph) -> list[str]:
    """The states the pathway's first decision leads to (the initial state's forward arrows, end
    states aside), in the diagram's column order: what a resident chooses between at diagnosis."""
    return list(remembered(graph, "first-line options", lambda: tuple(_first_line_options(graph))))


def _first_line_options(graph: nx.MultiDiGraph) -> list[str]:
    initial = graph.graph.get("initial")
    if initial not in graph:
        return []
    lines = taught_lines(graph)
    back = back_edge_keys(graph)
    columns = state_columns(graph)
    options = {v for _, v, k in graph.out_edges(initial, keys=True) if k not in back and v in lines and v != initial}
    return sorted(options, key=lambda n: (columns[n], list(graph).index(n)))


def phase_blocks(graph: nx.MultiDiGraph) -> list[list[str]]:
    """The pathway's non-end states in teaching order, a block per clinical phase.

    First the diagnosis and the first-line decision: the initial state with every option it leads
    to (``first_line_options``), the thing a resident must learn, kept on one panel. Then the rest
    of each line of therapy (``taught_lines``) in order: the states before any therapy, then
    progression, dose changes and surgery within the first line, then each later line. Within a
    block, states follow the diagram's columns.
    """
    lines = taught_lines(graph)
    columns = state_columns(graph)
    ordered = sorted(lines, key=lambda n: (columns[n], list(graph).index(n)))
    initial = graph.graph.get("initial")
    first = ([initial] if initial in lines else []) + first_line_options(graph)
    blocks = [first] if first else []
    for line in sorted(set(lines.values())):
        rest = [n for n in ordered if lines[n] == line and n not in first]
        if rest:
            blocks.append(rest)
    return blocks


def panels_phrase(numbers) -> str:
    """"panel 3", "panels 3, 4" or "panels 3-5": where a phase's states are drawn (a None for each
    panel not numbered yet gives a placeholder as long as the longest of these)."""
    numbers = list(numbers)
    if None in numbers:   # placeholders: as long as the longest phrase for that many panels
        return "panel 99" if len(numbers) == 1 else "panels " + ", ".join("99" for _ in numbers)
    found = sorted(set(numbers))
    if len(found) == 1:
        return f"panel {found[0]}"
    if len(found) > 2 and found == list(range(found[0], found[-1] + 1)):
        return f"panels {found[0]}-{found[-1]}"
    return "panels " + ", ".join(map(str, found))


def panel_graph(graph: nx.MultiDiGraph, own: set[str], number: int, count: int,
                panel_of_state: dict[str, int], last: bool, placeholder: bool = False) -> nx.MultiDiGraph:
    """The graph of the panel owning the states ``own``, with link boxes where the story continues.

    Arrows leaving the panel end in one link box per clinical phase they lead to, saying in a few
    words where the story goes on ("second line: panel 3", "second line: panels 3, 4"), each arrow
    labelled with its events; arrows entering the panel start from one link box per phase they
    come from ("from first line: panel 1"), each labelled with its event and condition as on the
    whole drawing, beside the state the condition names. So no two link boxes of a panel say the
    same, and a state needs at most a box per later phase however the panels are cut. A state missing from
    ``panel_of_state`` is on a panel not numbered yet (while panels are measured: "panel 99").
    ``last`` says whether it is the last panel, the one whose end states get the "End" column.
    The hover rows (``link_rows``) name every state, with its panel.

    ``placeholder`` (while panels are measured) writes every panel number as 99 and a link box
    naming k panels as long as the longest phrase for k panels ("panels 99, 99"): the panel then
    measures the same however the panels are numbered in the end, and no smaller, so a panel is
    laid out once while the cut is decided (``panel_of_state`` then only says which states share
    a panel; a state missing from it is on one more panel not cut yet).
    """
    if placeholder:
        number = count = 99
    terminal = {n for n, d in graph.nodes(data=True) if d.get("kind") == "terminal"}
    lines = taught_lines(graph)
    panel = nx.MultiDiGraph(**graph.graph)
    panel.graph["panel"] = number
    panel.graph["panels"] = count
    options = set(first_line_options(graph))
    for n in graph:
        if n in own:
            panel.add_node(n, **graph.nodes[n])
            if graph.nodes[n].get("line") is None and lines.get(n) == 0 and n not in options:
                # reached before any therapy, and no option of the first-line decision (a resection
                # of localised disease is drawn beside the first-line drugs): drawn down, a row
                # above the panel's lines, never under a later line's heading
                panel.nodes[n]["before_lines"] = True

    def name(state: str) -> str:
        return f"{' '.join(str(graph.nodes[state].get('label') or state).split())} (panel {where(state)})"

    def where(state: str) -> int:
        return 99 if placeholder else panel_of_state.get(state) or 99

    def phrase(states: tuple[str, ...]) -> str:
        if placeholder:
            return panels_phrase(None for _ in set(panel_of_state.get(s) for s in states))
        return panels_phrase(where(s) for s in states)

    # one link box per phase each way, however many panels that phase spans: a state whose
    # successors are spread over several panels still needs only a box or two beside it
    phases = phase_lines(graph)

    def link_node(direction: str, state: str) -> str:
        return f"{LINK_PREFIX}{direction}:{phase_name(phases[state]).replace(' ', '-')}"

    links: dict[str, list[str]] = {}
    sources: dict[str, set[str]] = {}
    for u, v in dict.fromkeys(graph.edges()):
        if u in own and v not in own and v not in terminal:
            node = link_node("to", v)
            links.setdefault(node, []).append(v)
            sources.setdefault(node, set()).add(u)
        elif v in own and u not in own:
            links.setdefault(link_node("from", u), []).append(u)
    for node, states in links.items():
        direction = node[len(LINK_PREFIX):].split(":", 1)[0]
        unique = tuple(dict.fromkeys(states))
        started = started_drugs(graph, sources.get(node, ()), unique, phases)
        summary = f"{started or link_phase(graph, unique, phases)}: {phrase(unique)}"
        summary = summary if direction == "to" else f"from {summary}"
        # no line of its own: a link box sits beside the state it belongs to
        panel.add_node(node, kind="link", label=summary, line=None,
                       drugs=[], dose=None, schedule=None, drug_class=None, sources=[],
                       beyond_source=False, note=None, link_of=unique, link_direction=direction,
                       link_panels=tuple(where(s) for s in unique), link_rows=tuple(name(s) for s in unique),
                       link_summary=(summary,))

    shared = _events_said_in_box(graph, own, terminal, link_node, panel)
    for u, v, k, data in graph.edges(keys=True, data=True):
        if u not in own and v not in own:
            continue
        edge_phrase = condition_phrase(graph, u, v, k, name_option=True)
        if v in terminal:
            if v not in panel:
                # before the last panel an end state is drawn beside the arrows into it, not in
                # an "End" column of its own: a panel that is not the last has no room to spare
                panel.add_node(v, **graph.nodes[v], beside_source=not last)
            target = v
        elif v in own:
            target = v
        else:
            target = link_node("to", v)
        source = u if u in own else link_node("from", u)
        # an arrow leaving the panel says its event only ("progression → second line: panel 3"); its
        # condition ("if trabectedin chosen") is said where it enters, beside the state it names
        leaving = {"event_only": True} if target.startswith(LINK_PREFIX) else {}
        if target in shared:
            leaving["said_in_link_box"] = True
        panel.add_edge(source, target, key=k, **{**data, "phrase": edge_phrase, "phrase_fixed": True, **leaving})
    if graph.graph.get("initial") not in panel:
        entries = [n for n, d in panel.nodes(data=True) if d.get("link_direction") == "from"]
        panel.graph["initial"] = (entries or list(panel.nodes) or [None])[0]
    return panel


def _events_said_in_box(graph: nx.MultiDiGraph, own: set[str], terminal: set[str], link_node,
                        panel: nx.MultiDiGraph) -> set[str]:
    """The link boxes where the story continues that several of the panel's states reach on the
    same events ("progression or intolerance" from each first-line regimen): each such box says
    the events itself, above where the story goes on ("progression or intolerance:" over "second
    line: panel 3"), and its arrows go unlabelled. A label per arrow said the same words several
    times in one gap, where arrows converging on one box leave no spot to keep them apart. Returns
    those boxes' nodes."""
    from sarcoma_sim.pathways.layout.text import edge_label

    events: dict[str, dict[str, list[str]]] = {}
    for u, v, d in graph.edges(data=True):
        if u in own and v not in own and v not in terminal:
            said = events.setdefault(link_node("to", v), {}).setdefault(u, [])
            if d.get("event") not in said:
                said.append(d.get("event"))
    shared = set()
    for node, by_source in events.items():
        kinds = {tuple(sorted(e for e in said if e)) for said in by_source.values()}
        if len(by_source) < 2 or len(kinds) != 1 or not next(iter(kinds)):
            continue
        first = next(iter(by_source.values()))
        words = " ".join(edge_label([(e, None) for e in first]).split())
        panel.nodes[node]["link_summary"] = (f"{words}:", panel.nodes[node]["label"])
        panel.nodes[node]["link_events"] = words
        shared.add(node)
    return shared


def labelled_arrows(panel: nx.MultiDiGraph) -> nx.MultiDiGraph | None:
    """``panel`` with the events its link boxes say (``_events_said_in_box``) on their arrows again,
    each box saying only where the story goes on; None if no box says any. A cut takes it where the
    panel fits only this way (a wider box can widen a slide whose arrows' gap holds other labels)."""
    return remembered(panel, "labelled arrows", lambda: _labelled_arrows(panel))


def _labelled_arrows(panel: nx.MultiDiGraph) -> nx.MultiDiGraph | None:
    boxes = [n for n, d in panel.nodes(data=True) if d.get("link_events")]
    if not boxes:
        return None
    labelled = panel.copy()
    for node in boxes:
        attrs = labelled.nodes[node]
        attrs["link_summary"] = (attrs["label"],)
        del attrs["link_events"]
        if attrs.get("sized_as"):
            attrs["sized_as"] = attrs["sized_as"][-1:]   # the events' row went onto the arrows
        for _, _, data in labelled.in_edges(node, data=True):
            data.pop("said_in_link_box", None)
    return labelled


def sized_as_measured(panel: nx.MultiDiGraph, measured: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``panel`` (numbered) with each link box at least as large as in ``measured``, the same panel
    with placeholder numbers ("panels 99, 99"). A layout is not monotonic in its boxes' sizes: a
    numbered link box narrower than its placeholder can lay the panel out larger than it was
    measured, too large for the page; sized as measured, it lays out as it was measured."""
    padded = panel.copy()
    for node, attrs in padded.nodes(data=True):
        if attrs.get("link_direction") and node in measured:
            attrs["sized_as"] = tuple(measured.nodes[node].get("link_summary") or ())
    return padded


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
    before the later panels are cut (the states not placed yet count as one more panel)."""
    panel_of_state = {n: i + 1 for i, g in enumerate(earlier) for n in g}
    panel_of_state.update((n, len(earlier) + 1) for n in own)
    return _placeholder_panel(graph, set(own), panel_of_state, last)


def measured_panels(graph: nx.MultiDiGraph, groups: Sequence[Sequence[str]]) -> list[nx.MultiDiGraph]:
    """The graphs of the panels owning ``groups``, their numbers placeholders (``panel_graph``),
    for measuring a cut: a panel's graph does not change when panels before it join or split."""
    panel_of_state = {n: i + 1 for i, g in enumerate(groups) for n in g}
    return [_placeholder_panel(graph, set(g), panel_of_state, i + 1 == len(groups)) for i, g in enumerate(groups)]


def _placeholder_panel(graph: nx.MultiDiGraph, own: set[str], panel_of_state: dict[str, int],
                       last: bool) -> nx.MultiDiGraph:
    """``panel_graph`` with placeholder numbers, made once per pathway graph and what decides it
    while no graph changes (``sarcoma_sim.pathways.unchanged``): the cut measures the same panel
    in many candidate cuts. Its numbers all 99, the panel depends on ``panel_of_state`` only
    through which of its neighbours share a panel (how many panels each link box names)."""
    terminal = {n for n, d in graph.nodes(data=True) if d.get("kind") == "terminal"}
    neighbours = {v for u, v in graph.out_edges(own) if v not in own and v not in terminal} | \
        {u for u, v in graph.in_edges(own) if u not in own}
    shared: dict = {}
    for n in neighbours:
        shared.setdefault(panel_of_state.get(n), set()).add(n)
    question = ("placeholder panel", frozenset(own), last, frozenset(frozenset(s) for s in shared.values()))
    return remembered(graph, question, lambda: panel_graph(graph, own, 99, 99, panel_of_state, last, placeholder=True))


def shown_sources(graph: nx.MultiDiGraph) -> list[dict]:
    """The graph's sources that a state or an arrow drawn in it cites, in the pathway's order."""
    cited: set[str] = set()
    for _, d in graph.nodes(data=True):
        # a dose reduction folded into its drug's box is shown there, so its sources are cited
        cited.update([*(d.get("sources") or []), *(d.get("folded_sources") or [])])
    for *_, d in graph.edges(data=True):
        cited.update(d.get("sources") or [])
    return [s for s in graph.graph.get("sources") or [] if s.get("id") in cited]
