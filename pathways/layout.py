"""Where everything goes in a pathway diagram: a layered, left-to-right layout of the graph.

Pure Python and networkx (no matplotlib), so the exports and the tests use it without a display.
The steps follow Sugiyama's layered drawing, shaped by what a clinician expects to read:

1. *Structure*: transitions between the same two states are merged into one arrow whose label
   lists the events ("progression or intolerance"); a choice that several states share (the GIST
   sunitinib schedule after any imatinib) becomes one decision point drawn before the states it
   branches to; edges that go back in the clinical course (resection back to imatinib) are set
   aside as back edges.
2. *Columns*: workup first, each line of therapy after every earlier line, the end states last;
   within that, longest-path layering of the forward edges.
3. *Order*: long edges get a placeholder in every column they cross, and barycentre sweeps order
   each column to reduce crossings.
4. *Coordinates*: each column is placed as close as possible to its neighbours' heights under
   minimum separations (isotonic regression); gaps between columns are as wide as their labels.
5. *Routes and labels*: edges are cubic Bézier curves between ports spread on the node sides,
   back edges arcs over the top of their nodes; each label goes where it hits no node and no other
   label, and the spacing grows until every label fits.

Coordinates are inches with y growing downwards; ``Layout.width`` and ``Layout.height`` bound the
whole drawing of the graph (labels and arcs included).
"""

from __future__ import annotations

import re
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Sequence

import networkx as nx

STATE = "state"
DECISION = "decision"

ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth")

Point = tuple[float, float]
Segment = tuple[Point, Point, Point, Point]
Measure = Callable[[str], tuple[float, float]]

TITLE_WRAP = 19
DETAIL_WRAP = 24
LABEL_WRAP = 17


# ----------------------------------------------------------------------------------------- text

def node_text(attrs: dict) -> tuple[str, str | None]:
    """The title (the state's label, wrapped) and the regimen detail (wrapped) of a state's box."""
    title = _wrap(str(attrs.get("label") or ""), TITLE_WRAP)
    detail = regimen_detail(attrs)
    return title, (_wrap(detail, DETAIL_WRAP) if detail else None)


def regimen_detail(attrs: dict) -> str | None:
    """Dose and schedule as the source writes them, leaving out what the label already says.

    So "Imatinib 400 mg daily" is not followed by "400 mg daily" again; a regimen named only by
    its class (no drugs) shows the class.
    """
    label = str(attrs.get("label") or "")
    said, words = _squash(label), _words(label)
    parts = [str(p) for p in (attrs.get("dose"), attrs.get("schedule")) if p]
    if not attrs.get("drugs") and attrs.get("drug_class"):
        parts.insert(0, str(attrs["drug_class"]))
    parts = [p for p in parts if _squash(p) not in said and not _words(p) <= words]
    return "; ".join(parts) if parts else None


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w.²/-]+", text.lower()))


NBSP = "\u00a0"
# A number stays with its unit when lines are wrapped ("400 mg", "4 weeks").
_UNIT = re.compile(r"(\d) (mg|g|mcg|µg|mL|weeks?|days?|months?|hours?)\b")


def _wrap(text: str, width: int) -> str:
    """Wrap each line of ``text`` to at most ``width`` characters in as few, evenly long lines as
    possible (no orphan word on a last line), keeping the line breaks it has."""
    out = []
    for line in text.splitlines() or [""]:
        line = _UNIT.sub(lambda m: m.group(1) + NBSP + m.group(2), line).replace(" / ", " /" + NBSP)
        lines = textwrap.wrap(line, width, break_long_words=False) or [line]
        for narrower in range(width - 1, 0, -1):
            attempt = textwrap.wrap(line, narrower, break_long_words=False)
            if not attempt or len(attempt) > len(lines) or max(map(len, attempt)) > narrower:
                break
            lines = attempt
        out.extend(lines)
    return "\n".join(out).replace(NBSP, " ")


def _squash(text: str) -> str:
    return "".join(text.lower().split())


def condition_phrase(graph: nx.MultiDiGraph, source: str, target: str, key) -> str | None:
    """The condition of one transition in plain words, for its arrow's label.

    A condition is the graph's ``when_plain`` ("limited"), except that choosing the edge's own
    target as the ``option`` reads "if chosen", and an unconditioned edge after conditioned
    siblings reads "otherwise" ("default" when the siblings are only options).
    """
    data = graph.edges[source, target, key]
    when, plain = data.get("when"), data.get("when_plain")
    if when:
        own = f"option = {target}"
        if own in when:
            own_plain = target.replace("_", " ")
            if not plain or plain == own_plain:
                return "if chosen"
            return plain.replace(own_plain, "if chosen")
        return plain or when
    earlier = [d for _, _, k, d in graph.out_edges(source, keys=True, data=True)
               if k != key and d.get("event") == data.get("event")
               and d.get("order", 0) < data.get("order", 0)]
    if not earlier:
        return None
    if all(_option_only(d.get("when")) for d in earlier):
        return "default"
    return "otherwise"


def _option_only(when: str | None) -> bool:
    return bool(when) and when.startswith("option = ") and " and " not in when and " or " not in when


def edge_label(events_and_phrases: Sequence[tuple[str, str | None]]) -> str:
    """The label of merged parallel transitions: one line per condition, its events joined by "or".

    ``[("progression", None), ("intolerance", None)]`` gives "progression or intolerance";
    ``[("progression", "limited")]`` gives "progression, limited".
    """
    by_phrase: dict[str | None, list[str]] = {}
    for event, phrase in events_and_phrases:
        events = by_phrase.setdefault(phrase, [])
        if event not in events:
            events.append(event)
    lines = []
    for phrase, events in by_phrase.items():
        said = " or ".join(events)
        if len(said) > LABEL_WRAP:
            said = " or\n".join(events)
        if phrase is None:
            lines.append(said)
        elif "\n" not in said and len(said) + 2 + len(phrase) <= LABEL_WRAP:
            lines.append(f"{said}, {phrase}")
        else:
            lines.append(f"{said},\n{phrase}")
    return "\n".join(lines)


def estimate_text_size(text: str, fontsize: float = 10.0) -> tuple[float, float]:
    """A rough size in inches of ``text`` in a sans-serif font, for layouts computed without fonts."""
    lines = text.split("\n") or [""]
    width = max(len(line) for line in lines) * fontsize * 0.56 / 72
    height = len(lines) * fontsize * 1.2 / 72
    return width, height


# ------------------------------------------------------------------------------------ structure

@dataclass(frozen=True)
class DiagramEdge:
    """One arrow of the diagram: the transitions (``keys``) it stands for and its label."""

    source: str
    target: str
    keys: tuple
    label: str
    back: bool = False
    beyond_source: bool = False


@dataclass(frozen=True)
class Structure:
    """The diagram's nodes (states and decision points) and arrows, before any geometry."""

    states: tuple[str, ...]
    decisions: tuple[str, ...]
    edges: tuple[DiagramEdge, ...]


def back_edge_keys(graph: nx.MultiDiGraph) -> set:
    """Keys of the transitions that go back in the clinical course.

    A transition is a back edge when it leads to a lower line of therapy, or when a depth-first
    walk from the initial state (edges in file order) finds it closing a cycle. Without them the
    graph is acyclic, so it can be drawn left to right.
    """
    back = set()
    for u, v, k in graph.edges(keys=True):
        lu, lv = graph.nodes[u].get("line"), graph.nodes[v].get("line")
        if lu is not None and lv is not None and lv < lu:
            back.add(k)
    initial = graph.graph.get("initial")
    roots = ([initial] if initial in graph else []) + [n for n in graph.nodes if n != initial]
    seen: set = set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        on_stack = {root}
        stack = [(root, iter(_out_edges_in_order(graph, root)))]
        while stack:
            node, edges = stack[-1]
            for _, v, k in edges:
                if k in back:
                    continue
                if v in on_stack:
                    back.add(k)
                elif v not in seen:
                    seen.add(v)
                    on_stack.add(v)
                    stack.append((v, iter(_out_edges_in_order(graph, v))))
                    break
            else:
                stack.pop()
                on_stack.discard(node)
    return back


def _out_edges_in_order(graph: nx.MultiDiGraph, node: str) -> list:
    return sorted(graph.out_edges(node, keys=True), key=lambda e: _key_order(e[2]))


def _key_order(key) -> tuple:
    return (0, key, "") if isinstance(key, (int, float)) else (1, 0, str(key))


def diagram_structure(graph: nx.MultiDiGraph) -> Structure:
    """Merge parallel transitions, make shared choices decision points, and mark back edges."""
    back = back_edge_keys(graph)
    edges = sorted(graph.edges(keys=True, data=True), key=lambda e: _key_order(e[2]))
    phrase = {k: condition_phrase(graph, u, v, k) for u, v, k, _ in edges}
    beyond = {k: bool(d.get("beyond_source")) for _, _, k, d in edges}

    groups: dict[tuple[str, str], list] = defaultdict(list)
    for u, v, k, d in edges:
        if k not in back:
            groups[(u, d.get("event"))].append((d.get("order", 0), _key_order(k), v, k))
    signature_of: dict[tuple[str, str], tuple] = {}
    for group, items in groups.items():
        items.sort()
        signature = tuple((v, phrase[k]) for _, _, v, k in items)
        if len({v for v, _ in signature}) >= 2:
            signature_of[group] = signature
    sources_of: dict[tuple, dict[str, list[str]]] = defaultdict(dict)
    for (u, event), signature in signature_of.items():
        sources_of[signature].setdefault(u, []).append(event)
    shared = [s for s, by_source in sources_of.items() if len(by_source) >= 2]
    shared.sort(key=lambda s: min(_key_order(k) for (u, e), sig in signature_of.items() if sig == s
                                  for *_, k in groups[(u, e)]))

    result: list[DiagramEdge] = []
    decisions: list[str] = []
    in_decision: set = set()
    for number, signature in enumerate(shared, start=1):
        decision = f"decision:{number}"
        decisions.append(decision)
        branch_keys: dict[str, list] = defaultdict(list)
        for u, events in sources_of[signature].items():
            keys = [k for e in events for *_, k in groups[(u, e)]]
            in_decision.update(keys)
            result.append(DiagramEdge(u, decision, tuple(keys), edge_label([(e, None) for e in events]),
                                      beyond_source=all(beyond[k] for k in keys)))
            for *_, v, k in (item for e in events for item in groups[(u, e)]):
                branch_keys[v].append(k)
        for v, p in signature:
            keys = branch_keys[v]
            result.append(DiagramEdge(decision, v, tuple(keys), p or "",
                                      beyond_source=all(beyond[k] for k in keys)))

    merged: dict[tuple[str, str, bool], list] = {}
    for u, v, k, d in edges:
        if k in in_decision:
            continue
        merged.setdefault((u, v, k in back), []).append((k, d.get("event")))
    for (u, v, is_back), items in merged.items():
        keys = tuple(k for k, _ in items)
        label = edge_label([(event, phrase[k]) for k, event in items])
        result.append(DiagramEdge(u, v, keys, label, back=is_back,
                                  beyond_source=all(beyond[k] for k in keys)))
    first_key = {id(e): min(_key_order(k) for k in e.keys) for e in result}
    result.sort(key=lambda e: (e.back, first_key[id(e)]))
    return Structure(tuple(graph.nodes), tuple(decisions), tuple(result))


# ---------------------------------------------------------------------------------------- ranks

def _ranks(graph: nx.MultiDiGraph, structure: Structure) -> dict[str, int]:
    nodes = list(structure.states) + list(structure.decisions)
    forward = [(e.source, e.target) for e in structure.edges if not e.back and e.source != e.target]
    line = {n: graph.nodes[n].get("line") for n in structure.states}
    terminal = {n for n in structure.states if graph.nodes[n].get("kind") == "terminal"
                and not any(e.source == n for e in structure.edges if not e.back)}
    for with_lines in (True, False):
        rank = {n: 0 for n in nodes}
        for _ in range(len(nodes) + 2):
            before = dict(rank)
            for u, v in forward:
                rank[v] = max(rank[v], rank[u] + 1)
            if with_lines:
                lines = sorted({l for l in line.values() if l is not None})
                for earlier, later in zip(lines, lines[1:]):
                    floor = max(rank[n] for n in nodes if line.get(n) == earlier) + 1
                    for n in nodes:
                        if line.get(n) == later:
                            rank[n] = max(rank[n], floor)
            others = [rank[n] for n in nodes if n not in terminal]
            last = max(others) + 1 if others else 0
            for n in terminal:
                rank[n] = max(rank[n], last)
            if rank == before:
                return rank
    return rank


def state_columns(graph: nx.MultiDiGraph) -> dict[str, int]:
    """The diagram column (0 = leftmost) of every state, as the drawing places it."""
    structure = diagram_structure(graph)
    rank = _ranks(graph, structure)
    return {n: rank[n] for n in structure.states}


# ------------------------------------------------------------------------------------- geometry

@dataclass(frozen=True)
class Box:
    """A rectangle centred on (x, y): a state's box, a decision point, or a label."""

    id: str
    kind: str
    x: float
    y: float
    width: float
    height: float
    column: int = -1

    @property
    def left(self) -> float:
        """Smallest x."""
        return self.x - self.width / 2

    @property
    def right(self) -> float:
        """Largest x."""
        return self.x + self.width / 2

    @property
    def top(self) -> float:
        """Smallest y (y grows downwards)."""
        return self.y - self.height / 2

    @property
    def bottom(self) -> float:
        """Largest y."""
        return self.y + self.height / 2

    def overlaps(self, other: "Box", margin: float = 0.0) -> bool:
        """Whether the two rectangles, each grown by ``margin``, intersect."""
        return (self.left - margin < other.right + margin and other.left - margin < self.right + margin
                and self.top - margin < other.bottom + margin and other.top - margin < self.bottom + margin)


@dataclass(frozen=True)
class Route:
    """An arrow's path (cubic Bézier segments, source to target) and its label's place."""

    edge: DiagramEdge
    segments: tuple[Segment, ...]
    label_box: Box | None

    @property
    def points(self) -> list[Point]:
        """Every control point, in order (the path starts at the first and ends at the last)."""
        out = [self.segments[0][0]]
        for seg in self.segments:
            out.extend(seg[1:])
        return out


@dataclass(frozen=True)
class Band:
    """A header over adjacent columns: "Workup", "First line", ..., "End"."""

    title: str
    left: float
    right: float


@dataclass(frozen=True)
class Spacing:
    """Distances of the layout in inches (the layout widens them when labels do not fit)."""

    node_gap: float = 0.55
    dummy_gap: float = 0.35
    min_column_gap: float = 0.55
    label_margin: float = 0.24
    min_node_width: float = 1.4
    decision_size: float = 0.34
    arc_rise: float = 0.32
    port_step: float = 0.13
    margin: float = 0.12


@dataclass(frozen=True)
class Layout:
    """The placed diagram: boxes of states and decisions, routed arrows, column bands, extent."""

    structure: Structure
    boxes: dict[str, Box]
    routes: tuple[Route, ...]
    bands: tuple[Band, ...]
    columns: dict[str, int]
    width: float
    height: float
    collisions: int = 0
    spacing: Spacing = field(default_factory=Spacing)


def layered_layout(graph: nx.MultiDiGraph,
                   node_size: Callable[[str], tuple[float, float]] | None = None,
                   label_size: Measure | None = None,
                   spacing: Spacing | None = None,
                   attempts: int = 6) -> Layout:
    """Lay ``graph`` out left to right; sizes in inches come from the two measuring functions.

    ``node_size(state_id)`` gives a state box's natural (width, height) and ``label_size(text)``
    an edge label's; without them sizes are estimated from the text. When labels collide the
    spacing grows, up to ``attempts`` times; ``Layout.collisions`` counts any left.
    """
    spacing = spacing or Spacing()
    if node_size is None:
        def node_size(state: str) -> tuple[float, float]:
            title, detail = node_text(graph.nodes[state])
            w, h = estimate_text_size(title, 11)
            if detail:
                dw, dh = estimate_text_size(detail, 9)
                w, h = max(w, dw), h + dh + 0.04
            return w + 0.24, h + 0.2
    if label_size is None:
        def label_size(text: str) -> tuple[float, float]:
            return estimate_text_size(text, 9)
    structure = diagram_structure(graph)
    rank = _ranks(graph, structure)
    sizes = {n: node_size(n) for n in structure.states}
    label_sizes = {e.label: label_size(e.label) for e in structure.edges if e.label}
    best = None
    for _ in range(max(1, attempts)):
        layout = _place(graph, structure, rank, sizes, label_sizes, spacing)
        if best is None or layout.collisions < best.collisions:
            best = layout
        if layout.collisions == 0:
            break
        spacing = Spacing(**{**spacing.__dict__,
                             "node_gap": spacing.node_gap * 1.3,
                             "dummy_gap": spacing.dummy_gap * 1.3,
                             "min_column_gap": spacing.min_column_gap + 0.15,
                             "label_margin": spacing.label_margin + 0.08})
    return best


def _place(graph, structure: Structure, rank: dict[str, int], sizes, label_sizes,
           spacing: Spacing) -> Layout:
    n_columns = max(rank.values()) + 1 if rank else 0
    layers: list[list] = [[] for _ in range(n_columns)]
    chains: list[list] = []
    for i, edge in enumerate(structure.edges):
        ru, rv = rank[edge.source], rank[edge.target]
        step = 1 if rv > ru else -1
        between = list(range(ru + step, rv, step)) if abs(rv - ru) > 1 else []
        dummies = [("dummy", i, c) for c in between]
        chains.append([edge.source, *dummies, edge.target])
        for d in dummies:
            layers[d[2]].append(d)
    for n in list(structure.states) + list(structure.decisions):
        layers[rank[n]].append(n)

    _order_layers(graph, structure, layers, chains)

    arcs_top = {}
    for i, edge in enumerate(structure.edges):
        if edge.back and abs(rank[edge.source] - rank[edge.target]) <= 1:
            arcs_top[i] = True

    height_of = {}
    for n in structure.states:
        height_of[n] = sizes[n][1]
    for d in structure.decisions:
        height_of[d] = spacing.decision_size
    arc_room_above: dict[str, float] = defaultdict(float)
    for i in arcs_top:
        edge = structure.edges[i]
        label_h = label_sizes.get(edge.label, (0, 0))[1]
        room = spacing.arc_rise + label_h / 2 + spacing.margin
        for n in (edge.source, edge.target):
            arc_room_above[n] = max(arc_room_above[n], room)

    def item_height(item) -> float:
        return 0.0 if isinstance(item, tuple) else height_of[item]

    def separation(a, b) -> float:
        real_a, real_b = not isinstance(a, tuple), not isinstance(b, tuple)
        gap = spacing.node_gap if (real_a and real_b) else spacing.dummy_gap
        return item_height(a) / 2 + item_height(b) / 2 + gap + arc_room_above.get(b, 0.0)

    neighbours: dict = defaultdict(list)
    for chain in chains:
        for a, b in zip(chain, chain[1:]):
            if a != b:
                neighbours[a].append(b)
                neighbours[b].append(a)

    y = {}
    for layer in layers:
        pos = 0.0
        for j, item in enumerate(layer):
            if j:
                pos += separation(layer[j - 1], item)
            y[item] = pos
        shift = pos / 2
        for item in layer:
            y[item] -= shift
    column_of = {item: c for c, layer in enumerate(layers) for item in layer}
    for sweep in range(10):
        order = range(n_columns) if sweep % 2 == 0 else range(n_columns - 1, -1, -1)
        for c in order:
            layer = layers[c]
            if not layer:
                continue
            desired, weights = [], []
            for item in layer:
                near = [y[m] for m in neighbours[item] if column_of[m] != c]
                desired.append(sum(near) / len(near) if near else y[item])
                weights.append(2.0 if isinstance(item, tuple) else 1.0)
            gaps = [separation(a, b) for a, b in zip(layer, layer[1:])]
            for item, value in zip(layer, _spaced_isotonic(desired, weights, gaps)):
                y[item] = value

    _straighten(chains, layers, column_of, y, separation)

    widths = []
    for layer in layers:
        real = [sizes[n][0] for n in layer if n in sizes]
        if real:
            widths.append(max(max(real), spacing.min_node_width))
        elif any(not isinstance(n, tuple) for n in layer):
            widths.append(spacing.decision_size)
        else:
            widths.append(0.3)

    label_gap = _assign_label_gaps(structure, rank, chains, arcs_top)
    gap_widths = [spacing.min_column_gap] * max(0, n_columns - 1)
    for i, g in label_gap.items():
        edge = structure.edges[i]
        if g is not None and edge.label:
            gap_widths[g] = max(gap_widths[g], label_sizes[edge.label][0] + 2 * spacing.label_margin)
    x_col = []
    pos = 0.0
    for c in range(n_columns):
        if c:
            pos += widths[c - 1] / 2 + gap_widths[c - 1] + widths[c] / 2
        x_col.append(pos)

    boxes: dict[str, Box] = {}
    for n in structure.states:
        c = rank[n]
        boxes[n] = Box(n, STATE, x_col[c], y[n], widths[c], sizes[n][1], c)
    for d in structure.decisions:
        c = rank[d]
        boxes[d] = Box(d, DECISION, x_col[c], y[d], spacing.decision_size, spacing.decision_size, c)

    def column_bounds(c: int) -> tuple[float, float]:
        return x_col[c] - widths[c] / 2, x_col[c] + widths[c] / 2

    out_ports, in_ports = _ports(structure, chains, boxes, y, spacing, arcs_top)
    routes_geometry: dict[int, list[Segment]] = {}
    for i, (edge, chain) in enumerate(zip(structure.edges, chains)):
        if edge.source == edge.target:
            routes_geometry[i] = _self_loop(boxes[edge.source], spacing)
        elif i in arcs_top:
            routes_geometry[i] = _arc(boxes[edge.source], boxes[edge.target], spacing)
        elif edge.back:
            routes_geometry[i] = _back_route(chain, boxes, y, column_bounds, spacing)
        else:
            routes_geometry[i] = _forward_route(i, chain, boxes, y, column_bounds, out_ports, in_ports)

    obstacles = [b for b in boxes.values()]
    placed: list[Box] = []
    label_boxes: dict[int, Box | None] = {}
    collisions = 0
    order = sorted(range(len(structure.edges)), key=lambda i: (i not in arcs_top, i))
    samples = {i: _sample(segs) for i, segs in routes_geometry.items()}
    for i in order:
        edge = structure.edges[i]
        if not edge.label:
            label_boxes[i] = None
            continue
        w, h = label_sizes[edge.label]
        candidates = _label_candidates(i, routes_geometry[i], label_gap.get(i), column_bounds,
                                       arcs_top, structure, rank)
        best, best_score = None, None
        for penalty, (cx, cy) in candidates:
            box = Box(f"label:{i}", "label", cx, cy, w + 0.06, h + 0.04)
            hits = sum(box.overlaps(o, 0.06) for o in obstacles) + sum(box.overlaps(o, 0.07) for o in placed)
            crossing = sum(weight for j, pts in samples.items() if j != i
                           for (px, py), weight in pts if box.left < px < box.right and box.top < py < box.bottom)
            score = (hits, crossing * 0.25 + penalty)
            if best_score is None or score < best_score:
                best, best_score = box, score
        if best_score is not None and best_score[0]:
            collisions += 1
        label_boxes[i] = best
        if best is not None:
            placed.append(best)

    routes = tuple(Route(edge, tuple(routes_geometry[i]), label_boxes.get(i))
                   for i, edge in enumerate(structure.edges))
    return _normalise(graph, structure, boxes, routes, layers, rank, x_col, widths, gap_widths,
                      collisions, spacing)


def _order_layers(graph, structure: Structure, layers: list[list], chains: list[list]) -> None:
    discovery: dict = {}
    initial = graph.graph.get("initial")
    adjacency: dict = defaultdict(list)
    for edge in structure.edges:
        if not edge.back:
            adjacency[edge.source].append(edge.target)
    roots = ([initial] if initial in structure.states else []) + list(structure.states)
    for root in roots:
        stack = [root]
        while stack:
            node = stack.pop()
            if node in discovery:
                continue
            discovery[node] = len(discovery)
            stack.extend(reversed(adjacency[node]))
    for d in structure.decisions:
        discovery.setdefault(d, len(discovery))
    for chain in chains:
        for item in chain[1:-1]:
            discovery[item] = discovery[chain[0]] + 0.5 + 0.01 * item[1]
    for layer in layers:
        layer.sort(key=lambda item: discovery[item])

    links: dict = defaultdict(list)
    for chain in chains:
        for a, b in zip(chain, chain[1:]):
            if a != b:
                links[a].append(b)
                links[b].append(a)
    column_of = {item: c for c, layer in enumerate(layers) for item in layer}

    def crossings() -> int:
        total = 0
        for c in range(len(layers) - 1):
            pos_a = {item: j for j, item in enumerate(layers[c])}
            pos_b = {item: j for j, item in enumerate(layers[c + 1])}
            segs = [(pos_a[a], pos_b[b]) for a in layers[c] for b in links[a] if b in pos_b]
            total += sum(1 for s in range(len(segs)) for t in range(s + 1, len(segs))
                         if (segs[s][0] - segs[t][0]) * (segs[s][1] - segs[t][1]) < 0)
        return total

    best = [list(layer) for layer in layers]
    best_crossings = crossings()
    for sweep in range(8):
        forward = sweep % 2 == 0
        order = range(1, len(layers)) if forward else range(len(layers) - 2, -1, -1)
        for c in order:
            ref = c - 1 if forward else c + 1
            pos = {item: j for j, item in enumerate(layers[ref])}
            current = {item: j for j, item in enumerate(layers[c])}

            def barycentre(item):
                near = [pos[m] for m in links[item] if column_of[m] == ref]
                return (sum(near) / len(near) if near else current[item], current[item])
            layers[c].sort(key=barycentre)
        now = crossings()
        if now < best_crossings:
            best, best_crossings = [list(layer) for layer in layers], now
    for layer, kept in zip(layers, best):
        layer[:] = kept


def _spaced_isotonic(desired: Sequence[float], weights: Sequence[float], gaps: Sequence[float]) -> list[float]:
    """Positions closest (weighted least squares) to ``desired`` keeping consecutive ``gaps``."""
    offsets = [0.0]
    for g in gaps:
        offsets.append(offsets[-1] + g)
    targets = [d - o for d, o in zip(desired, offsets)]
    blocks: list[list[float]] = []
    for t, w in zip(targets, weights):
        blocks.append([t * w, w, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, w2, n = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += w2
            blocks[-1][2] += n
    z = []
    for s, w, n in blocks:
        z.extend([s / w] * n)
    return [zi + o for zi, o in zip(z, offsets)]


def _straighten(chains, layers, column_of, y, separation) -> None:
    """Put each long edge's placeholders on one height where the columns leave room, so it runs straight."""
    for chain in sorted(chains, key=len, reverse=True):
        dummies = chain[1:-1]
        if len(dummies) < 2:
            continue
        options = [y[chain[0]], y[chain[-1]], sorted(y[d] for d in dummies)[len(dummies) // 2]]
        for value in options:
            if all(_fits(d, value, layers[column_of[d]], y, separation) for d in dummies):
                for d in dummies:
                    y[d] = value
                break


def _fits(item, value: float, layer: list, y, separation) -> bool:
    j = layer.index(item)
    if j > 0 and value - y[layer[j - 1]] < separation(layer[j - 1], item) - 1e-9:
        return False
    if j + 1 < len(layer) and y[layer[j + 1]] - value < separation(item, layer[j + 1]) - 1e-9:
        return False
    return True


def _assign_label_gaps(structure: Structure, rank, chains, arcs_top) -> dict[int, int | None]:
    """The gap (between column g and g+1) where each forward arrow's label goes."""
    count: dict[int, int] = defaultdict(int)
    choice: dict[int, int | None] = {}
    spans = {}
    for i, edge in enumerate(structure.edges):
        if i in arcs_top or edge.source == edge.target:
            choice[i] = None
            continue
        ru, rv = rank[edge.source], rank[edge.target]
        spans[i] = list(range(min(ru, rv), max(ru, rv)))
    for i in sorted(spans, key=lambda i: (len(spans[i]), i)):
        options = spans[i]
        if len(options) != 1:
            choice[i] = None
            continue
        g = min(options, key=lambda g: (count[g], options.index(g)))
        choice[i] = g
        if structure.edges[i].label:
            count[g] += 1
    return choice


def _ports(structure, chains, boxes, y, spacing, arcs_top):
    """Where each arrow leaves and enters a state: spread along the side, ordered by direction."""
    leaving: dict[str, list] = defaultdict(list)
    entering: dict[str, list] = defaultdict(list)
    for i, (edge, chain) in enumerate(zip(structure.edges, chains)):
        if edge.back or edge.source == edge.target:
            continue
        leaving[edge.source].append((y[chain[1]], i))
        entering[edge.target].append((y[chain[-2]], i))
    out_ports, in_ports = {}, {}
    for ports, table in ((out_ports, leaving), (in_ports, entering)):
        for node, items in table.items():
            box = boxes[node]
            items.sort()
            if box.kind == DECISION or len(items) == 1:
                for _, i in items:
                    ports[i] = box.y
                continue
            step = min(spacing.port_step, box.height * 0.6 / (len(items) - 1))
            start = box.y - step * (len(items) - 1) / 2
            for j, (_, i) in enumerate(items):
                ports[i] = start + j * step
    return out_ports, in_ports


def _s_curve(p0: Point, p1: Point) -> Segment:
    dx = (p1[0] - p0[0]) / 2
    return (p0, (p0[0] + dx, p0[1]), (p1[0] - dx, p1[1]), p1)


def _straight(p0: Point, p1: Point) -> Segment:
    return (p0, (p0[0] + (p1[0] - p0[0]) / 3, p0[1] + (p1[1] - p0[1]) / 3),
            (p0[0] + 2 * (p1[0] - p0[0]) / 3, p0[1] + 2 * (p1[1] - p0[1]) / 3), p1)


def _forward_route(i, chain, boxes, y, column_bounds, out_ports, in_ports) -> list[Segment]:
    source, target = boxes[chain[0]], boxes[chain[-1]]
    points: list[tuple[Point, Point]] = []
    for item in chain[1:-1]:
        left, right = column_bounds(item[2])
        points.append(((left, y[item]), (right, y[item])))
    start = (source.right, out_ports.get(i, source.y))
    end = (target.left, in_ports.get(i, target.y))
    segments = []
    current = start
    for entry, exit_ in points:
        segments.append(_s_curve(current, entry))
        segments.append(_straight(entry, exit_))
        current = exit_
    segments.append(_s_curve(current, end))
    return segments


def _arc(source: Box, target: Box, spacing: Spacing) -> list[Segment]:
    """An arc over the top from ``source`` to ``target`` (adjacent columns, either direction)."""
    inset_s = source.width * 0.22
    inset_t = target.width * 0.22
    if source.x >= target.x:
        x0, x1 = source.left + inset_s, target.right - inset_t
    else:
        x0, x1 = source.right - inset_s, target.left + inset_t
    y0, y1 = source.top, target.top
    peak = min(y0, y1) - spacing.arc_rise
    lift = (peak - min(y0, y1)) * 4 / 3
    return [((x0, y0), (x0, min(y0, y1) + lift), (x1, min(y0, y1) + lift), (x1, y1))]


def _self_loop(box: Box, spacing: Spacing) -> list[Segment]:
    x0, x1 = box.x + box.width * 0.15, box.x - box.width * 0.15
    top = box.top - spacing.arc_rise * 4 / 3
    return [((x0, box.top), (x0 + 0.3, top), (x1 - 0.3, top), (x1, box.top))]


def _back_route(chain, boxes, y, column_bounds, spacing) -> list[Segment]:
    """A back edge across several columns: up out of its source, along its placeholders, down in."""
    source, target = boxes[chain[0]], boxes[chain[-1]]
    dummies = chain[1:-1]
    first_y, last_y = y[dummies[0]], y[dummies[-1]]
    start = (source.left + source.width * 0.22, source.top if first_y < source.y else source.bottom)
    end = (target.right - target.width * 0.22, target.top if last_y < target.y else target.bottom)
    segments = []
    right0 = column_bounds(dummies[0][2])[1]
    segments.append((start, (start[0], first_y), (right0 + (start[0] - right0) / 2, first_y), (right0, first_y)))
    current = (right0, first_y)
    for item in dummies:
        left, right = column_bounds(item[2])
        if abs(current[0] - right) > 1e-9:
            segments.append(_s_curve(current, (right, y[item])))
        segments.append(_straight((right, y[item]), (left, y[item])))
        current = (left, y[item])
    segments.append((current, (end[0] + (current[0] - end[0]) / 2, current[1]), (end[0], current[1]), end))
    return segments


def bezier_point(segment: Segment, t: float) -> Point:
    """The point at parameter ``t`` (0..1) of a cubic Bézier segment."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = segment
    a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
    return (a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3)


def _sample(segments: Sequence[Segment], per_segment: int = 12) -> list[tuple[Point, float]]:
    """Points along a route, each with how much covering it costs (arrowheads most)."""
    points = []
    for n, s in enumerate(segments):
        for j in range(per_segment + 1):
            near_head = n == len(segments) - 1 and j >= per_segment - 2
            points.append((bezier_point(s, j / per_segment), 4.0 if near_head else 1.0))
    return points


def _label_candidates(i, segments, gap, column_bounds, arcs_top, structure, rank):
    """Label centres to try, each with a small penalty for leaving the preferred spot."""
    if i in arcs_top or structure.edges[i].source == structure.edges[i].target:
        return [(0.0, bezier_point(segments[0], 0.5))]
    if gap is None:
        out = []
        for j, seg in enumerate(segments):
            straight = abs(seg[0][1] - seg[3][1]) < 1e-9 and len(segments) > 1
            for t in ((0.5,) if straight else (0.5, 0.4, 0.6)):
                out.append(((0.0 if straight else 0.6) + abs(t - 0.5) + 0.01 * j, bezier_point(seg, t)))
        return out
    right_of_gap = column_bounds(gap)[1]
    left_of_next = column_bounds(gap + 1)[0]
    in_gap = [s for s in segments
              if min(s[0][0], s[3][0]) >= right_of_gap - 1e-6 and max(s[0][0], s[3][0]) <= left_of_next + 1e-6]
    if not in_gap:
        in_gap = [segments[len(segments) // 2]]
    out = []
    for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        out.append((abs(t - 0.5), bezier_point(in_gap[0], t)))
    return out


def _normalise(graph, structure, boxes, routes, layers, rank, x_col, widths, gap_widths,
               collisions, spacing) -> Layout:
    xs, ys = [], []
    for b in boxes.values():
        xs += [b.left, b.right]
        ys += [b.top, b.bottom]
    for r in routes:
        for px, py in r.points:
            xs.append(px)
            ys.append(py)
        if r.label_box:
            xs += [r.label_box.left, r.label_box.right]
            ys += [r.label_box.top, r.label_box.bottom]
    if not xs:
        xs, ys = [0.0], [0.0]
    dx = spacing.margin - min(xs)
    dy = spacing.margin - min(ys)

    def move(b: Box | None) -> Box | None:
        if b is None:
            return None
        return Box(b.id, b.kind, b.x + dx, b.y + dy, b.width, b.height, b.column)

    def shift(p: Point) -> Point:
        return (p[0] + dx, p[1] + dy)

    boxes = {k: move(b) for k, b in boxes.items()}
    routes = tuple(Route(r.edge, tuple(tuple(shift(p) for p in s) for s in r.segments), move(r.label_box))
                   for r in routes)
    bands = _bands(graph, layers, rank, [x + dx for x in x_col], widths, gap_widths)
    columns = {n: rank[n] for n in structure.states}
    return Layout(structure, boxes, routes, bands, columns,
                  width=max(xs) - min(xs) + 2 * spacing.margin,
                  height=max(ys) - min(ys) + 2 * spacing.margin,
                  collisions=collisions, spacing=spacing)


def line_title(line: int) -> str:
    """"First line", "Second line", ... ("Line 11" beyond the tenth)."""
    return f"{ORDINALS[line - 1]} line" if 1 <= line <= len(ORDINALS) else f"Line {line}"


def _bands(graph, layers, rank, x_col, widths, gap_widths) -> tuple[Band, ...]:
    """Headers over the columns: workup, each line of therapy, end; shared columns join a band."""
    titles: list[str | None] = []

    def layer_of(c: int) -> list:
        return [n for n in layers[c] if not isinstance(n, tuple)]

    for layer in layers:
        kinds = {graph.nodes[n].get("kind") for n in layer if n in graph}
        lines = sorted({graph.nodes[n].get("line") for n in layer if n in graph} - {None})
        if lines:
            titles.append(line_title(lines[0]) if len(lines) == 1 else
                          f"{line_title(lines[0])}–{line_title(lines[-1]).split()[0].lower()} line")
        elif kinds == {"workup"}:
            titles.append("Workup")
        elif kinds and kinds <= {"terminal"}:
            titles.append("End")
        else:
            titles.append(None)
    for c, title in enumerate(titles):
        if title is None:
            before = next((t for t in reversed(titles[:c]) if t), None)
            after = next((t for t in titles[c + 1:] if t), None)
            if before is not None and before == after:
                titles[c] = before
            elif after is not None and layer_of(c) and all(n not in graph for n in layer_of(c)):
                titles[c] = after
    bands: list[Band] = []
    for c, title in enumerate(titles):
        half_before = gap_widths[c - 1] / 2 if c > 0 else 0.15
        half_after = gap_widths[c] / 2 if c < len(gap_widths) else 0.15
        left = x_col[c] - widths[c] / 2 - half_before
        right = x_col[c] + widths[c] / 2 + half_after
        if title is None:
            continue
        if bands and bands[-1].title == title and abs(bands[-1].right - left) < 1e-6:
            bands[-1] = Band(title, bands[-1].left, right)
        else:
            bands.append(Band(title, left, right))
    return tuple(bands)
