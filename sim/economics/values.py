"""One economic number with its provenance, read from a located YAML node.

Every value in an economic input or strategy file is a mapping ``{value: X, source: "..."}`` or
``{value: X, illustrative: true}`` (a ``note`` may follow): a bare number is refused, so no
figure enters a result without saying where it comes from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sarcoma_sim.errors import Problem
from sarcoma_sim.pathways.yamlsource import PathKey, YamlDocument


@dataclass(frozen=True)
class Valued:
    """A number with its source (or ``illustrative``) and the file:line it was read from."""

    value: float
    source: str | None
    illustrative: bool
    note: str | None
    origin: str

    @property
    def provenance(self) -> str:
        """``source: ...`` or ``illustrative``, for reports."""
        return f"source: {self.source}" if self.source else "illustrative"


def read_valued(doc: YamlDocument, node, path: PathKey, problems: list[Problem],
                low: float | None = None, high: float | None = None) -> Valued | None:
    """The ``Valued`` at ``path`` (node ``node``), or None with a located problem appended."""
    if not isinstance(node, dict):
        problems.append(doc.problem(path, "expected a mapping {value: NUMBER, source: TEXT} or "
                                          "{value: NUMBER, illustrative: true}"))
        return None
    unknown = sorted(set(node) - {"value", "source", "illustrative", "note"})
    if unknown:
        problems.append(doc.problem(path + (unknown[0],), f"unknown key {unknown[0]!r}; expected value, source, "
                                                          "illustrative, note"))
        return None
    value = node.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        problems.append(doc.problem(path + ("value",), f"expected a finite number, got {value!r}"))
        return None
    if low is not None and value < low or high is not None and value > high:
        span = f"between {low:g} and {high:g}" if low is not None and high is not None else \
            (f"at least {low:g}" if low is not None else f"at most {high:g}")
        problems.append(doc.problem(path + ("value",), f"expected a number {span}, got {value!r}"))
        return None
    source, illustrative = node.get("source"), node.get("illustrative", False)
    if source is not None and (not isinstance(source, str) or not source.strip()):
        problems.append(doc.problem(path + ("source",), "expected a citation (text)"))
        return None
    if not isinstance(illustrative, bool):
        problems.append(doc.problem(path + ("illustrative",), "expected true or false"))
        return None
    if not source and not illustrative:
        problems.append(doc.problem(path, "cite a source (source: ...) or mark the value illustrative: true"))
        return None
    note = node.get("note")
    where = f"{doc.file}:{doc.line_of(path)}" if doc.line_of(path) else doc.file
    return Valued(float(value), source, bool(illustrative), str(note) if note is not None else None, where)
