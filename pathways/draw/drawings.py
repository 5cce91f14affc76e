"""The drawings of a pathway at a preset: one figure per panel of its cut, each titled with its number."""

from __future__ import annotations

from typing import Sequence

from sarcoma_sim.pathways.draw.cut import preset_graphs, preset_panels
from sarcoma_sim.pathways.draw.figure import _compose
from sarcoma_sim.pathways.draw.measure import _TextMeasure
from sarcoma_sim.pathways.draw.style import Preset


def _panel_title(graph, panel) -> str:
    name = str(graph.graph.get("name") or graph.graph.get("subtype") or "")
    return name if panel.count == 1 else f"{name} (panel {panel.number} of {panel.count})"


def preset_figures(pathway_or_graph, preset: Preset, highlight: Sequence[str] | None = None,
                   direction: str = "right") -> list:
    """One matplotlib figure per panel of the pathway at ``preset`` (see ``preset_panels``)."""
    return [figure for _, figure in preset_drawings(pathway_or_graph, preset, highlight, direction)]


def preset_drawings(pathway_or_graph, preset: Preset, highlight: Sequence[str] | None = None,
                    direction: str = "right") -> list:
    """``(panel, figure)`` for each panel of the pathway at ``preset``."""
    from sarcoma_sim.pathways.layout.text import wrap_widths

    graph, folded, path_keys = preset_graphs(pathway_or_graph, highlight)
    if isinstance(highlight, str):
        highlight = [highlight]
    panels = preset_panels(pathway_or_graph, preset, highlight, direction)
    drawings = []
    measure = _TextMeasure()
    for panel in panels:
        title_wrap, detail_wrap, label_wrap, link_wrap = panel.wraps or (*preset.wraps, None)
        with wrap_widths(title_wrap, detail_wrap, label_wrap, link=link_wrap):
            ax, _ = _compose(panel.graph, None, highlight, title=_panel_title(graph, panel),
                             typography=preset.typography, page=(preset.width, preset.height),
                             path_keys=path_keys, measure=measure, names=graph, spacing=preset.spacing_for(direction),
                             margin=preset.margin, direction=direction)
        drawings.append((panel, ax.figure))
    return drawings
