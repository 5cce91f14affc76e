"""Drawing tests that fail on the pathways of 0.4.0 and are open work of issue 21 (slide panels).

The clinical update added states (several first-line options, later lines, repotrectinib in every
NTRK branch, three subtypes) faster than the panel cutter learned to fit them: these presets draw a
panel larger than the page, or text under 12 pt, or more panels than the teaching target. Each is an
expected failure (not strict: text metrics differ between matplotlib releases); a fix shows as XPASS
in the run's summary, and its entry then goes. The list only shrinks.
"""

from __future__ import annotations

REASON = "issue 21 (open): this drawing misses its preset's target (fit, 12 pt, panel count or first line) yet"

# The slow run of .ci/run on the merged main (49 of its 538 tests); all drawing presets. Two gone
# since (issue 21: one link box per phase put the first-line decision on one panel drawn down), 35
# more (issue 21: labels of arrows sharing an end placed beside their arrows, a panel cut again
# where its labels collide, the cut rebalanced; they passed in the slow run of tests/pathways), and
# three slide counts drawn down (issue 21: a reduction ending in a decision folded, wide boxes down),
# and three more (issue 21: the slide's last-resort widths: desmoid's count drawn down, epithelioid
# sarcoma's and NTRK's first-line decisions on their first slides drawn right), and four more (issue 21: the page's
# last-resort widths: desmoid's and TGCT's pages fit, with no text under 12 pt).
NODE_IDS: frozenset[str] = frozenset({
    "tests/pathways/test_panels.py::test_every_first_line_option_is_a_box_on_one_panel[tgct-down]",
    "tests/pathways/test_panels.py::test_every_first_line_option_is_a_box_on_one_panel[tgct-right]",
})
