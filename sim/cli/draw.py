"""The ``draw`` command: pathway diagrams as PNG, SVG or PDF, one subtype or all, and the gallery.

``sarcoma-sim draw SUBTYPE -o FILE [--highlight s1,s2,...]`` draws one pathway (a shipped
subtype or a pathway file); the suffix of FILE picks the format. ``sarcoma-sim draw --all -o DIR``
draws every shipped subtype into DIR; with ``--gallery FILE.md`` it also draws the gallery's
highlighted example and writes the Markdown page that shows them all (docs/diagrams.md).
``--size slide`` or ``--size page`` fits a 16:9 slide or a portrait A4/Letter page with text of at
least 12 pt, cutting a large pathway into linked panels (``FILE-1.svg``, ``FILE-2.svg``... or the
pages of one PDF); with ``--all`` the preset versions are drawn beside the default ones.
``--all --handout FILE.pdf`` writes the printed handout (cover, every pathway, sources).
``--direction down`` draws top to bottom, lines of therapy as horizontal bands, as guideline
figures read (the default drawing, the presets and the handout alike).
matplotlib is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path
from typing import Sequence

from sarcoma_sim.errors import CommandLineError, Problem

FORMAT_CHOICES = ("png", "svg", "pdf")

GALLERY_COMMAND = "sarcoma-sim draw --all -o docs/diagrams --gallery docs/diagrams.md --dpi 100 --size slide"

# The gallery's patient: KIT exon 11 GIST, limited progression resected, later widespread
# progression, escalation, then sunitinib on the standard schedule and regorafenib.
GALLERY_EXAMPLE = ("gist", ("workup", "imatinib_400", "resection", "imatinib_400",
                            "imatinib_800_escalated", "sunitinib_50_intermittent", "regorafenib"))

# Bump when the drawing changes in a way that should regenerate the gallery images.
DRAWING_VERSION = "18"
# Beside the gallery's images: per subtype, what each slide panel teaches (read by the gallery page).
PANELS_FILE = "panels.json"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``draw`` to the command parser."""
    p = commands.add_parser(
        "draw", help="draw a pathway diagram (PNG, SVG or PDF by the output's suffix)",
        description="Draw a pathway diagram. The suffix of -o picks the format (.png, .svg, .pdf); "
                    "with --all, -o is a folder and --format picks the format.")
    p.add_argument("subtype", nargs="?", metavar="SUBTYPE_OR_FILE",
                   help="a shipped subtype id or a pathway .yaml file")
    p.add_argument("-o", "--output", required=True, metavar="FILE_OR_DIR",
                   help="the drawing to write (or the folder, with --all)")
    p.add_argument("--highlight", metavar="S1,S2,...",
                   help="a patient's path: state ids separated by commas, drawn emphasised")
    p.add_argument("--all", action="store_true", help="draw every shipped subtype into the folder -o")
    p.add_argument("--format", choices=FORMAT_CHOICES, default="png", help="format with --all (default png)")
    p.add_argument("--gallery", metavar="FILE.md",
                   help="with --all: also draw the highlighted example and write this Markdown gallery")
    p.add_argument("--dpi", type=int, default=None, help="resolution of PNG output (default 150)")
    p.add_argument("--size", choices=("slide", "page"), default=None,
                   help="fit a 16:9 slide (13.33 x 7.5 in) or a portrait A4/Letter page (8.27 x 11 in) with text of "
                        "at least 12 pt; a pathway too large is cut into linked panels (FILE-1, FILE-2, "
                        "... or the pages of one PDF)")
    p.add_argument("--direction", choices=("right", "down"), default="right",
                   help="right: left to right, a column per line of therapy (default); down: top to bottom, "
                        "lines of therapy as bands, as guideline figures read")
    p.add_argument("--handout", metavar="FILE.pdf",
                   help="with --all: one PDF with a cover, every subtype at the page size, and the sources")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="with --all: cut the pathways into panels in N processes (default: the CPUs "
                        "available); the drawings are the same for any N")
    p.set_defaults(handler=cmd_draw, draw_parser=p)


def parse_highlight(text: str) -> list[str]:
    """``"a, b,c"`` -> ``["a", "b", "c"]``; an empty item is a ``CommandLineError``."""
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise CommandLineError(Problem("--highlight", None, "",
                                   f"expected state ids separated by commas, got {text!r}"))
    return items


def cmd_draw(args: argparse.Namespace) -> int:
    """Draw one pathway, or every shipped one (and the gallery)."""
    parser = args.draw_parser
    if args.all and args.subtype:
        parser.error("give either SUBTYPE_OR_FILE or --all, not both")
    if not args.all and not args.subtype:
        parser.error("give SUBTYPE_OR_FILE, or --all to draw every subtype")
    if args.all and args.highlight:
        parser.error("--highlight draws one pathway; it cannot be used with --all")
    if args.gallery and not args.all:
        parser.error("--gallery needs --all")
    if args.handout and not args.all:
        parser.error("--handout needs --all")
    if args.dpi is not None and not 20 <= args.dpi <= 1200:
        parser.error("--dpi must be between 20 and 1200")
    if args.jobs is not None and not args.all:
        parser.error("--jobs needs --all")
    if args.jobs is not None and not 1 <= args.jobs <= 64:
        parser.error("--jobs must be between 1 and 64")
    if not args.output.strip():
        # Before the drawing module reads the suffix of '' (it would name the folder ".").
        raise CommandLineError(Problem("-o", None, "", "expected a file name (or a folder with --all), got an "
                                                       "empty path"))

    from sarcoma_sim.pathways.draw import DPI, save_pathway_drawing
    from sarcoma_sim.pathways.load import load_any

    dpi = args.dpi or DPI
    if not args.all:
        pathway = load_any(args.subtype)
        highlight = parse_highlight(args.highlight) if args.highlight is not None else None
        for path in save_pathway_drawing(pathway, args.output, highlight=highlight, dpi=dpi, size=args.size,
                                         direction=args.direction):
            print(f"wrote {path}")
        return 0
    # Every output name is checked before the drawing (10-15 s), so a wrong one fails at once, writing nothing.
    from sarcoma_sim.files import check_output_file
    from sarcoma_sim.pathways.handout import check_handout_name
    # a handout or gallery named in the drawings' folder, which the run creates, is checked by name
    # only where that folder does not exist yet (``draw --all -o out/ --handout out/handout.pdf``)
    if args.handout:
        check_handout_name(args.handout)
        if not _in_new_folder(args.handout, args.output):
            check_output_file(args.handout)
    if args.gallery and not _in_new_folder(args.gallery, args.output):
        check_output_file(args.gallery)
    from sarcoma_sim.pathways.parallel import available_cpus

    written = draw_all(args.output, args.format, dpi, gallery=bool(args.gallery), size=args.size,
                       direction=args.direction, jobs=args.jobs or available_cpus(), handout=args.handout)
    for name in written:
        print(f"wrote {Path(args.output) / name}")
    if args.gallery:
        from sarcoma_sim.files import write_text_atomic
        write_text_atomic(args.gallery, gallery_markdown(args.gallery, args.output, args.format, written))
        print(f"wrote {args.gallery}")
    if args.handout:
        print(f"wrote {args.handout}")
    return 0


def _in_new_folder(path, folder) -> bool:
    """Whether ``path`` names a file directly in ``folder`` and ``folder`` does not exist yet."""
    return _in_folder(path, folder) and not Path(folder).exists()


def _in_folder(path, folder) -> bool:
    """Whether ``path`` names a file directly in ``folder`` (both resolved, neither need exist)."""
    return Path(path).resolve().parent == Path(folder).resolve()


def draw_all(folder, fmt: str, dpi: int, gallery: bool = False, size: str | None = None,
             direction: str = "right", jobs: int = 1, also_cut: Sequence[str] = (),
             handout=None) -> list[str]:
    """Draw every shipped subtype (and, for the gallery, the highlighted example) into ``folder``,
    and with ``handout`` (a .pdf path) write the handout there (in ``folder`` with the drawings,
    if named there).

    All-or-nothing: the drawings are made in a temporary folder moved into place at the end (the
    handout, written all-or-nothing too, just before). The subtypes' drawings and the handout's
    parts (``sarcoma_sim.pathways.handout``) are drawn in ``jobs`` processes, the cover and the
    sources first, then the largest pathways first, each pathway's part by the job drawing it; the
    parts are joined here. The panels each job cut at ``size`` and at the presets named in
    ``also_cut`` are kept in this process for what is drawn here next (the gallery's table).
    """
    from contextlib import nullcontext

    from sarcoma_sim.files import atomic_directory
    from sarcoma_sim.pathways.draw import remember_panels, save_pathway_drawing
    from sarcoma_sim.pathways.handout import handout_parts, join_parts, parts_folder
    from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype
    from sarcoma_sim.pathways.parallel import in_workers, largest_first

    cut = tuple(dict.fromkeys([*([size] if size else []), *also_cut]))
    parts = handout_parts(SUBTYPE_IDS, direction) if handout else []
    part_of = {part.subtypes[0]: part for part in parts if part.kind == "pathway"}
    names = []
    # a folder for the handout's parts only with a handout to join
    with atomic_directory(folder) as tmp, (parts_folder() if parts else nullcontext("")) as drawn_parts_folder:
        # the cover and the sources first: drawn last, the sources (seconds of words measured)
        # were the last job of a run, one worker drawing them while the other waited
        work: list[tuple] = [("part", part, drawn_parts_folder) for part in parts if part.kind != "pathway"]
        work += [("draw", s, str(tmp), fmt, dpi, size, direction, cut, part_of.get(s), drawn_parts_folder)
                 for s in largest_first(SUBTYPE_IDS)]
        drawn_parts: dict[int, tuple[Path, str]] = {}
        drawn: dict[str, list[str]] = {}
        for job, (files, panels, part_drawn) in zip(work, in_workers(_subtype_job, work, jobs)):
            if job[0] == "draw":
                drawn[job[1]] = files
                for preset, cut_panels in panels.items():
                    remember_panels(job[1], preset, direction, cut_panels)
            if part_drawn is not None:
                number, pdf_and_bookmark = part_drawn
                drawn_parts[number] = pdf_and_bookmark
        for subtype in SUBTYPE_IDS:
            names += drawn[subtype]
        if handout:
            # named in the drawings' folder: written with them, into place when they are
            join_parts(tmp / Path(handout).name if _in_folder(handout, folder) else handout,
                       [drawn_parts[part.number] for part in parts])
        if gallery and size:
            from sarcoma_sim.files import write_text_atomic
            summary = {sid: panel_phases(load_subtype(sid), size, direction) for sid in SUBTYPE_IDS}
            write_text_atomic(tmp / PANELS_FILE, json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
            names.append(PANELS_FILE)
        if gallery:
            subtype, path = GALLERY_EXAMPLE
            name = f"{subtype}-highlighted.{fmt}"
            save_pathway_drawing(load_subtype(subtype), tmp / name, highlight=path, dpi=dpi, direction=direction)
            names.append(name)
    return names


def _subtype_job(job: tuple) -> tuple[list[str], dict, tuple | None]:
    """In a worker (or here): ``("draw", subtype, folder, fmt, dpi, size, direction, cut, part,
    parts_folder)`` draws the subtype into the folder (``_draw_subtype``) and then its handout part
    if ``part`` (a part of ``handout_parts``, drawn into ``parts_folder``); ``("part", part,
    parts_folder)`` draws a handout part alone (the cover, the sources). Returns the file names
    drawn, the panels cut by preset, and ``(part number, (pdf path, bookmark))`` or None."""
    from sarcoma_sim.pathways.handout import draw_handout_part

    if job[0] == "part":
        _, part, parts_folder = job
        return [], {}, (part.number, draw_handout_part((part, parts_folder)))
    *drawing, part, parts_folder = job[1:]
    files, panels = _draw_subtype(tuple(drawing))
    return files, panels, (part.number, draw_handout_part((part, parts_folder))) if part is not None else None


def _draw_subtype(job: tuple) -> tuple[list[str], dict]:
    """One subtype's default drawing and its drawing at ``size`` into the folder; returns the file
    names and its panels at every preset in ``cut``."""
    from sarcoma_sim.pathways.draw import PRESETS, preset_panels, save_pathway_drawing
    from sarcoma_sim.pathways.load import load_subtype

    subtype, folder, fmt, dpi, size, direction, cut = job
    pathway = load_subtype(subtype)
    names = [p.name for p in save_pathway_drawing(pathway, Path(folder) / f"{subtype}.{fmt}", dpi=dpi,
                                                  direction=direction)]
    if size:
        names += [p.name for p in save_pathway_drawing(pathway, Path(folder) / f"{subtype}-{size}.{fmt}",
                                                       dpi=dpi, size=size, direction=direction)]
    return names, {preset: preset_panels(pathway, PRESETS[preset], direction=direction) for preset in cut}


def panel_phases(pathway, size: str, direction: str = "right") -> list[list[str]]:
    """The clinical phases each panel of ``pathway`` at ``size`` teaches ("diagnosis", "surgery",
    "first line", ...)."""
    from sarcoma_sim.pathways.draw import PRESETS, preset_graphs, preset_panels
    from sarcoma_sim.pathways.panels import phase_lines, phases_in_order

    graph = preset_graphs(pathway)[1]
    lines = phase_lines(graph)
    return [phases_in_order(graph, [s for s in panel.states if s in lines], lines)
            for panel in preset_panels(pathway, PRESETS[size], direction=direction)]


def pathway_fingerprint(subtype: str, highlight=None) -> str:
    """A short hash of what a gallery drawing shows: the pathway's graph, the highlight, the drawing version."""
    from sarcoma_sim.pathways.graph import build_graph, graph_to_json
    from sarcoma_sim.pathways.load import load_subtype

    data = {"graph": graph_to_json(build_graph(load_subtype(subtype))),
            "highlight": list(highlight) if highlight else None, "drawing": DRAWING_VERSION}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def gallery_markdown(gallery_path, folder, fmt: str = "png", drawn: list[str] | None = None) -> str:
    """The Markdown gallery page: every subtype's diagram and the highlighted example.

    Image links are relative to the page; each drawing carries a fingerprint of the pathway it
    shows, so a test can tell when a pathway changed and the gallery was not regenerated. ``drawn``
    names the files this run drew, so panels left in the folder by an earlier run are not listed.
    """
    from sarcoma_sim.pathways.load import SUBTYPE_IDS, load_subtype

    rel = Path(os.path.relpath(Path(folder), Path(gallery_path).parent)).as_posix()
    out = ["# Pathway diagrams", "",
           "Every subtype's treatment pathway, drawn from its file in `pathways/data/`. Read each left to "
           "right: workup, then each line of therapy in its own column, then the end of the pathway. "
           "Arrows are labelled with the event and its condition in plain words, an option by its "
           "name (\"if trabectedin chosen\"); a dashed border or "
           "arrow marks what goes beyond the source guideline (from the evidence table); a diamond is "
           "a choice that several states share. Sources are listed under each diagram. In SVG, every "
           "state and every diamond is a group with a title (regimen, dose and sources; or who shares "
           "the choice and where each branch goes), shown on hover.", "",
           "Each subtype also has a slide version (`--size slide`: 16:9, no text under 12 pt). A "
           "pathway too large for one slide is cut into linked panels by clinical phase: the diagnosis "
           "and every first-line option first, then progression and the later lines; a dashed grey box "
           "says in a few words where the story continues (\"second line: panel 3\") or comes from, "
           "the arrows into it keeping their events and conditions. `--size page` does the same for a portrait "
           "A4 or Letter page (8.27 x 11 in), and `sarcoma-sim draw --all -o DIR --handout handout.pdf` prints every "
           "pathway at that size in one PDF with a cover and the full sources.", "",
           "At the slide and page sizes, a dose reduction for toxicity that only lowers the dose of "
           "the drug before it and then goes on as that drug does is listed in the drug's box "
           "(\"toxicity: 120 mg, then 80 mg daily\" under regorafenib) instead of having a box of its "
           "own: a teacher's slide shows the drug's course with fewer boxes. Where toxicity at the "
           "reduced dose leads on by a decision (pazopanib 600 mg: an NTRK inhibitor if the tumour "
           "has an NTRK fusion, otherwise a trial), the drug's intolerance arrows make that decision. A "
           "reduction that changes what follows keeps its box (imatinib reduced for toxicity is not "
           "escalated at progression). The full state machine stays in the default drawing and in "
           "every export.", "",
           "Teaching material about hypothetical patients: never advice for a real patient.", "",
           "Regenerate every image and this page with one command (from the repository root):", "",
           "```sh", GALLERY_COMMAND, "```", "",
           "Draw one pathway, optionally with a patient's path highlighted:", "",
           "```sh", "sarcoma-sim draw gist -o gist.png",
           "sarcoma-sim draw gist -o gist-down.pdf --size page --direction down   # top to bottom, as guidelines read",
           "sarcoma-sim draw gist -o gist-path.svg --highlight workup,imatinib_400,imatinib_800_escalated",
           "```", "",
           "The same graphs export for other tools: "
           "`sarcoma-sim export SUBTYPE --format graphml|dot|mermaid|json`.", ""]
    subtype, path = GALLERY_EXAMPLE
    out += ["## A patient's path", "",
            f"{load_subtype(subtype).name}: " + " → ".join(f"`{s}`" for s in path) + ". "
            "The path is drawn emphasised with its steps numbered; the rest of the pathway is faded.", "",
            f"![{subtype} with a patient's path highlighted]({rel}/{subtype}-highlighted.{fmt})", "",
            f"<!-- fingerprint {subtype}-highlighted {pathway_fingerprint(subtype, path)} -->", ""]
    summary_path = Path(folder) / PANELS_FILE
    if summary_path.exists() and (drawn is None or PANELS_FILE in drawn):
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        out += ["## The slide panels a teacher gets", "",
                "Each subtype at `--size slide` (16:9, no text under 12 pt), cut by clinical phase from the "
                "pathway's data: the first panel is the diagnosis with every first-line option drawn as a box; "
                "the next panels follow progression through the later lines, in the order of the lines they "
                "reach, with arrow labels as wide as each slide leaves room for. A dashed grey box says where the "
                "story continues (\"second line: panel 3\"). Add `--direction down` for top-to-bottom panels, "
                "lines of therapy as rows, as guideline figures read.", "",
                "| Subtype | Slides | What each slide teaches |", "|---|---|---|"]
        for sid in SUBTYPE_IDS:
            phases = summary.get(sid) or []
            taught = "; ".join(f"{i}: {', '.join(p)}" for i, p in enumerate(phases, start=1))
            out.append(f"| {load_subtype(sid).name} | {len(phases)} | {taught} |")
        out.append("")
    out += ["## Subtypes", ""]
    for sid in SUBTYPE_IDS:
        pathway = load_subtype(sid)
        out += [f"### {pathway.name}", ""]
        if pathway.summary:
            out += [pathway.summary, ""]
        out += [f"![{pathway.name} pathway]({rel}/{sid}.{fmt})", ""]
        candidates = (Path(folder) / name for name in drawn) if drawn is not None else Path(folder).glob("*")
        slides = sorted((p for p in candidates if p.suffix == f".{fmt}"
                         and (p.stem == f"{sid}-slide" or p.stem.startswith(f"{sid}-slide-"))),
                        key=lambda p: int(p.stem.rsplit("-", 1)[-1]) if p.stem[-1].isdigit() else 0)
        if slides:
            out += ["Slide version (16:9, text at least 12 pt"
                    + (f", {len(slides)} linked panels" if len(slides) > 1 else "") + "):", ""]
            out += [f"![{pathway.name}, slide {i}]({rel}/{p.name})" for i, p in enumerate(slides, start=1)]
            out += [""]
        out += [f"<!-- fingerprint {sid} {pathway_fingerprint(sid)} -->", ""]
    return "\n".join(out)
