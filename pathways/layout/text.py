"""The words of a pathway diagram: box titles and regimen details, arrow labels, their sizes.

Wraps text for the boxes, phrases the condition of a transition in plain words, joins merged
transitions into one label, and estimates text sizes for layouts computed without fonts.
"""

from __future__ import annotations

import functools
import re
import textwrap
from contextlib import contextmanager
from typing import Iterator, Sequence

import networkx as nx

TITLE_WRAP = 19
DETAIL_WRAP = 24
LABEL_WRAP = 17
LINK_WRAP: int | tuple[int, int] | None = None  # None: a link box wraps at the regimen's width plus a little


@contextmanager
def wrap_widths(title: int = TITLE_WRAP, detail: int = DETAIL_WRAP, label: int = LABEL_WRAP,
                link: int | tuple[int, int] | None = None) -> Iterator[None]:
    """Within the block, wrap box titles, regimen details and arrow labels at these widths.

    Slides and pages use narrower boxes (larger type, same canvas); the default drawing keeps the
    module's widths. ``link`` widens the boxes that stand for states on other panels (a pair:
    the boxes of where arrows go, then of where they come from). Not
    thread-safe: drawings are made one at a time.
    """
    global TITLE_WRAP, DETAIL_WRAP, LABEL_WRAP, LINK_WRAP
    saved = TITLE_WRAP, DETAIL_WRAP, LABEL_WRAP, LINK_WRAP
    TITLE_WRAP, DETAIL_WRAP, LABEL_WRAP, LINK_WRAP = title, detail, label, link
    try:
        yield
    finally:
        TITLE_WRAP, DETAIL_WRAP, LABEL_WRAP, LINK_WRAP = saved


def node_text(attrs: dict) -> tuple[str, str | None]:
    """The title (the state's label, wrapped) and the regimen detail (wrapped) of a state's box."""
    if attrs.get("link_direction"):
        # a link box has no regimen line, so its rows may use the regimen's width: fewer lines
        width = LINK_WRAP or max(TITLE_WRAP, DETAIL_WRAP + 4)
        if isinstance(width, tuple):
            # (boxes of where arrows go, boxes of where they come from)
            width = width[0] if attrs.get("link_direction") == "to" else width[1]
        if attrs.get("link_summary"):
            # a few words: "second line: panel 3"
            return "\n".join(_wrap(row, width) for row in attrs["link_summary"]), None
        rows = attrs.get("link_rows") or (str(attrs.get("label") or ""),)
        bullet = "• " if len(rows) > 1 else ""
        return "\n".join(_wrap(bullet + row, width) for row in rows), None
    detail = regimen_detail(attrs)
    if detail is None and attrs.get("kind") == "terminal":
        # an end state has no regimen line either (and often a sentence for a label): the same
        # wider wrap keeps it from becoming a tall column of short lines
        return _wrap(str(attrs.get("label") or ""), max(TITLE_WRAP, DETAIL_WRAP + 4)), None
    title = _wrap(str(attrs.get("label") or ""), TITLE_WRAP)
    detail = _wrap(detail, DETAIL_WRAP) if detail else None
    if attrs.get("folded_steps"):
        # dose reductions folded into the box (slide and page presets): one more line under the regimen
        steps = _wrap(str(attrs["folded_steps"]), DETAIL_WRAP)
        detail = f"{detail}\n{steps}" if detail else steps
    return title, detail


def sizing_texts(attrs: dict) -> list[tuple[str, str | None]]:
    """The texts a state's box must hold: its own (``node_text``) and, for a link box sized as its
    placeholder (``panels.sized_as_measured``), the placeholder's."""
    texts = [node_text(attrs)]
    if attrs.get("sized_as"):
        texts.append(node_text({**attrs, "link_summary": attrs["sized_as"]}))
    return texts


def regimen_detail(attrs: dict, whole: bool = False) -> str | None:
    """Dose and schedule as the source writes them, leaving out what the label already says.

    So "Imatinib 400 mg daily" is not followed by "400 mg daily" again, nor "Repotrectinib 160 mg
    once daily for 14 days" by "160 mg orally once daily for 14 days": each comma-separated piece
    of the dose and of the schedule is left out where its numbers and words are all in the label,
    but for the route and joining words of ``_SAID_ANYWAY``; what it adds is kept as written
    ("with G-CSF days 9-15", "up to 17 cycles", "with a low-fat meal"). With ``whole``, the dose
    and the schedule are each kept whole unless the label says all of it (a hover title, which
    gives the dose with its route). A regimen named only by its class (no drugs) shows the class.
    """
    dose = str(attrs["dose"]) if attrs.get("dose") else None
    schedule = str(attrs["schedule"]) if attrs.get("schedule") else None
    class_only = str(attrs["drug_class"]) if not attrs.get("drugs") and attrs.get("drug_class") else None
    return _regimen_detail(str(attrs.get("label") or ""), dose, schedule, class_only, whole)


# A layout measures each box many times over (every panel and width a cut tries): each state's
# regimen line is worked out once.
@functools.lru_cache(maxsize=4096)
def _regimen_detail(label: str, dose: str | None, schedule: str | None, class_only: str | None,
                    whole: bool) -> str | None:
    said, words = _squash(label), _words(label)
    parts = [p for p in (class_only, dose, schedule) if p]
    kept = []
    for part in parts:
        if _squash(part) in said or _words(part) <= words:
            continue
        if whole:
            kept.append(part)
            continue
        pieces = [piece for piece in _PIECES.split(part) if not _said_by(piece, label)]
        if pieces:
            kept.append(", ".join(pieces))
    return "; ".join(kept) if kept else None


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w.²/-]+", text.lower()))


# A dose or schedule is cut into pieces at a comma before a word, outside brackets: "every 21 days,
# with G-CSF days 9-15" is two pieces, "days 1, 8, 15 every 28 days" and "800 mg daily (400 mg, ...)" one.
_PIECES = re.compile(r",\s+(?=[^\W\d_])(?![^()]*\))")
# Words a piece of a dose may add and still say nothing the label does not: the route ("orally",
# "intravenous": the drug's box names the drug) and the words that join a dose to its days
# ("1.5 mg/m² as a 24-hour intravenous infusion" after "1.5 mg/m² 24-hour infusion"; "days 1 and 8"
# after "d1, 8"). Never a word of frequency, duration or condition ("once", "continuously", "with").
_SAID_ANYWAY = frozenset({"orally", "oral", "intravenously", "intravenous", "iv", "as", "a", "an", "on",
                          "and", "day", "days"})


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# "up to a maximum of 6 cycles" says what "up to 6 cycles" says: compared as that (kept as written)
_AT_MOST = re.compile(r"\b(?:up to )?a maximum of\b", re.IGNORECASE)


def _said_by(piece: str, label: str) -> bool:
    """Whether every number of ``piece`` is in ``label`` (as often) and every other word is the
    label's or one of ``_SAID_ANYWAY`` ("24-hour" and "24-hour" alike once their numbers are out;
    "up to a maximum of" read as "up to")."""
    piece = _AT_MOST.sub("up to", piece)
    remaining = _NUMBER.findall(label)
    for number in _NUMBER.findall(piece):
        if number not in remaining:
            return False
        remaining.remove(number)

    def others(text: str) -> set[str]:
        return {w for w in _words(_NUMBER.sub(" ", text)) if re.search(r"[^\W\d_]", w)}

    return others(piece) <= others(label) | _SAID_ANYWAY


NBSP = "\u00a0"
# A number stays with its unit when lines are wrapped ("400 mg", "4 weeks").
_UNIT = re.compile(r"(\d) (mg|g|mcg|µg|mL|weeks?|days?|months?|hours?)\b")
# ... and "panel 5" (a link box's row) stays on one line
_PANEL = re.compile(r"\bpanel (\d)")


# Fitting a panel lays the same boxes out at a few widths many times over: each text is wrapped
# once per width.
@functools.lru_cache(maxsize=16384)
def _wrap(text: str, width: int) -> str:
    """Wrap each line of ``text`` to at most ``width`` characters in as few, evenly long lines as
    possible (no orphan word on a last line), keeping the line breaks it has."""
    out = []
    for line in text.splitlines() or [""]:
        line = _UNIT.sub(lambda m: m.group(1) + NBSP + m.group(2), line).replace(" / ", " /" + NBSP)
        line = _PANEL.sub("panel" + NBSP + r"\1", line)
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


def condition_phrase(graph: nx.MultiDiGraph, source: str, target: str, key,
                     name_option: bool = False) -> str | None:
    """The condition of one transition in plain words, for its arrow's label.

    A condition is the graph's ``when_plain`` ("limited"), except that choosing the edge's own
    target as the ``option`` reads "if chosen" (with ``name_option``, naming it: "if trabectedin
    chosen"), an unconditioned edge after conditioned siblings reads "otherwise" ("default" when
    the siblings are only options), and a condition that earlier siblings repeat with an option of
    their own ends ", default" (where no option is chosen, this arrow is taken).
    """
    data = graph.edges[source, target, key]
    if data.get("phrase_fixed"):
        # a panel's edge keeps the phrase worked out on the whole pathway (see sarcoma_sim.pathways.panels)
        return data.get("phrase")
    when, plain = data.get("when"), data.get("when_plain")
    if when:
        terms = conjuncts(when)
        if f"option = {target}" in terms:
            own_plain = target.replace("_", " ")
            name = _option_name(graph, source, target, data.get("event")) if name_option else None
            chosen = f"if {name} chosen" if name else "if chosen"
            if not plain or plain == own_plain:
                return chosen
            return plain.replace(own_plain, chosen)
        said = plain or when
        # the same condition on earlier arrows with an option named ("SDH deficient, if regorafenib
        # chosen"): this arrow is where that patient goes when no option is chosen, and says so
        if any(d.get("when") and conjuncts(d["when"]) == terms | {f"option = {v}"}
               for _, v, k, d in _earlier(graph, source, key, data)):
            return f"{said}, default"
        return said
    earlier = [d for *_, d in _earlier(graph, source, key, data)]
    if not earlier:
        return None
    if all(_option_only(d.get("when")) for d in earlier):
        return "default"
    return "otherwise"


# Every arrow's label compares its condition with its siblings', once per layout: parse each once.
@functools.lru_cache(maxsize=4096)
def conjuncts(when: str) -> frozenset[str]:
    """The terms a condition requires together, as ``conditions.describe`` writes them: its
    top-level ``and`` parts, a bracketed ``and`` group opened ("(a and b) and c" requires a, b and
    c); any other part (an ``or`` group, a ``not``) is one term. So conditions written as differently
    nested ``all`` groups compare equal, and an option named inside a ``not`` or an ``or`` (or
    whose id another option's id starts with) is not required."""
    terms: set[str] = set()
    for part in _split_and(when):
        while part.startswith("(") and _closes_at_end(part):
            part = part[1:-1]
        if len(_split_and(part)) > 1:
            terms |= conjuncts(part)
        else:
            terms.add(part)
    return frozenset(terms)


def _split_and(text: str) -> list[str]:
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        if text[i] in "({":
            depth += 1
        elif text[i] in ")}":
            depth -= 1
        elif depth == 0 and text.startswith(" and ", i):
            parts.append(text[start:i])
            start = i = i + len(" and ")
            continue
        i += 1
    return [*parts, text[start:]]


def _closes_at_end(text: str) -> bool:
    """Whether the bracket opening ``text`` is the one closing it (not "(a) or (b)")."""
    depth = 0
    for i, char in enumerate(text):
        depth += char == "("
        depth -= char == ")"
        if depth == 0:
            return i == len(text) - 1
    return False


def _earlier(graph: nx.MultiDiGraph, source: str, key, data: dict) -> list:
    """The arrows of the same event leaving ``source`` before this one (``(u, v, key, data)``)."""
    return [(u, v, k, d) for u, v, k, d in graph.out_edges(source, keys=True, data=True)
            if k != key and d.get("event") == data.get("event") and d.get("order", 0) < data.get("order", 0)]


def _option_name(graph: nx.MultiDiGraph, source: str, target: str, event) -> str | None:
    """The chosen option as a reader knows it, never its id: its drugs ("trabectedin",
    "gemcitabine + docetaxel") where they tell it from the other targets of the same event, else
    its label as it reads inside a phrase ("sunitinib 37.5 mg continuous daily")."""
    from sarcoma_sim.pathways.conditions import within_phrase

    drugs = tuple(graph.nodes[target].get("drugs") or ())
    others = {tuple(graph.nodes[v].get("drugs") or ()) for _, v, d in graph.out_edges(source, data=True)
              if v != target and d.get("event") == event}
    if drugs and drugs not in others:
        return " + ".join(drugs)
    label = graph.nodes[target].get("label")
    return within_phrase(str(label)) if label else label


def _option_only(when: str | None) -> bool:
    return bool(when) and when.startswith("option = ") and " and " not in when and " or " not in when


def edge_label(events_and_phrases: Sequence[tuple[str, str | None]]) -> str:
    """The label of merged parallel transitions: one line per condition, its events joined by "or".

    ``[("progression", None), ("intolerance", None)]`` gives "progression or intolerance";
    ``[("progression", "limited")]`` gives "progression, limited". Several conditions end each but
    the last with a semicolon: wrapped, they would otherwise read as one run-on condition
    ("recurrence, otherwise;" above "resected").
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
            lines.append(f"{said},\n{_wrap(phrase, LABEL_WRAP)}")
    return ";\n".join(lines)


def wrap_label(text: str) -> str:
    """An arrow label wrapped at the current label width (see ``wrap_widths``)."""
    return _wrap(text, LABEL_WRAP)


def estimate_text_size(text: str, fontsize: float = 10.0) -> tuple[float, float]:
    """A rough size in inches of ``text`` in a sans-serif font, for layouts computed without fonts."""
    lines = text.split("\n") or [""]
    width = max(len(line) for line in lines) * fontsize * 0.56 / 72
    height = len(lines) * fontsize * 1.2 / 72
    return width, height
