"""Text measured in the drawing's fonts (the Agg renderer's sizes, kept for the process) and wrapped to a width."""

from __future__ import annotations

# Shaping one string costs about half a millisecond with matplotlib's text shaping (libraqm), and a
# drawing measures a few hundred; sizes are kept for the process, keyed by everything that decides
# them, so drawing a pathway again (every panel, preset and format of it) measures nothing twice.
_MEASURED: dict[tuple, tuple[float, float]] = {}
_MEASURED_LIMIT = 50_000


class _TextMeasure:
    """Text sizes in inches, from the Agg renderer (the one that writes the PNG)."""

    def __init__(self):
        from matplotlib import rcParams

        self.figure = None   # made on the first size not already measured in this process
        # the fonts are read once, when the measure is made (a drawing is measured in one set of
        # fonts; reading rcParams on every call cost a tenth of fitting a pathway's panels)
        self.fonts = (tuple(rcParams["font.family"]), tuple(rcParams["font.sans-serif"]))

    def __call__(self, text: str, size: float, weight: str = "normal", style: str = "normal") -> tuple[float, float]:
        key = (text, size, weight, style, *self.fonts)
        found = _MEASURED.get(key)
        if found is None:
            if self.figure is None:
                from matplotlib.backends.backend_agg import FigureCanvasAgg
                from matplotlib.figure import Figure

                self.figure = Figure(figsize=(4, 4), dpi=72)
                FigureCanvasAgg(self.figure)
                self.renderer = self.figure.canvas.get_renderer()
            t = self.figure.text(0, 0, text, fontsize=size, fontweight=weight, fontstyle=style,
                                 parse_math=False)
            box = t.get_window_extent(self.renderer)
            t.remove()
            found = (box.width / 72, box.height / 72)
            if len(_MEASURED) >= _MEASURED_LIMIT:
                _MEASURED.clear()
            _MEASURED[key] = found
        return found


# Text is measured at 72 dpi; drawn at another resolution, a line's hinted width differs by up to
# about 1.5% (a slide's footer of sources measured 13.09 in reached 13.26 in the gallery's 100 dpi
# PNG, past the page's margin): wrapped lines keep that much room.
WRAP_ROOM = 0.975


def _wrapped(text: str, width_in: float, size: float, measure, weight: str = "normal") -> str:
    """``text`` wrapped at word boundaries to lines no wider than ``width_in`` in that font (less
    ``WRAP_ROOM``, for the renderer's hinting at other resolutions)."""
    width_in *= WRAP_ROOM
    # each word is measured once and a line's width summed from its words: measuring every
    # candidate line cost most of a drawing's time (a footer of sources is hundreds of words)
    space = measure("a a", size, weight)[0] - measure("aa", size, weight)[0]
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, line_width = "", 0.0
        for word in paragraph.split(" "):
            word_width = measure(word, size, weight)[0] if word else 0.0
            if line and line_width + space + word_width > width_in:
                lines.append(line)
                line, line_width = word, word_width
            elif line:
                line, line_width = f"{line} {word}", line_width + space + word_width
            else:
                line, line_width = word, word_width
        lines.append(line)
    return "\n".join(lines)
