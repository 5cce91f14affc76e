"""The pathway diagram as SVG for a page: the path taken highlighted, drawn by the library, cached.

A drawing takes a few hundred milliseconds of matplotlib, which would hold the interpreter lock
and slow every other page; the server draws in a separate worker process (``workers`` >= 1), so
decision pages stay fast while diagrams are drawn. With ``workers=0`` (the test client, scripts)
it draws in-process, one drawing at a time (matplotlib is not thread-safe). Each
(pathway, path, title) is drawn once and kept. Two drawings are made here: the labelled diagram
(``draw_svg``) and the case's whole map while a decision is pending, which names no marker or
condition: that one is drawn once per pathway for every walk (``draw_neutral_base``) and each
resident's walk is laid over it as text in the request (``overlay_walk``, about a millisecond), so
residents starting new walks queue for no worker; a case's start has its map drawn ahead
(``prepare_neutral_map``). Every process lays out a pathway once and keeps its layout for every
walk drawn on it; with ``warm`` each worker lays out every shipped pathway, neutral and labelled,
as it starts (``warm_layouts``, about a second), so no resident waits for a layout.

A worker killed from outside (the out-of-memory killer) breaks its pool; the next drawing makes a
new pool and is drawn there. Workers end with the server however it ends, even SIGKILL: each
watches the server's process (a Linux pidfd, else polling its pid) and exits when it is gone.
Watching the server itself is needed because the workers are children of the forkserver, not of
the server, so ``PR_SET_PDEATHSIG`` would follow the wrong parent; once the workers are gone the
forkserver and the resource tracker, which live as long as any worker holds their pipes, end too.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import select
import sys
import threading
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

CACHE_SIZE = 512
DRAW_TIMEOUT_SECONDS = 120


def draw_svg(source: tuple, highlight: tuple, title: str | None) -> str:
    """Draw one diagram: ``source`` is ("subtype", id) or ("text", file name, pathway text)."""
    from sarcoma_sim.reports.taken_path import render

    pathway = _pathway(source)
    svg = render(pathway, "svg", list(highlight) or None, title, svg_text=True).decode("utf-8")
    return with_state_titles(svg, pathway)


def draw_neutral_base(source: tuple, labels: tuple):
    """The whole pathway naming no marker or condition, drawn once for every walk on it (``map_overlay.neutral_map``),
    and the name each state has in it: (``NeutralMap``, state id -> name).

    ``labels`` are (state id, wording) pairs: the wording the case's options use (``neutral_labels``).
    A walk is laid over it as text (``map_overlay.overlay``), so residents' walks of one pathway share this drawing.
    """
    from sarcoma_sim.pathways import map_overlay

    graph, names = _neutral(source, labels)
    try:
        return map_overlay.neutral_map(graph, legend=True), names
    except ValueError:
        # the overlay reads matplotlib's SVG as matplotlib writes it today; a release that writes it
        # otherwise gets each walk drawn whole (``draw_walk_map``), slower but the same map
        logging.getLogger("sarcoma_sim.web").warning(
            "the map's SVG cannot be overlaid (matplotlib wrote it otherwise): each walk is drawn whole")
        return None, names


def overlay_walk(base: tuple, walk, title: str) -> str:
    """``base`` (``draw_neutral_base``) with ``walk`` (state ids) highlighted and ``title`` above: text, no drawing."""
    from sarcoma_sim.pathways import map_overlay

    drawing, names = base
    return map_overlay.overlay(drawing, [names[s] for s in walk], title)


def draw_walk_map(source: tuple, labels: tuple, walk: tuple, title: str) -> str:
    """The whole neutral map with ``walk`` highlighted, drawn by matplotlib for this walk alone (``focus.render_svg``):
    where the map drawn once cannot be overlaid (``draw_neutral_base``)."""
    from sarcoma_sim.pathways import focus

    graph, names = _neutral(source, labels)
    return focus.render_svg(graph, [names[s] for s in walk], title, legend=True)


def _neutral(source: tuple, labels: tuple):
    """The neutral graph of ``source`` in the case's wording ``labels`` (``focus.neutral_graph``) and
    each state's name in it."""
    from sarcoma_sim.pathways import focus
    from sarcoma_sim.pathways.graph import build_graph

    return focus.neutral_graph(build_graph(_pathway(source)), dict(labels))


def draw_neutral_map(source: tuple, labels: tuple, walk: tuple, title: str) -> str:
    """The whole pathway naming no marker or condition, ``walk`` (state ids) highlighted: the map drawn for
    every walk (``draw_neutral_base``) with the walk laid over it (``overlay_walk``)."""
    base = draw_neutral_base(source, labels)
    if base[0] is None:
        return draw_walk_map(source, labels, walk, title)
    return overlay_walk(base, walk, title)


def neutral_labels(pathway) -> dict[str, str]:
    """Each state's wording as the case's options read (``TeachingCase.text_of``): no marker named."""
    from sarcoma_sim.patient.wording import option_texts

    return option_texts(pathway)


def warm_layouts(subtypes=None) -> int:
    """Lay out the shipped pathways (or ``subtypes``) as the pages draw them: the neutral map and the
    labelled diagram. Layouts are kept for the process, so its first map of a pathway only draws.
    Returns how many graphs were laid out."""
    from sarcoma_sim.pathways import focus
    from sarcoma_sim.pathways.draw import diagram_layout
    from sarcoma_sim.pathways.graph import build_graph
    from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype

    count = 0
    for subtype in subtypes if subtypes is not None else SUBTYPE_IDS:
        pathway = load_subtype(subtype)
        graph = build_graph(pathway)
        focus.map_layout(focus.neutral_graph(graph, neutral_labels(pathway))[0])
        diagram_layout(graph)   # as ``taken_path.render`` lays it out for ``draw_svg``
        count += 2
    return count


def _pathway(source: tuple):
    from sarcoma_sim.pathways.load import load_subtype

    return load_subtype(source[1]) if source[0] == "subtype" else _parsed(source[1], source[2])


def state_title(pathway, state) -> str:
    """What hovering or focusing a state shows: label, regimen with dose and schedule, line, sources."""
    parts = [state.label]
    if state.regimen is not None:
        parts.append(f"regimen: {state.regimen.describe()} ({state.regimen.setting})")
    for sid in state.sources:
        source = pathway.sources.get(sid)
        parts.append(f"source: {sid}: {source.citation}" if source else f"source: {sid}")
    if state.beyond_source:
        parts.append("beyond the source guideline (evidence table)")
    return "\n".join(parts)


def with_state_titles(svg: str, pathway) -> str:
    """Give each state's group a ``<title>`` and make it focusable, unless the drawing already has titles."""
    from html import escape

    if "<title>" in svg:
        return svg
    for state in pathway.states.values():
        opening = f'<g id="node:{escape(state.id)}">'
        at = svg.find(opening)
        if at >= 0:
            tagged = (f'<g id="node:{escape(state.id)}" tabindex="0">'
                      f"<title>{escape(state_title(pathway, state), quote=False)}</title>")
            svg = svg[:at] + tagged + svg[at + len(opening):]
    return svg


_PARSED: dict = {}
POLL_SECONDS = 1.0


def _wait_for_exit(pid: int) -> None:
    """Return once process ``pid`` has ended."""
    try:
        descriptor = os.pidfd_open(pid)  # type: ignore[attr-defined,unused-ignore]
    except (AttributeError, OSError):
        descriptor = None
    if descriptor is not None:
        select.select([descriptor], [], [])  # a pidfd becomes readable when its process ends
        return
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        except PermissionError:
            pass
        time.sleep(POLL_SECONDS)


def watch_server(pid: int) -> None:
    """Worker initializer: end this worker as soon as the server process ``pid`` ends."""
    def watch() -> None:
        _wait_for_exit(pid)
        os._exit(0)

    threading.Thread(target=watch, name="watch-server", daemon=True).start()


def start_worker(pid: int, warm: bool) -> None:
    """Worker initializer: watch the server ``pid`` (``watch_server``); with ``warm``, lay out the shipped
    pathways first (``warm_layouts``). A failed warm-up is logged and the worker serves anyway (each
    drawing then lays its pathway out), since an initializer that raises breaks the whole pool."""
    watch_server(pid)
    if warm:
        try:
            warm_layouts()
        except Exception:
            logging.getLogger("sarcoma_sim.web").exception("warming the diagram layouts failed")


def _nothing() -> None:
    """A task that starts a worker (``Drawer.start``)."""


def _parsed(file_name: str, text: str):
    from sarcoma_sim.pathways.load import parse_pathway

    key = (file_name, text)
    if key not in _PARSED:
        _PARSED[key] = parse_pathway(text, file_name)
    return _PARSED[key]


class Drawer:
    """Draws and keeps diagrams, in ``workers`` processes (0: in this process); with ``warm`` every worker
    lays out the shipped pathways as it starts."""

    def __init__(self, workers: int = 0, warm: bool = False):
        self.workers = workers
        self.warm = warm
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._draw_lock = threading.Lock()
        self._cache: OrderedDict = OrderedDict()
        self._pending: dict = {}

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                method = "forkserver" if sys.platform.startswith("linux") else "spawn"
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context(method),
                                                 initializer=start_worker, initargs=(os.getpid(), self.warm))
            return self._pool

    def start(self) -> None:
        """Start the workers now (a server's start), so they are ready, and warm, before the first drawing."""
        if self.workers:
            pool = self._executor()
            for _ in range(self.workers):
                pool.submit(_nothing)

    def prepare_neutral_map(self, source: tuple, labels) -> None:
        """Have a worker draw the neutral map of ``source`` for every walk now (``draw_neutral_base``), unless it
        is drawn or being drawn, and keep it: a case's start asks, so its resident's first map waits for no
        drawing. Returns at once; does nothing without workers (drawing here would hold the request)."""
        if not self.workers:
            return
        arguments = (source, tuple(sorted(dict(labels).items())))
        key = (draw_neutral_base.__name__, arguments)
        with self._lock:
            if key in self._cache or key in self._pending:
                return
        try:
            pool = self._executor()
            with self._lock:
                if key in self._pending:
                    return
                pending = self._pending[key] = (pool.submit(draw_neutral_base, *arguments), pool)
        except RuntimeError:   # the pool is shutting down or broken: the map is drawn when asked for
            return
        pending[0].add_done_callback(lambda future: self._keep(key, pending, future))

    def _keep(self, key: tuple, pending: tuple, future) -> None:
        """A drawing asked for ahead (``prepare_neutral_map``) is done: keep it, or forget it if it failed."""
        with self._lock:
            if self._pending.get(key) is pending:
                self._pending.pop(key)
            if not future.cancelled() and future.exception() is None:
                self._cache[key] = future.result()
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)

    def _renew(self, broken: ProcessPoolExecutor) -> None:
        """Drop ``broken`` (a worker died) so the next drawing starts a new pool."""
        with self._lock:
            if self._pool is broken:
                self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)

    def _draw_in_worker(self, key: tuple, draw, pending: tuple | None) -> Any:
        """The drawing of ``key`` (``draw(*key[1])``) from the pool; once more in a new pool if a worker died."""
        for attempt in range(2):
            pool = None
            try:
                if pending is None:
                    pool = self._executor()
                    with self._lock:
                        # The same drawing asked for by several residents at once is drawn once.
                        pending = self._pending.get(key) or (pool.submit(draw, *key[1]), pool)
                        self._pending[key] = pending
                future, pool = pending
                return future.result(timeout=DRAW_TIMEOUT_SECONDS)
            except BrokenProcessPool:
                if attempt or pool is None:
                    raise
                self._renew(pool)
            finally:
                with self._lock:
                    if pending is not None and self._pending.get(key) is pending:
                        self._pending.pop(key)
                pending = None
        raise AssertionError("unreachable")

    def _drawn(self, draw, arguments: tuple) -> Any:
        """``draw(*arguments)``, from the cache, else drawn (in a worker when there are workers) and kept."""
        key = (draw.__name__, arguments)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            pending = self._pending.get(key)
        if not self.workers:
            with self._draw_lock:
                svg = draw(*arguments)
        else:
            svg = self._draw_in_worker(key, draw, pending)
        with self._lock:
            self._cache[key] = svg
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return svg

    def svg(self, source: tuple, highlight, title: str | None) -> str:
        """The SVG document of the pathway ``source`` names, ``highlight`` (state ids) emphasised."""
        return self._drawn(draw_svg, (source, tuple(highlight or ()), title))

    def neutral_map_svg(self, source: tuple, labels, walk, title: str) -> str:
        """The whole map of ``source`` naming no marker or condition, ``walk`` highlighted (``draw_neutral_map``).

        The drawing is made once per (pathway, labels), for every walk (``draw_neutral_base``, in a worker
        when there are workers) and kept; each walk and title is laid over it here, in about a millisecond,
        so a new walk waits for no worker.
        """
        labels = tuple(sorted(dict(labels).items()))
        base = self._drawn(draw_neutral_base, (source, labels))
        if base[0] is None:
            return self._drawn(draw_walk_map, (source, labels, tuple(walk), title))
        return overlay_walk(base, walk, title)

    def result_svg(self, source: tuple, result) -> str:
        """The drawing of a run: the path the patient took, off-guideline steps named under the title."""
        from sarcoma_sim.reports.taken_path import taken_highlight, taken_title

        return self.svg(source, taken_highlight(result), taken_title(result))

    def close(self) -> None:
        """Stop the worker processes."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def inline(svg: str) -> str:
    """The ``<svg>`` element alone, for embedding in a page (no XML declaration or doctype)."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
