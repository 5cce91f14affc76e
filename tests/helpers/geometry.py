"""Geometry of a drawing as the renderer measures it, shared by the drawing and preset tests."""

from __future__ import annotations

import itertools

# A GIST path through a resection and back, used wherever a highlighted drawing is checked.
GIST_PATH = ["workup", "imatinib_400", "resection", "imatinib_400", "imatinib_800_escalated",
             "sunitinib_50_intermittent", "regorafenib"]


def extents(ax):
    """Renderer extents (display pixels) of the drawing's nodes, labels and every text."""
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    nodes = {p.get_gid(): p.get_window_extent(renderer) for p in ax.patches
             if (p.get_gid() or "").startswith("node:")}
    labels = {t.get_gid(): t.get_window_extent(renderer) for t in ax.texts
              if (t.get_gid() or "").startswith("label:")}
    texts = [(t.get_gid(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text()]
    legend = ax.get_legend()
    if legend is not None:
        texts += [("legend", t.get_window_extent(renderer)) for t in legend.get_texts()]
        texts.append(("legend-box", legend.get_window_extent(renderer)))
    return nodes, labels, texts, ax.get_window_extent(renderer)


def intersect(a, b, tolerance=0.5) -> bool:
    """Whether two renderer boxes overlap by more than ``tolerance`` pixels."""
    return (a.x0 + tolerance < b.x1 and b.x0 + tolerance < a.x1
            and a.y0 + tolerance < b.y1 and b.y0 + tolerance < a.y1)


def inside(inner, outer, tolerance=0.5) -> bool:
    """Whether ``inner`` lies within ``outer``, give or take ``tolerance`` pixels."""
    return (inner.x0 >= outer.x0 - tolerance and inner.x1 <= outer.x1 + tolerance
            and inner.y0 >= outer.y0 - tolerance and inner.y1 <= outer.y1 + tolerance)


def assert_clean_geometry(nodes, labels, texts, axes_box) -> None:
    """No two node boxes intersect, no label hits a node or another label, every text is inside the axes."""
    for (a, box_a), (b, box_b) in itertools.combinations(nodes.items(), 2):
        assert not intersect(box_a, box_b), (a, b)
    for name, box in labels.items():
        for node, node_box in nodes.items():
            assert not intersect(box, node_box), (name, node)
    for (a, box_a), (b, box_b) in itertools.combinations(labels.items(), 2):
        assert not intersect(box_a, box_b), (a, b)
    for name, box in texts:
        assert inside(box, axes_box), name
