"""Read a YAML document safely into plain Python values plus a map from document path to line.

Shared by pathway, scenario and parameter files. Before anything is built, the event stream is
scanned without recursion and a hostile document is refused: anchors and aliases (the "billion
laughs" expansion), nesting deeper than ``MAX_DEPTH``, more than ``MAX_NODES`` nodes, or a file
larger than ``MAX_BYTES``. Duplicate mapping keys, which PyYAML silently overwrites, are errors.
Only PyYAML's safe scalar resolution is used; nothing in a file is ever evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pathways.errors import PathwaySyntaxError, Problem

MAX_BYTES = 1_000_000
MAX_DEPTH = 40
MAX_NODES = 200_000

PathKey = tuple  # a tuple of str (mapping keys) and int (sequence indices)


def format_path(path: PathKey) -> str:
    """Render ``("transitions", 3, "when", "kit_exon")`` as ``transitions[3].when.kit_exon``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass
class YamlDocument:
    """A parsed document: its values, its file name and the line of every node (1-based)."""

    data: Any
    file: str
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of the node at ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def problem(self, path: PathKey, message: str) -> Problem:
        """A ``Problem`` located at ``path`` in this document."""
        return Problem(self.file, self.line_of(path), format_path(path), message)


def _refuse(file: str, line: int | None, message: str) -> PathwaySyntaxError:
    return PathwaySyntaxError(Problem(file, line, "", message))


def _scan_events(text: str, file: str) -> None:
    """Walk the event stream once, refusing aliases, anchors, deep nesting and too many nodes."""
    depth = 0
    nodes = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1 if event.start_mark else None
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _refuse(file, line, "YAML anchors and aliases are not accepted in this file")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _refuse(file, line, f"nesting deeper than {MAX_DEPTH} levels is not accepted")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            if isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                nodes += 1
                if nodes > MAX_NODES:
                    raise _refuse(file, line, f"more than {MAX_NODES} YAML nodes is not accepted")
            if isinstance(event, yaml.DocumentStartEvent) and event.explicit and nodes:
                raise _refuse(file, line, "expected a single YAML document, found several")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "invalid YAML"
        raise _refuse(file, line, f"YAML syntax error{column}: {what}") from None
    except yaml.YAMLError as exc:
        raise _refuse(file, None, f"YAML error: {exc}") from None


ACCEPTED_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")}


def _build(node: yaml.Node, path: PathKey, doc: YamlDocument, constructor: yaml.SafeLoader) -> Any:
    doc.lines[path] = node.start_mark.line + 1
    if node.tag not in ACCEPTED_TAGS:
        raise PathwaySyntaxError(Problem(
            doc.file, node.start_mark.line + 1, format_path(path),
            f"YAML tag {node.tag!r} is not accepted; expected plain text, numbers, true/false, lists and "
            "mappings (quote dates and other special values)"))
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            key = _build(key_node, path + ("<key>",), doc, constructor)
            doc.lines.pop(path + ("<key>",), None)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise _refuse(doc.file, key_node.start_mark.line + 1,
                              f"at {format_path(path) or 'top level'}: mapping keys must be plain text")
            if key in result:
                raise PathwaySyntaxError(Problem(
                    doc.file, key_node.start_mark.line + 1, format_path(path + (key,)),
                    f"duplicate key {key!r} (first given on line {doc.lines[path + (key,)]})"))
            doc.lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _build(value_node, path + (key,), doc, constructor)
            doc.lines[path + (key,)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), doc, constructor) for i, item in enumerate(node.value)]
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise _refuse(doc.file, node.start_mark.line + 1, f"unreadable value: {exc}") from None


def parse_yaml(text: str, file: str = "<string>") -> YamlDocument:
    """Parse one YAML document from ``text``, refusing hostile input; ``file`` names it in errors."""
    if len(text) > MAX_BYTES:
        raise _refuse(file, None, f"file is larger than {MAX_BYTES} bytes; refusing to read it")
    _scan_events(text, file)
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:  # already caught by the scan; kept for safety on odd inputs
        raise _refuse(file, None, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    doc = YamlDocument(data=None, file=file)
    if root is None:
        return doc
    doc.data = _build(root, (), doc, yaml.SafeLoader(""))
    return doc


def read_yaml(path: str | Path) -> YamlDocument:
    """Read and parse the YAML file at ``path``; an unreadable file is a ``PathwaySyntaxError``."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _refuse(str(path), None, f"file is larger than {MAX_BYTES} bytes; refusing to read it")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _refuse(str(path), None, "no such file") from None
    except IsADirectoryError:
        raise _refuse(str(path), None, "is a directory, expected a YAML file") from None
    except UnicodeDecodeError as exc:
        raise _refuse(str(path), None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise _refuse(str(path), None, f"cannot read file: {exc.strerror}") from None
    return parse_yaml(text, str(path))
