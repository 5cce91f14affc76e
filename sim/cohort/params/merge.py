"""Merging parameter documents while remembering where each node came from.

A partial file is merged over the shipped one key by key; ``Located`` keeps the file and line of
every node (or the ``--set`` override that wrote it) so a problem found later names its source.
"""

from __future__ import annotations

from typing import Any, Mapping

from sarcoma_sim.cohort.params.model import DISTRIBUTIONS, PLAIN_UNITS, SHAPED, TIME_UNITS
from sarcoma_sim.errors import Problem
from sarcoma_sim.pathways.yamlsource import YamlDocument, format_path


class Located:
    """Plain merged data plus where each node came from (file and line), for error messages."""

    def __init__(self, doc: YamlDocument):
        self.data = doc.data
        self.origins: dict[tuple, tuple[str, int | None]] = {p: (doc.file, line) for p, line in doc.lines.items()}
        self.origins.setdefault((), (doc.file, None))
        self.override_paths: dict[tuple, str] = {}
        self.removed: dict[tuple, str] = {}     # a mapping a ``--set KEY=none`` removed a key from -> the override
        # (group, event, state) of each competing-exit default copied into a state (``apply_exit_defaults``)
        self.exit_defaults: tuple[tuple[str, str, str], ...] = ()

    def mark(self, path: tuple, file: str, lines: Mapping[tuple, int | None] | None, base: tuple = ()) -> None:
        """Record that the subtree at ``path`` now comes from ``file`` (``lines`` relative to ``base``)."""
        for p in [p for p in self.origins if p[:len(path)] == path]:
            del self.origins[p]
        for p in [p for p in self.override_paths if p[:len(path)] == path]:
            del self.override_paths[p]
        if lines is None:
            self.origins[path] = (file, None)
            return
        for p, line in lines.items():
            if p[:len(base)] == base:
                self.origins[path + p[len(base):]] = (file, line)
        self.origins.setdefault(path, (file, None))

    def where(self, path: tuple) -> tuple[str, int | None]:
        """File and line of the node at ``path`` or of its nearest located ancestor."""
        path = tuple(path)
        while path not in self.origins and path:
            path = path[:-1]
        return self.origins.get(path, ("<params>", None))

    def problem(self, path: tuple, message: str) -> Problem:
        """A ``Problem`` at ``path``, located in the file (or override) it came from.

        A problem where a ``--set KEY=none`` removed a key (``median_months is required``) is the
        override's doing, so it names the override, not the file the rest of the mapping came from.
        """
        if tuple(path) in self.removed:
            return Problem(self.removed[tuple(path)], None, format_path(path), message)
        file, line = self.where(path)
        return Problem(file, line, format_path(path), message)

    def origin_text(self, path: tuple) -> str:
        """``file:line`` (or the override) a quantity came from."""
        if path in self.override_paths:
            return self.override_paths[path]
        file, line = self.where(path)
        return f"{file}:{line}" if line else file


class Scratch(Located):
    """A located document that records nothing (merging ``after`` overlays in memory)."""

    def __init__(self):
        self.data, self.origins, self.override_paths, self.removed = None, {}, {}, {}

    def mark(self, *args, **kwargs) -> None:
        """Record nothing."""
        return None


def is_quantity(value: Any) -> bool:
    """Whether ``value`` is a quantity (a mapping with a unit key), which merging replaces whole."""
    return isinstance(value, dict) and any(k in value for k in (*TIME_UNITS, *PLAIN_UNITS))


def merge(located: Located, base: Any, overlay: Any, path: tuple, file: str,
          lines: Mapping[tuple, int | None], overlay_path: tuple) -> Any:
    """Merge ``overlay`` into ``base`` key by key down to quantities, which are replaced whole.

    A null deletes a key. Setting ``distribution`` to one without a shape drops an inherited shape.
    """
    if not isinstance(base, dict) or not isinstance(overlay, dict) or is_quantity(overlay) or is_quantity(base):
        located.mark(path, file, lines, overlay_path)
        return overlay
    merged = dict(base)
    if overlay.get("distribution") in DISTRIBUTIONS and overlay["distribution"] not in SHAPED \
            and "shape" not in overlay:
        merged.pop("shape", None)
    for key, value in overlay.items():
        if value is None:
            merged.pop(key, None)
            located.mark(path + (key,), file, None)
        elif key in merged:
            merged[key] = merge(located, merged[key], value, path + (key,), file, lines, overlay_path + (key,))
        else:
            merged[key] = value
            located.mark(path + (key,), file, lines, overlay_path + (key,))
    return merged


def copy_data(value: Any) -> Any:
    """A deep copy of plain YAML data (mappings, lists, scalars), so merging never changes a parsed document."""
    if isinstance(value, dict):
        return {k: copy_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_data(v) for v in value]
    return value
