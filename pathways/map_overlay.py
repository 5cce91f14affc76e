"""The whole neutral map drawn once per pathway, and one resident's walk laid over it as text.

``neutral_map`` draws a neutral graph (``focus.neutral_graph``) once for every walk: each state and
arrow both faded and highlighted, element ids from the neutral graph only. ``overlay`` lays one walk
and title over that drawing as text, in about a millisecond and without matplotlib, looking as
``focus.render_svg``'s drawing of that walk does. It reads matplotlib's SVG as matplotlib writes it
(a top-level group per artist); a document laid out otherwise raises ``ValueError`` when drawn.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html import escape
from typing import Mapping

import networkx as nx

from sarcoma_sim.pathways.focus import _NOT_XML, SVG_SALT, map_layout, readable_typography

MARGIN = 0.35          # ``_compose``'s margin, inches
TITLE_GAP = 0.08       # ``_compose``'s gap under the title and under the path's line, inches
SVG_UNITS = 72.0       # SVG user units per inch in matplotlib's SVG
# A top-level group of the axes in matplotlib's SVG: its opening line and its closing line.
_GROUP = re.compile(r'^   <g id="([^"]*)">\n.*?^   </g>\n', re.S | re.M)
_AUTO_ID = re.compile(r'(?<= id=")[a-z0-9]+_\d+(?=")')
_WORDS_OF_PATH = ("Highlighted", "path:", "→")


def _attribute(text: str) -> str:
    """``text`` as matplotlib writes it in an attribute (an element id)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@dataclass(frozen=True)
class HeadingFont:
    """A heading's font on the map: its CSS, word widths (inches, as the drawing measures them to wrap), and
    the line geometry matplotlib gives it (SVG units: first baseline under the top, one line, two or more)."""

    size: float
    weight: str
    css: str
    widths: Mapping[str, float]
    char_widths: Mapping[str, float]
    first_baseline: tuple[float, float]   # one line, several lines
    line_step: float
    height: tuple[float, float]           # inches: one line, each of several lines

    def measure(self, text: str, size: float = 0.0, weight: str = "normal") -> tuple[float, float]:
        """(width, 0) of ``text`` in inches: as measured when the map was drawn, else summed from its characters."""
        found = self.widths.get(text)
        if found is None:
            found = sum(self.char_widths.get(c, self.char_widths.get("n", 0.1)) for c in text)
        return found, 0.0


@dataclass(frozen=True)
class NeutralMap:
    """A neutral map drawn once, for any walk: every state and arrow drawn faded and drawn highlighted.

    ``faded`` is the axes' content of the drawing with every state and arrow faded, as matplotlib's
    top-level groups (element id, SVG text) in drawing order; ``lit`` the groups of the same drawing
    with every state and arrow highlighted (each state numbered), by element id. Element ids are
    the neutral graph's (``state-3``, ``decision:1``, ``edge:state-3->state-5``): they name nothing
    the map hides. Everything else is what ``overlay`` needs to pick a walk's groups, number its
    states and write the title and the path's line, without matplotlib.
    """

    head: str                     # the SVG before the axes' content
    tail: str                     # after it
    faded: tuple[tuple[str, str], ...]
    lit: Mapping[str, tuple[str, ...]]
    size: tuple[float, float]     # the drawing's width and height, SVG units (``head`` marks the height)
    text_width: float             # inches, as ``_compose`` wraps its headings
    title_font: HeadingFont
    path_font: HeadingFont
    labels: Mapping[str, str]     # state name -> label
    pair_keys: Mapping[tuple[str, str], frozenset]
    routes: tuple[tuple[str, frozenset], ...]         # each arrow's (element id, transition keys), drawing order
    decisions: Mapping[str, tuple[int, ...]]          # decision node -> the routes into it
    badges: Mapping[str, tuple[float, float]]         # state -> its step badge's centre, SVG units
    badge_scale: float                                # the badges' font size / 9, as ``_draw_nodes`` sizes them
    folded_into: Mapping[str, str]


def _heading_font(measure, size: float, weight: str, words: set[str], css: str) -> HeadingFont:
    """A heading font's measurements: word widths for wrapping, and line geometry from a probe drawing."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    widths = {w: float(measure(w, size, weight)[0]) for w in words | {"a a", "aa"}}
    chars = {c: float(measure(c, size, weight)[0]) for c in {c for w in words for c in w} | set("n ")}
    baselines = []
    for probe in ("lp", "lp\nlp"):   # one line and several: matplotlib spaces several lines apart
        figure = Figure(figsize=(3, 2), dpi=72)
        FigureCanvasSVG(figure)
        figure.text(0, 0.75, probe, ha="left", va="top", fontsize=size, fontweight=weight, parse_math=False)
        buffer = io.StringIO()
        with rc_context({"svg.fonttype": "none"}):
            figure.savefig(buffer, format="svg")
        ys = [float(y) for y in re.findall(r'<text [^>]*\by="([-\d.]+)"', buffer.getvalue())]
        if not ys:  # several lines are placed by a transform
            ys = [float(y) for y in re.findall(r'<text [^>]*translate\([-\d.]+ ([-\d.]+)\)', buffer.getvalue())]
        top = 0.25 * 2 * SVG_UNITS    # the probe's top: a quarter down a figure 2 in high
        baselines.append([y - top for y in ys])
    one, two = baselines
    return HeadingFont(size, weight, css, widths, chars, (one[0], two[0]), two[1] - two[0],
                       (float(measure("lp", size, weight)[1]), float(measure("lp\nlp", size, weight)[1]) / 2))


def neutral_map(graph, *, legend: bool = True) -> NeutralMap:
    """Draw the neutral ``graph`` (``neutral_graph``) for every walk at once: every state and arrow faded and
    every one highlighted, with no title and no line naming the path (``overlay`` writes them). Matplotlib,
    about twice a walk's drawing; the layout is ``map_layout``'s."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle

    from sarcoma_sim.pathways.draw.figure import _compose, diagram_axes_class
    from sarcoma_sim.pathways.draw.measure import _TextMeasure
    from sarcoma_sim.pathways.draw.style import DPI, HIGHLIGHT_COLOUR

    typography = readable_typography()
    layout = map_layout(graph)
    every_key = {k for _, _, k in graph.edges(keys=True)}
    drawn = []
    for states, keys in (([], set()), (list(graph.nodes), every_key)):
        figure = Figure(figsize=(8, 6), dpi=DPI)
        FigureCanvasAgg(figure)
        ax = figure.add_axes((0, 0, 1, 1), axes_class=diagram_axes_class())
        _, size = _compose(graph, ax, states, title="", legend=legend, sources=False, typography=typography,
                           path_keys=keys, path_title=False)
        figure.set_size_inches(*size)
        buffer = io.StringIO()
        with rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "none"}):
            figure.savefig(buffer, format="svg", dpi=DPI, metadata={"Date": None}, facecolor="white")
        drawn.append((buffer.getvalue(), size, ax))
    (faded_svg, size, _), (lit_svg, _, lit_ax) = drawn
    found = re.search(r'<svg [^>]*width="([\d.]+)pt" height="([\d.]+)pt"', faded_svg)
    if found is None:
        raise ValueError("the map's SVG is not matplotlib's usual document")
    width_text, height_text = found.groups()
    start = faded_svg.index('  <g id="axes_1">\n') + len('  <g id="axes_1">\n')
    end = faded_svg.index("  </g>\n </g>\n <defs>", start)
    faded = tuple((m.group(1), m.group(0)) for m in _GROUP.finditer(faded_svg, start, end))
    if sum(len(text) for _, text in faded) != end - start:
        raise ValueError("the map's SVG is not matplotlib's usual layout of groups")
    faded_of: dict[str, list[str]] = {}
    for gid, text in faded:
        faded_of.setdefault(gid, []).append(text)
    lit: dict[str, list[str]] = {}
    for m in _GROUP.finditer(lit_svg):
        text = m.group(0)
        twins = faded_of.get(m.group(1), [])
        own = len(lit.get(m.group(1), []))
        if own < len(twins):
            # matplotlib numbers the groups that have no id (a label's box) in drawing order; the
            # faded twin's numbers keep every id of the overlaid map unique
            numbers = _AUTO_ID.findall(twins[own])
            if len(numbers) == len(_AUTO_ID.findall(text)):
                numbered = iter(numbers)
                text = _AUTO_ID.sub(lambda _: next(numbered), text)
        lit.setdefault(m.group(1), []).append(text)
    measure = _TextMeasure()
    label_words = {w for label in nx.get_node_attributes(graph, "label").values()
                   for line in str(label).split("\n") for w in line.split(" ")}
    name = str(graph.graph.get("name") or graph.graph.get("subtype") or "")
    css = re.search(r"font-family: ([^;\"]*)", faded_svg)
    family = css.group(1) if css else "sans-serif"
    t = typography
    # the words a web map's title is made of (any other word is measured by its characters)
    title_font = _heading_font(measure, t.title, "bold", set(f"{name}: your path so far".split(" ")),
                               f"font-weight: 700; font-size: {t.title:g}px; font-family: {family}; "
                               "text-anchor: middle")
    path_font = _heading_font(measure, t.subtitle, "normal", label_words | set(_WORDS_OF_PATH),
                              f"font-size: {t.subtitle:g}px; font-family: {family}; text-anchor: middle; "
                              f"fill: {HIGHLIGHT_COLOUR.lower()}")
    routes = tuple((_attribute(f"edge:{r.edge.source}->{r.edge.target}"), frozenset(r.edge.keys))
                   for r in layout.routes)
    decisions = {d: tuple(i for i, r in enumerate(layout.routes) if r.edge.target == d)
                 for d in layout.boxes if d.startswith("decision:")}
    badges = {str(p.get_gid())[len("step:"):]: (p.center[0] * SVG_UNITS, p.center[1] * SVG_UNITS)
              for p in lit_ax.patches if isinstance(p, Circle) and str(p.get_gid()).startswith("step:")}
    pair_keys: dict[tuple[str, str], frozenset] = {}
    for a, b, k in graph.edges(keys=True):
        pair_keys[(a, b)] = pair_keys.get((a, b), frozenset()) | {k}
    return NeutralMap(
        head=_height_marked(faded_svg[:start], width_text, height_text), tail=faded_svg[end:], faded=faded,
        lit={k: tuple(v) for k, v in lit.items()}, size=(float(width_text), float(height_text)),
        text_width=size[0] - 2 * MARGIN,
        title_font=title_font, path_font=path_font,
        labels={s: str(a.get("label") or s) for s, a in graph.nodes(data=True)}, pair_keys=pair_keys,
        routes=routes, decisions=decisions, badges=badges,
        badge_scale=t.badge / 9, folded_into=dict(graph.graph.get("folded_into") or {}))


_HEIGHT = "\x00height\x00"   # where the head of a map's SVG names its height (no XML text holds NUL)


def _height_marked(head: str, width: str, height: str) -> str:
    """The head of a map's SVG with its height (the document's and its white background's) marked ``_HEIGHT``."""
    places = ((f'height="{height}pt" viewBox="0 0 {width} {height}"',
               f'height="{_HEIGHT}pt" viewBox="0 0 {width} {_HEIGHT}"'),
              (f"M 0 {height} \nL {width} {height} \n", f"M 0 {_HEIGHT} \nL {width} {_HEIGHT} \n"))
    for found, marked in places:
        if head.count(found) != 1:
            raise ValueError("the map's SVG is not matplotlib's usual document")
        head = head.replace(found, marked)
    return head


def _number(value: float) -> str:
    """A number as matplotlib writes one in SVG (at most six decimals, no trailing zeros)."""
    return f"{value:f}".rstrip("0").rstrip(".")


def _heading(font: HeadingFont, text: str, width: float, top: float, gid: str) -> tuple[str, float]:
    """``text`` wrapped as ``_compose`` wraps it, as an SVG group centred at the top ``top`` (inches);
    returns the group and the inches it takes with the gap under it."""
    from sarcoma_sim.pathways.draw.measure import _wrapped

    lines = _wrapped(text, width, font.size, font.measure, font.weight).split("\n")
    several = len(lines) > 1
    first = top * SVG_UNITS + font.first_baseline[several]
    x = _number((width / 2 + MARGIN) * SVG_UNITS)
    texts = "".join(f'    <text style="{font.css}" x="{x}" y="{_number(first + i * font.line_step)}">'
                    f"{escape(_NOT_XML.sub(chr(0xFFFD), line), quote=False)}</text>\n"
                    for i, line in enumerate(lines))
    height = font.height[1] * len(lines) if several else font.height[0]
    return f'   <g id="{gid}">\n{texts}   </g>\n', height + TITLE_GAP


_BADGE_TEXT = re.compile(r">[^<]*</text>")
_SHAPE_STYLE = re.compile(r'( clip-path="[^"]*")? style="([^"]*)"')


def overlay(base: NeutralMap, walk: list[str], title: str) -> str:
    """The map ``base`` with ``walk`` (state names of its neutral graph) highlighted, as SVG text.

    What a drawing of the walk shows (``render_svg``): the walk's states and arrows highlighted, its
    states numbered in order, everything else faded, ``title`` and the line naming the path above.
    Takes the walk's groups from the highlighted drawing and the rest from the faded one, moved as
    matplotlib orders them (a highlighted arrow over every faded one); no matplotlib, about a millisecond.
    """
    keys: set = set()
    for a, b in zip(walk, walk[1:]):
        keys |= base.pair_keys.get((a, b), frozenset())
    on_routes = {i for i, (_, route_keys) in enumerate(base.routes) if keys & route_keys}
    steps: dict[str, list[int]] = {}
    for i, s in enumerate(walk, start=1):
        steps.setdefault(base.folded_into.get(s, s), []).append(i)
    on_nodes = set(steps) | {d for d, into in base.decisions.items() if on_routes.intersection(into)}
    on_edges: dict[str, set[int]] = {}
    for i in on_routes:
        gid = base.routes[i][0]
        occurrence = sum(1 for g, _ in base.routes[:i] if g == gid)
        on_edges.setdefault(gid, set()).add(occurrence)
        on_edges.setdefault("label:" + gid[len("edge:"):], set()).add(occurrence)

    last = {kind: max((i for i, (g, _) in enumerate(base.faded) if g.startswith(kind)), default=-1)
            for kind in ("edge:", "label:")}
    seen: dict[str, int] = {}
    raised: dict[str, list[str]] = {"edge:": [], "label:": []}
    body: list[str] = []
    for i, (gid, text) in enumerate(base.faded):
        kind = gid[:gid.find(":") + 1]
        occurrence = seen.get(gid, 0)
        seen[gid] = occurrence + 1
        if kind in raised:
            if occurrence in on_edges.get(gid, ()):
                raised[kind].append(base.lit[gid][occurrence])
            else:
                body.append(text)
            if i == last[kind]:
                body += raised[kind]   # drawn over every faded arrow (label), as a higher zorder is
        elif kind in ("node:", "title:", "detail:") and gid[len(kind):] in on_nodes:
            body.append(base.lit[gid][occurrence])
        else:
            body.append(text)
    circles, numbers = [], []
    for gid in base.lit:
        state = gid[len("step:"):]
        if not gid.startswith("step:") or state not in steps:
            continue
        badge = ",".join(str(i) for i in steps[state])
        radius = (0.13 + 0.045 * max(0, len(badge) - 1)) * base.badge_scale * SVG_UNITS
        found = _SHAPE_STYLE.search(base.lit[gid][0])
        clip, style = (found.group(1) or "", found.group(2)) if found else ("", "")
        x, y = base.badges[state]
        circles.append(f'   <g id="{gid}">\n    <circle cx="{_number(x)}" cy="{_number(y)}" r="{_number(radius)}"'
                       f'{clip} style="{style}"/>\n   </g>\n')
        numbers.append(_BADGE_TEXT.sub(f">{badge}</text>", base.lit["steptext:" + state][0], count=1))

    width = base.text_width
    headings, y = [], MARGIN
    if title:
        group, height = _heading(base.title_font, title, width, y, "title")
        headings.append(group)
        y += height
    said = " → ".join(base.labels.get(s, s) for s in walk)
    group, height = _heading(base.path_font, f"Highlighted path: {said}", width, y, "subtitle")
    headings.append(group)
    shift = (y + height - MARGIN) * SVG_UNITS
    head = base.head.replace(_HEIGHT, _number(base.size[1] + shift))
    return "".join([head, *headings, f'   <g transform="translate(0 {_number(shift)})">\n', *body,
                    *circles, *numbers, "   </g>\n", base.tail])
