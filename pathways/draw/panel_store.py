"""Cut panels kept on disk between runs: drawing the same pathway at the same preset again (a
teacher redrawing a lecture's slides) reads which states each panel holds instead of cutting again.

Cutting a pathway into panels that fit a slide is most of a drawing's time (GIST: seconds), and its
answer depends only on the pathway's graph, the preset, the highlighted path, the direction, the
drawing code and the fonts that measure the text. An entry is a small JSON file named by a hash of
all of these: the graph's fingerprint, the preset, the highlight and direction, a hash of the
package's ``pathways`` source files, the matplotlib and FreeType versions and the font files the text
is measured in. Any change to one of them is a different name, so an entry is never stale; the
oldest entries beyond ``LIMIT`` are removed.

The entry holds each panel's states, whether its link boxes' events went back on its arrows
(``panels.labelled_arrows``) and the widths it is drawn at: the panels are rebuilt from the graph
as the cut builds them. An entry that cannot be read or does not match the graph is ignored (and
cut again); a folder that cannot be written is not an error: the drawing is made, not kept, and a
warning says so once per process.

The folder is ``SARCOMA_SIM_CACHE`` if set ("off" keeps nothing), else the user's cache folder
(``platformdirs``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import replace
from pathlib import Path

import networkx as nx

log = logging.getLogger(__name__)

# Entries kept at most; the oldest (by modification time) go first.
LIMIT = 512
ENVIRONMENT = "SARCOMA_SIM_CACHE"
_FORMAT = 2


def store_folder() -> Path | None:
    """Where entries are kept: ``SARCOMA_SIM_CACHE``, else the user's cache folder; None if "off"."""
    chosen = os.environ.get(ENVIRONMENT)
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no", "false") else Path(chosen)
    from platformdirs import user_cache_path

    return user_cache_path("sarcoma-sim") / "panels"


def entry_name(fingerprint: str, preset, highlight, direction: str) -> str:
    """The file name of the entry for a cut: a hash of the cut's inputs and of the code and fonts."""
    text = json.dumps([_FORMAT, fingerprint, repr(preset), highlight, direction, _code_hash(), _text_engine()],
                      ensure_ascii=False, default=repr)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest() + ".json"


def load(name: str, graph: nx.MultiDiGraph) -> list | None:
    """The panels kept under ``name``, rebuilt from ``graph`` (the folded graph that was cut); None
    if there is no such entry or it cannot be used."""
    folder = store_folder()
    if folder is None:
        return None
    try:
        stored = json.loads((folder / name).read_text(encoding="utf-8"))
        return _rebuilt(graph, stored)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as problem:
        log.info("ignoring the kept panels %s: %s", folder / name, problem)
        return None


def store(name: str, graph: nx.MultiDiGraph, panels: list) -> None:
    """Keep ``panels`` (cut from ``graph``) under ``name``; written whole or not at all, never an error."""
    folder = store_folder()
    if folder is None:
        return
    from sarcoma_sim.errors import OutputError
    from sarcoma_sim.files import write_text_atomic

    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(folder / name, json.dumps(_summary(graph, panels), ensure_ascii=False))
        _prune(folder)
    except (OSError, OutputError) as problem:
        global _WARNED
        if not _WARNED:   # once per process, not once per drawing
            _WARNED = True
            log.warning("cut panels are not kept: %s is not a folder that can be written (%s); expected a "
                        "writable folder in %s, or %s=off", folder, problem, ENVIRONMENT, ENVIRONMENT)


_WARNED = False


def _summary(graph: nx.MultiDiGraph, panels: list) -> dict:
    from sarcoma_sim.pathways.draw.diagram import graph_fingerprint
    from sarcoma_sim.pathways.panels import measured_panels, sized_as_measured, split_panels

    groups = [list(p.states) for p in panels] if len(panels) > 1 else []
    plain = split_panels(graph, groups)
    # a panel whose link boxes are sized as measured (``panels.sized_as_measured``) is rebuilt so
    sized = [any("sized_as" in d for _, d in p.graph.nodes(data=True)) for p in panels]
    measured = measured_panels(graph, groups) if groups and any(sized) else [graph for _ in plain]
    bases = [sized_as_measured(q.graph, m) if s else q.graph for q, m, s in zip(plain, measured, sized)]
    return {"format": _FORMAT, "groups": groups,
            "labelled": [graph_fingerprint(p.graph) != graph_fingerprint(b) for p, b in zip(panels, bases)],
            "sized": sized,
            "wraps": [list(p.wraps) if p.wraps else None for p in panels],
            "fingerprints": [graph_fingerprint(p.graph) for p in panels]}


def _rebuilt(graph: nx.MultiDiGraph, stored: dict) -> list:
    from sarcoma_sim.pathways.draw.diagram import graph_fingerprint
    from sarcoma_sim.pathways.panels import labelled_arrows, measured_panels, sized_as_measured, split_panels

    if stored["format"] != _FORMAT:
        raise ValueError(f"format {stored['format']!r}, expected {_FORMAT}")
    panels = split_panels(graph, stored["groups"])
    if not len(panels) == len(stored["labelled"]) == len(stored["sized"]) == len(stored["wraps"]) \
            == len(stored["fingerprints"]):
        raise ValueError("the entry's lists differ in length from its panels")
    measured = measured_panels(graph, stored["groups"]) if any(stored["sized"]) else [None for _ in panels]
    out = []
    for panel, labelled, sized, wraps, fingerprint, placeholder in zip(
            panels, stored["labelled"], stored["sized"], stored["wraps"], stored["fingerprints"], measured):
        drawn = sized_as_measured(panel.graph, placeholder) if sized else panel.graph
        drawn = labelled_arrows(drawn) if labelled else drawn
        if drawn is None or graph_fingerprint(drawn) != fingerprint:
            raise ValueError(f"panel {panel.number} rebuilt differs from the panel kept")
        out.append(replace(panel, graph=drawn, wraps=_wraps(wraps)))
    return out


def _wraps(stored) -> tuple | None:
    if stored is None:
        return None
    title, detail, label, link = stored
    return int(title), int(detail), int(label), tuple(link) if isinstance(link, list) else link


def _prune(folder: Path) -> None:
    # (another run's entry being written is a hidden temporary file: never counted, never removed)
    entries = [p for p in folder.glob("*.json") if not p.name.startswith(".") and p.is_file()]
    if len(entries) <= LIMIT:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for old in entries[:len(entries) - LIMIT]:
        old.unlink(missing_ok=True)


_CODE_HASH: str | None = None


def _code_hash() -> str:
    """A hash of the package's pathway code (every ``.py`` under ``sarcoma_sim.pathways``), once per process."""
    global _CODE_HASH
    if _CODE_HASH is None:
        import sarcoma_sim.pathways as package

        digest = hashlib.blake2b(digest_size=20)
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
        _CODE_HASH = digest.hexdigest()
    return _CODE_HASH


def _text_engine() -> list:
    """What decides the sizes of measured text: matplotlib's and FreeType's versions, the font
    families asked for and the files found for them (regular, bold, italic), with their sizes."""
    import matplotlib
    from matplotlib import ft2font, rcParams
    from matplotlib.font_manager import FontProperties, findfont

    files = []
    for weight, style in (("normal", "normal"), ("bold", "normal"), ("normal", "italic")):
        path = findfont(FontProperties(weight=weight, style=style))
        try:
            size = os.path.getsize(path)
        except OSError:
            size = -1
        files.append([path, size])
    return [matplotlib.__version__, getattr(ft2font, "__freetype_version__", ""),
            list(rcParams["font.family"]), list(rcParams["font.sans-serif"]), files]
