"""A pathway cut into linked panels that each fit a preset's canvas (a slide, a page), by clinical phase.

``preset_graphs`` gives the graph a preset draws (dose reductions folded into their drug's box).
A panel's fit is decided by composing it at the preset's sizes (``figure._compose``, sizes only),
by ``PanelFit``; the panels' structure (link boxes, phases) comes from ``sarcoma_sim.pathways.panels``.
Cuts are kept for the process, and those made in worker processes are remembered here
(``remember_panels``). ``panel_fitting`` and ``unfit_panels`` check any other cut of a pathway.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from typing import Sequence

import networkx as nx

from sarcoma_sim.pathways.draw.diagram import (
    _graph_of,
    clear_within,
    diagram_bound,
    diagram_layout,
    graph_fingerprint,
    highlighted_keys,
)
from sarcoma_sim.pathways.draw.figure import _compose, page_room
from sarcoma_sim.pathways.draw.measure import _TextMeasure
from sarcoma_sim.pathways.draw.style import PRESETS, Preset
from sarcoma_sim.pathways.model import Pathway
from sarcoma_sim.pathways.unchanged import unchanged_graphs


def preset_graphs(pathway_or_graph, highlight: Sequence[str] | None = None) -> tuple:
    """``(graph, folded, path_keys)``: the pathway's graph, the graph drawn at a preset (dose
    reductions folded into their drug's box, see ``sarcoma_sim.pathways.fold``) and the keys of the
    drawn arrows along ``highlight`` (None without one), which is checked on the whole graph."""
    from sarcoma_sim.pathways.fold import drawing_graph, fold_reductions, folded_path_keys

    if isinstance(pathway_or_graph, Pathway):
        graph, file = drawing_graph(pathway_or_graph), pathway_or_graph.file or pathway_or_graph.id
    else:
        graph, file = _graph_of(pathway_or_graph)
    if isinstance(highlight, str):
        highlight = [highlight]
    if highlight is not None:
        highlighted_keys(graph, highlight, file)
    folded = fold_reductions(graph)
    return graph, folded, folded_path_keys(folded, highlight) if highlight is not None else None


def preset_panels(pathway_or_graph, preset: Preset, highlight: Sequence[str] | None = None,
                  direction: str = "right") -> list:
    """The pathway cut into linked panels that fit ``preset``, by clinical phase (see
    ``_phase_groups``), its dose reductions for toxicity folded into their drug's box where that
    loses nothing. Computed once per pathway, preset, highlight and direction in a process, and
    kept on disk for the next run (``sarcoma_sim.pathways.draw.panel_store``)."""
    graph, folded, path_keys = preset_graphs(pathway_or_graph, highlight)
    if isinstance(highlight, str):
        highlight = [highlight]
    path = tuple(highlight) if highlight is not None else None
    key = (graph_fingerprint(graph), preset, path, direction)
    found = _PANELS.get(key)
    if found is None:
        from sarcoma_sim.pathways.draw.panel_store import entry_name, load, store
        from sarcoma_sim.pathways.layout.text import wrap_widths

        # nothing changes a graph while the panels are cut: each graph's fingerprint is worked out once
        with wrap_widths(*preset.wraps), unchanged_graphs():
            name = entry_name(graph_fingerprint(folded), preset, path, direction)
            found = load(name, folded)
            if found is None:
                found = _preset_panels(graph, folded, preset, highlight, path_keys, direction)
                store(name, folded, found)
        if len(_PANELS) >= 64:
            _PANELS.clear()
        _PANELS[key] = found
    return list(found)


_PANELS: dict[tuple, list] = {}


def remember_panels(subtype: str, preset: str, direction: str, panels: list) -> None:
    """Keep ``panels``, cut elsewhere (``sarcoma_sim.pathways.parallel``), as the shipped ``subtype``'s
    panels at the named preset and direction, so ``preset_panels`` returns them without cutting."""
    from sarcoma_sim.pathways.load import load_subtype

    graph = preset_graphs(load_subtype(subtype))[0]
    if len(_PANELS) >= 64:
        _PANELS.clear()
    _PANELS[(graph_fingerprint(graph), PRESETS[preset], None, direction)] = list(panels)


class PanelFit:
    """Whether a panel (a graph with its link boxes, ``panels.panel_graph``) fits a preset's canvas,
    and at which widths (title, regimen, arrow label, link box: characters a line): each check
    composes the panel at the preset's sizes (``figure._compose``, sizes only).

    The widths are tried in the preset's order: ``tries`` (the preset's own, wider labels, wide
    boxes, wider link boxes), then ``more`` (every other pairing, the narrow boxes and the
    preset's last resorts), each also with a panel's link-box events back on its arrows
    (``panels.labelled_arrows``). ``quick`` is the few widths tried while a cut is searched.
    """

    def __init__(self, names: nx.MultiDiGraph, graph: nx.MultiDiGraph, preset: Preset,
                 highlight: Sequence[str] | None, path_keys, direction: str = "right"):
        self.names, self.graph, self.preset = names, graph, preset
        self.highlight, self.path_keys, self.direction = highlight, path_keys, direction
        self.measure = _TextMeasure()
        self.spacing = preset.spacing_for(direction)
        title_wrap, detail_wrap, label_wrap = preset.wraps
        wide = preset.wide_wraps
        self.tries = [(title_wrap, detail_wrap, label, None) for label in (label_wrap, preset.label_wraps[0])] + \
            [(*wide, label, None) for label in (label_wrap, preset.label_wraps[0])] + \
            [(title_wrap, detail_wrap, label_wrap, link) for link in preset.link_wraps]
        # every pairing, tried only on a finished panel that fits no other way (fitting is not
        # monotonic in either width: wider labels let boxes sit closer, or push them apart), and the
        # narrower boxes, for a pathway that fits whole only with them (PEComa on a slide)
        # last of all, the preset's last resorts: boxes narrower still with narrow "from" link boxes
        # (drawn right, a slide is short of width), or much wider boxes (drawn down, short of height)
        self.last_resort = [(title, detail, label or label_wrap, link)
                            for title, detail, label, link in preset.last_wraps_for(direction)]
        narrow = [(*preset.narrow_wraps, label_wrap, None)] + self.last_resort
        more = [(title_wrap, detail_wrap, label, None) for label in preset.label_wraps[1:]] + \
            [(*wide, label, None) for label in preset.label_wraps[1:]] + \
            [(title_wrap, detail_wrap, label, link) for label in preset.label_wraps for link in preset.link_wraps]
        self.more = [t for t in more + narrow if t not in self.tries]
        # while cutting, a panel is tried at a few widths only (each try is a layout); the finished
        # panels are then fitted at every width
        self.quick = list(dict.fromkeys([
            self.tries[0], self.tries[1], (title_wrap, detail_wrap, label_wrap, preset.link_wraps[-1]),
            (*wide, label_wrap, None), (*wide, preset.label_wraps[0], None)]))
        self._final: dict[tuple, tuple | bool] = {}
        # every panel is measured under the longest title it can have
        self.heading = f"{graph.graph.get('name')} (panel 99 of 99)"

    @staticmethod
    def drawn_ways(panel: nx.MultiDiGraph) -> list[nx.MultiDiGraph]:
        """``panel`` as it is, then with its link boxes' events on their arrows (``panels.labelled_arrows``) if any."""
        from sarcoma_sim.pathways.panels import labelled_arrows

        other = labelled_arrows(panel)
        return [panel] if other is None else [panel, other]

    def variant_fit(self, panel: nx.MultiDiGraph, extra=(),
                    clean: bool = False) -> tuple[nx.MultiDiGraph, tuple] | None:
        """(graph, widths): the first (title, regimen, label, link) widths at which ``panel`` fits
        (link None: the preset's own), with no arrow label on a box or another label if ``clean``;
        as it is (a link box saying the events its arrows share), else with those events on its
        arrows again (``panels.labelled_arrows``), where only that fits. None if neither does."""
        for variant in self.drawn_ways(panel):
            for title, detail, label, link in (list(extra) if extra else self.tries):
                if self.fits_at(variant, title, detail, label, link, clean=clean):
                    return variant, (title, detail, label, link)
        return None

    def fitting_link_wrap(self, panel: nx.MultiDiGraph, extra=(), clean: bool = False):
        """The widths of ``variant_fit``, False if none."""
        found = self.variant_fit(panel, extra, clean)
        return found[1] if found is not None else False

    def least_colliding(self, panel: nx.MultiDiGraph) -> tuple[nx.MultiDiGraph, tuple] | None:
        """Of every width ``panel`` fits at (either way its link boxes are said, ``variant_fit``), the
        (graph, widths) whose arrow labels collide least (the first such); None if it fits at none.
        For a panel kept whole though no width keeps it clear."""
        from sarcoma_sim.pathways.layout.text import wrap_widths

        best: tuple[nx.MultiDiGraph, tuple] | None = None
        fewest = None
        for variant in self.drawn_ways(panel):
            for title, detail, label, link in self.tries + self.more:
                if self.fits_at(variant, title, detail, label, link, clean=False):
                    with wrap_widths(title, detail, label, link=link):
                        collisions = diagram_layout(variant, self.measure, self.preset.typography, self.spacing,
                                                    self.direction).collisions
                    if fewest is None or collisions < fewest:
                        best, fewest = (variant, (title, detail, label, link)), collisions
        return best

    def fits_at(self, panel: nx.MultiDiGraph, title, detail, label, link, clean: bool) -> bool:
        """Whether ``panel`` fits the page at these widths (its labels clear too, if ``clean``)."""
        from sarcoma_sim.pathways.layout.text import wrap_widths

        preset, measure, spacing, direction = self.preset, self.measure, self.spacing, self.direction
        with wrap_widths(title, detail, label, link=link):
            def room(layout) -> tuple[float, float]:
                width, height = page_room(panel, layout, (preset.width, preset.height), title=self.heading,
                                          highlight=self.highlight, names=self.names,
                                          typography=preset.typography, measure=measure, margin=preset.margin)
                return width + 1e-6, height + 1e-6

            # the diagram larger than the room the page leaves it (``page_room``) on its lower
            # bound: no need to lay it out; its first attempt too long: no need to compose the
            # slide around it
            bound, limit = diagram_bound(panel, measure, preset.typography, spacing, direction), room(None)
            if bound[0] > limit[0] or bound[1] > limit[1]:
                return False
            alone = diagram_layout(panel, measure, preset.typography, spacing, direction, attempts=1)
            limit = room(alone)
            # along the lines of therapy a layout only grows with more attempts (see
            # ``layout.layered_layout_within``); across them it may end narrower, so its first
            # attempt is held only to the page with room for a title
            length, length_limit = (alone.height, limit[1]) if direction == "down" else (alone.width, limit[0])
            across = alone.width > preset.width if direction == "down" else alone.height + 0.6 > preset.height
            if length > length_limit or across:
                return False
            # asked to be clear: a layout whose spacing grew past the room with labels still
            # colliding is not grown further, nor composed
            if clean and not clear_within(panel, length_limit, measure, preset.typography, spacing, direction):
                return False
            w, h = self._composed(panel)
            if clean and diagram_layout(panel, measure, preset.typography, spacing, direction).collisions:
                return False
        return w <= preset.width + 1e-6 and h <= preset.height + 1e-6

    def _composed(self, panel: nx.MultiDiGraph) -> tuple[float, float]:
        preset = self.preset
        _, size = _compose(panel, None, self.highlight, title=self.heading, typography=preset.typography,
                           page=(preset.width, preset.height), path_keys=self.path_keys, measure=self.measure,
                           names=self.names, spacing=self.spacing, margin=preset.margin, direction=self.direction,
                           size_only=True)
        return size

    def size_at(self, panel: nx.MultiDiGraph, title, detail, label, link) -> tuple[float, float]:
        """The (width, height) in inches ``panel`` composes to at these widths, fit or not: how far
        a panel is from fitting the preset's canvas."""
        from sarcoma_sim.pathways.layout.text import wrap_widths

        with wrap_widths(title, detail, label, link=link):
            return self._composed(panel)

    def widest_labels(self, panel: nx.MultiDiGraph, wraps: tuple) -> tuple:
        """``wraps`` with the widest arrow-label width at which ``panel`` still fits with its labels
        clear: a panel with room to spare (one drug and the conditions leading to it) gets labels
        of a few long lines, not a tower of one- and two-word lines beside its box."""
        title, detail, label, link = wraps
        for wider in sorted((w for w in self.preset.label_wraps if w > label), reverse=True):
            if self.fits_at(panel, title, detail, wider, link, clean=True):
                return title, detail, wider, link
        return wraps

    def quick_wrap(self, panel: nx.MultiDiGraph):
        """The first of the ``quick`` widths ``panel`` fits at, False if none: the check while a cut is searched."""
        return self.fitting_link_wrap(panel, extra=self.quick)

    def final_wrap(self, panel: nx.MultiDiGraph, clean: bool = True):
        """The widths a numbered panel fits at with its arrow labels clear of boxes and of each
        other (every pairing tried), False if none; once per panel. A panel whose labels collide at
        every width that fits is cut again (``_settled_groups``), as one too large would be; with
        ``clean`` False, the widths it fits at anyway are the fallback."""
        key = (graph_fingerprint(panel), clean)
        if key not in self._final:
            more = self.more
            found = self.fitting_link_wrap(panel, clean=True) or (
                self.fitting_link_wrap(panel, extra=more, clean=True) if more else False)
            if found is False and not clean:
                # while cutting, whether it fits at all is the question: the first width that fits
                # answers it (the widths it is drawn at are chosen once, for the finished panel)
                found = self.fitting_link_wrap(panel) or (self.fitting_link_wrap(panel, extra=more) if more else False)
            self._final[key] = found
        return self._final[key]

    def drawn(self, panel, measured: nx.MultiDiGraph):
        """``panel`` (a numbered ``panels.Panel``) as drawn: its graph and the widths it is drawn at.

        Numbered, a link box's text is no longer than its placeholder's (``measured``): the widths
        the measured panel fits at are checked once, and searched again only if the panel grew after
        all (only a single state too large for the page, or whose labels collide at every width that
        fits, keeps its panel oversized or its labels overlapping: the tests catch it)."""
        from sarcoma_sim.pathways.panels import sized_as_measured

        wraps = self.final_wrap(measured)
        # a last resort stays last for the drawn panel too: other widths may fit it once numbered
        found = (self.variant_fit(panel.graph, extra=[wraps], clean=True)
                 if wraps is not False and wraps not in self.last_resort else None)
        found = (found or self.variant_fit(panel.graph, clean=True)
                 or self.variant_fit(panel.graph, extra=self.more, clean=True))
        # numbered, it lays out larger than measured, or with labels colliding, at every width: its
        # link boxes sized as their placeholders, it lays out as measured, clear (GIST's second
        # slide drawn down; its third, whose labels "completed or intolerance" and "resected,
        # otherwise" overlapped), before the widths where its labels collide least
        padded = sized_as_measured(panel.graph, measured) if wraps is not False else None
        if found is None and padded is not None:
            found = self.variant_fit(padded, extra=[wraps], clean=True)
        found = found or self.least_colliding(panel.graph)
        if found is None and padded is not None:
            found = self.variant_fit(padded, extra=[wraps])
        drawn, wraps = found if found else (panel.graph, None)
        return replace(panel, graph=drawn, wraps=(wraps and self.widest_labels(drawn, wraps)) or None)


def _preset_panels(names: nx.MultiDiGraph, graph: nx.MultiDiGraph, preset: Preset,
                   highlight: Sequence[str] | None, path_keys, direction: str = "right") -> list:
    from sarcoma_sim.pathways.panels import column_units, measured_panels, split_panels

    fit = PanelFit(names, graph, preset, highlight, path_keys, direction)
    units = column_units(graph)
    # the whole pathway on one panel: every ordinary width before the narrow ones and the last resorts
    whole = (fit.fitting_link_wrap(graph) or fit.fitting_link_wrap(graph, extra=fit.more) if units else False)
    if not units or whole is not False:
        return [replace(p, wraps=(whole and fit.widest_labels(p.graph, whole)) or None)
                for p in split_panels(graph, [])]
    groups = _phase_groups(graph, fit.quick_wrap)
    groups = _settled_groups(graph, groups, fit.final_wrap)
    return [fit.drawn(panel, measured)
            for panel, measured in zip(split_panels(graph, groups), measured_panels(graph, groups))]


def _settled_groups(graph, groups: list[list[str]], final_wrap) -> list[list[str]]:
    """The panels' states once numbered, checked whole: the fit check is the last word.

    While cutting, a panel is measured with every later state behind one link box ("panel 99");
    numbered, its arrows may lead to several panels, a link box each, and it can outgrow the page.
    So each numbered panel that does not fit (or whose arrow labels collide at every width that
    fits) is cut again, its last state moved to the start of the next panel (a new one after the
    last, or where the next panel holds no state of its phase), until every panel fits (or holds one
    state). First-line options left on the second panel then move back to the first. Then
    neighbouring panels are joined wherever every panel still fits: a phase left holding one small
    state (the second TRK inhibitor after the first) shares the panel before or after it rather than
    taking a slide of its own; and one state (any of two neighbouring panels) is moved across their
    boundary where the joins after it save a panel. Last, the panels are put in the order of the
    lines of therapy they reach (``_line_ordered``) where every panel still fits. Decided from the
    panels' fit and the states' lines, never from state ids.
    """
    from sarcoma_sim.pathways.panels import phase_blocks

    blocks = phase_blocks(graph)
    first = set(blocks[0]) if blocks else set()
    block_of = {s: b for b, block in enumerate(blocks) for s in block}

    def unfit(cut: list[list[str]]) -> list[int]:
        return unfit_panels(graph, cut, final_wrap, first)

    groups = [list(g) for g in groups if g]
    bad = unfit(groups)
    while any(len(groups[i]) > 1 for i in bad):
        i = next(i for i in bad if len(groups[i]) > 1)
        # the state moves to the start of the next panel (its phase goes on there), which the
        # check then cuts in turn if it outgrows the page; after the last panel, or where the next
        # panel holds none of its phase, to a new one: pushed on, regorafenib (the last first-line
        # option of SDH-deficient GIST) took adjuvant imatinib's place beside its surveillance
        shed = groups[i][-1]
        if i + 1 < len(groups) and block_of[shed] in {block_of[s] for s in groups[i + 1]}:
            groups = groups[:i] + [groups[i][:-1], [shed] + groups[i + 1]] + groups[i + 2:]
        else:
            groups = groups[:i] + [groups[i][:-1], [shed]] + groups[i + 1:]
        bad = unfit(groups)

    def joined_up(groups: list[list[str]], bad: list[int]) -> tuple[list[list[str]], list[int]]:
        i = 0
        while i + 1 < len(groups):
            joined = groups[:i] + [groups[i] + groups[i + 1]] + groups[i + 2:]
            still = unfit(joined)
            # a join never leaves a panel of several states too large (the cut above would undo it)
            if all(len(joined[j]) == 1 for j in still) and len(still) <= len(bad):
                groups, bad = joined, still
            else:
                i += 1
        return groups, bad

    # the first panel is the first-line decision: the options a cut left on the second panel
    # move back to it while every panel still fits and no panel is added
    while len(groups) > 1 and not first <= set(groups[0]):
        back = next((s for s in groups[1] if s in first), None)
        if back is None:
            break
        moved = [g for g in [groups[0] + [back], [s for s in groups[1] if s != back]] if g] + groups[2:]
        still = unfit(moved)
        if not all(len(moved[j]) == 1 for j in still) or len(still) > len(bad):
            break
        groups, bad = moved, still
    groups, bad = joined_up(groups, bad)
    # a greedy cut can fill a panel with a state that keeps it from joining its neighbour (the
    # angiosarcoma second line took the first third-line state, and no longer joined the first
    # panel): one state moved across a boundary, then joins, wherever that saves a panel. Any
    # state of the two panels may move, not only the one at the boundary (drawn down, that saved
    # a slide of leiomyosarcoma, angiosarcoma and desmoid each). The first panel keeps its own
    # states (the first-line decision stays whole on it).
    improved = True
    while improved:
        improved = False
        for i in range(len(groups) - 1):
            moves = []
            if i > 0 and len(groups[i]) > 1:
                for s in reversed(groups[i]):
                    moves.append(groups[:i] + [[x for x in groups[i] if x != s], [s] + groups[i + 1]] + groups[i + 2:])
            if len(groups[i + 1]) > 1:
                for s in groups[i + 1]:
                    moves.append(groups[:i] + [groups[i] + [s], [x for x in groups[i + 1] if x != s]] + groups[i + 2:])
            for moved in moves:
                still = unfit(moved)
                if not all(len(moved[j]) == 1 for j in still) or len(still) > len(bad):
                    continue
                fewer, fewer_bad = joined_up(moved, still)
                if len(fewer) < len(groups):
                    groups, bad, improved = fewer, fewer_bad, True
                    break
            if improved:
                break
    ordered = _line_ordered(graph, groups, bad, unfit)
    if ordered is groups:
        return groups
    # put in line order, panels of one phase cut apart by the column order are neighbours again
    # (GIST's regorafenib and ripretinib drawn down): they join where every panel still fits
    return joined_up(ordered, unfit(ordered))[0]


def unfit_panels(graph, cut: Sequence[Sequence[str]], final_wrap, first: set[str] | None = None) -> list[int]:
    """The panels of ``cut`` (each a list of states) that do not fit, by ``final_wrap``
    (``PanelFit.final_wrap``), measured with placeholder numbers (``panels.measured_panels``): a
    panel is measured once whatever panels before it join or split. The first panel holding the
    whole first-line decision (``first``: the first phase block's states; found if None), what a
    resident must learn on one slide, keeps it whole even where two labels cannot both be clear
    (drawn down, the two arrows into epithelioid sarcoma's tazemetostat): the decision is not cut
    for a label."""
    from sarcoma_sim.pathways.panels import measured_panels, phase_blocks

    if len(cut) <= 1:
        return [] if final_wrap(graph) is not False else [0]
    if first is None:
        blocks = phase_blocks(graph)
        first = set(blocks[0]) if blocks else set()
    return [i for i, p in enumerate(measured_panels(graph, cut))
            if final_wrap(p, clean=not (i == 0 and first <= set(cut[0]))) is False]


@contextmanager
def panel_fitting(pathway_or_graph, preset: Preset, direction: str = "right"):
    """``(graph, fit)``: the graph ``preset`` draws (``preset_graphs``: dose reductions folded) and
    a ``PanelFit`` for it, inside the preset's wrap widths as ``preset_panels`` cuts: to check
    cuts other than the one it makes (``unfit_panels``; ``benchmarks/layout.py cuts``)."""
    from sarcoma_sim.pathways.layout.text import wrap_widths

    names, graph, _ = preset_graphs(pathway_or_graph)
    with wrap_widths(*preset.wraps), unchanged_graphs():
        yield graph, PanelFit(names, graph, preset, None, None, direction)


def _line_ordered(graph, groups: list[list[str]], bad: list[int], unfit) -> list[list[str]]:
    """The panels in the order of the lines of therapy they teach: by the latest line each reaches,
    then its earliest (``panels.taught_lines``), the first panel (the diagnosis) first. A greedy cut in
    column order can leave first-line dose changes, drawn in late columns, on a panel after the
    second and third lines (GIST's escalation after regorafenib); a slide deck goes back a line
    only where a resident turns back. Kept only where every panel still fits as before (the last
    panel draws the "End" column, so a new last panel is checked again)."""
    from sarcoma_sim.pathways.panels import taught_lines

    lines = taught_lines(graph)
    rank = {i: (max(lines[s] for s in g), min(lines[s] for s in g), i) for i, g in enumerate(groups)}
    order = [0, *sorted(range(1, len(groups)), key=rank.__getitem__)] if groups else []
    if order == list(range(len(groups))):
        return groups
    ordered = [groups[i] for i in order]
    still = unfit(ordered)
    if not all(len(ordered[j]) == 1 for j in still) or len(still) > len(bad):
        return groups
    return ordered


def _phase_groups(graph, fitting_link_wrap) -> list[list[str]]:
    """The states of each panel: the clinical phases (``panels.phase_blocks``) in order, consecutive
    phases sharing a panel while they fit; a phase too large for one panel is cut in column order
    (``_fill_panels``), going on on the last panel of the phase before only where it follows from
    one of that panel's states. Decided from the pathway's lines and arrows, so it holds for any
    pathway."""
    from sarcoma_sim.pathways.panels import candidate_panel, phase_blocks

    blocks = phase_blocks(graph)
    placed = sum(len(b) for b in blocks)
    groups: list[list[str]] = []

    def fits(states: list[str], earlier: list[list[str]]) -> bool:
        last = len(states) + sum(len(g) for g in earlier) == placed
        return fitting_link_wrap(candidate_panel(graph, states, last, earlier)) is not False

    for i, block in enumerate(blocks):
        if groups and fits(groups[-1] + block, groups[:-1]):
            groups[-1] = groups[-1] + block
            continue
        # the first panel (the first-line decision) ends where its phase does; a later panel that
        # has room goes on with the next phase, so a phase is cut only where a panel is full, but
        # only where the phase follows from one of that panel's states (the first line's dose
        # changes from its drugs; not adjuvant imatinib from the SDH-deficient options' regorafenib)
        follows = i > 0 and len(groups) > 1 and any(u in groups[-1] for s in block for u in graph.predecessors(s))
        start = groups.pop() if follows else []
        if not start and fits(block, groups):
            groups.append(list(block))
            continue
        groups += _fill_panels(graph, list(block), {}, fitting_link_wrap,
                               lambda g, own, last, earlier, before=list(groups): candidate_panel(
                                   g, own, last, [*before, *earlier]), start=start)
    return groups


# How many of the next states, in column order, a panel may choose from (see ``_fill_panels``).
FILL_WINDOW = 4


def _neighbours(graph, state: str) -> set[str]:
    terminal = {n for n, d in graph.nodes(data=True) if d.get("kind") == "terminal"}
    return (set(graph.predecessors(state)) | set(graph.successors(state))) - terminal - {state}


def _next_choice(graph, current: list[str], remaining: list[str]) -> str:
    """The state the panel holding ``current`` takes next: of the next ``FILL_WINDOW`` in column
    order, the one with most arrows to the panel; if none has any, one with no arrow to a state
    still to place (taking it separates nothing); else the next in column order."""
    window = remaining[:FILL_WINDOW]
    linked = {s: len(_neighbours(graph, s).intersection(current)) for s in window}
    best = max(window, key=lambda s: (linked[s], -window.index(s)))
    if linked[best]:
        return best
    rest = set(remaining)
    return next((s for s in window if not _neighbours(graph, s).intersection(rest)), remaining[0])


def _fill_panels(graph, states: list[str], caps: dict[int, int], fitting_link_wrap, candidate_panel,
                 start: Sequence[str] = ()) -> list[list[str]]:
    """States taken in column order (top to bottom within one) into panels, each joining the
    current panel while it still fits and holds fewer than its cap.

    The panel takes next the state ``_next_choice`` picks, else the next in column order; when
    neither fits, the panel ends. So linked states share a slide (GIST's imatinib 400 mg, its resection and its
    reduction; the two escalations and the reduction after them) and a panel ends between
    columns where it can, inside a column where it must.
    """
    groups: list[list[str]] = []
    current: list[str] = list(start)   # the states of a panel already begun
    remaining = list(states)
    while remaining:
        full = len(current) >= caps.get(len(groups), len(states))
        chosen = None
        if not current:
            chosen = remaining[0]
        elif not full:
            for candidate in dict.fromkeys([_next_choice(graph, current, remaining), remaining[0]]):
                last = len(remaining) == 1
                if fitting_link_wrap(candidate_panel(graph, current + [candidate], last, groups)) is not False:
                    chosen = candidate
                    break
        if chosen is None:
            groups.append(current)
            current = []
            continue
        current.append(chosen)
        remaining.remove(chosen)
    if current:
        groups.append(current)
    return groups
