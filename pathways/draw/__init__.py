"""Draw a pathway with matplotlib, imported only inside functions (importing this package loads none of it).

``draw_pathway`` follows networkx's drawing functions: it takes an optional ``ax`` and returns it,
so a figure can be composed around it; without one it makes a figure through pyplot, which a
notebook shows. Coordinates are inches (one data unit is one inch, y grows
downwards), so text keeps its point size and the drawing fits a slide as it is. Geometry comes
from ``sarcoma_sim.pathways.layout``; this package measures text with matplotlib's renderer, styles and draws.
``save_pathway_drawing`` writes PNG, SVG or PDF all-or-nothing, on a standalone Agg figure
(headless, and none left open in pyplot).

One job per module, each importing only those listed before it (none imports this file, which
only re-exports their public names):

- ``style``: colours, type sizes, spacing and the presets (slide, page);
- ``measure``: text sizes in the drawing's fonts, and text wrapped to a width;
- ``diagram``: the graph drawn, a highlighted path's arrows, and its layout (cached per process);
- ``shapes``: the diagram's bands, arrows and boxes on the axes;
- ``legend``: the legend and the sources footer;
- ``figure``: a whole drawing composed on a figure (``draw_pathway``, ``pathway_figure``);
- ``cut``: a pathway cut into panels that fit a preset (``preset_panels``);
- ``drawings``: one figure per panel at a preset;
- ``save``: file formats, and writing PNG, SVG and PDF all-or-nothing (``save_pathway_drawing``).

Private names (``_compose``, ``_TextMeasure``, ...) are imported from the module that defines them.
"""

from sarcoma_sim.pathways.colours import ADJUVANT_COLOURS, KIND_COLOURS, LINE_COLOURS, LINK_STYLE
from sarcoma_sim.pathways.draw.cut import FILL_WINDOW, preset_graphs, preset_panels, remember_panels
from sarcoma_sim.pathways.draw.diagram import (
    diagram_bound,
    diagram_layout,
    graph_fingerprint,
    highlighted_keys,
    layout_key,
)
from sarcoma_sim.pathways.draw.drawings import preset_drawings, preset_figures
from sarcoma_sim.pathways.draw.figure import SIDE_GAP, SIDE_MIN_WIDTH, draw_pathway, pathway_figure
from sarcoma_sim.pathways.draw.measure import WRAP_ROOM
from sarcoma_sim.pathways.draw.save import (
    FORMATS,
    MAX_PNG_PIXELS,
    METADATA,
    SVG_RC,
    output_format,
    panel_paths,
    png_dpi,
    save_figure,
    save_pathway_drawing,
    write_pdf_pages,
)
from sarcoma_sim.pathways.draw.style import (
    COMPACT_SPACING,
    COMPACT_SPACING_DOWN,
    DEFAULT_TYPOGRAPHY,
    DPI,
    EDGE_COLOUR,
    FADED,
    HIGHLIGHT_COLOUR,
    PAD,
    PRESETS,
    READABLE_TYPOGRAPHY,
    Preset,
    Typography,
)

__all__ = [
    # colours (``pathways.colours``, shared with the exports)
    "ADJUVANT_COLOURS", "KIND_COLOURS", "LINE_COLOURS", "LINK_STYLE",
    # style
    "COMPACT_SPACING", "COMPACT_SPACING_DOWN", "DEFAULT_TYPOGRAPHY", "DPI", "EDGE_COLOUR", "FADED",
    "HIGHLIGHT_COLOUR", "PAD", "PRESETS", "READABLE_TYPOGRAPHY",
    "Preset", "Typography",
    # measure
    "WRAP_ROOM",
    # diagram
    "diagram_bound", "diagram_layout", "graph_fingerprint", "highlighted_keys", "layout_key",
    # figure
    "SIDE_GAP", "SIDE_MIN_WIDTH", "draw_pathway", "pathway_figure",
    # cut
    "FILL_WINDOW", "preset_graphs", "preset_panels", "remember_panels",
    # drawings
    "preset_drawings", "preset_figures",
    # save
    "FORMATS", "MAX_PNG_PIXELS", "METADATA", "SVG_RC", "output_format", "panel_paths", "png_dpi", "save_figure",
    "save_pathway_drawing", "write_pdf_pages",
]
