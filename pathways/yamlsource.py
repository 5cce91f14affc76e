"""Read a YAML document safely into plain Python values plus a map from document path to line.

Shared by pathway, scenario and parameter files. Before anything is built, the event stream is
scanned without recursion and a hostile document is refused: anchors and aliases (the "billion
laughs" expansion), nesting deeper than ``MAX_DEPTH``, more than ``MAX_NODES`` nodes, or a file
larger than ``MAX_BYTES``. Duplicate mapping keys, which PyYAML silently overwrites, are errors.
Only PyYAML's safe scalar resolution is used; nothing in a file is ever evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sarcoma_sim.errors import PathwaySyntaxError, Problem

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


ACCEPTED_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")}
# libyaml's parser when PyYAML was built with it (the usual wheels are): same events, about 10x faster.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if yaml.__with_libyaml__ else yaml.SafeLoader
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _line(event) -> int | None:
    return event.start_mark.line + 1 if event.start_mark else None


def _resolve_tag(event, kind) -> str:
    if event.tag in (None, "!"):
        if kind is yaml.ScalarNode:
            return _RESOLVER.resolve(kind, event.value, event.implicit)
        return _RESOLVER.resolve(kind, None, event.implicit)
    return event.tag


class _Frame:
    """An open mapping or sequence while the event stream is read."""

    __slots__ = ("value", "path", "key", "key_line")

    def __init__(self, value, path: PathKey):
        self.value = value
        self.path = path
        self.key = None        # the key whose value comes next (mappings only)
        self.key_line = None


def _events_to_document(text: str, file: str) -> YamlDocument:
    """Build plain values and the line map from one pass over the event stream, without recursion.

    The guards come first, on each event as it arrives: no anchors or aliases, no more than
    ``MAX_DEPTH`` levels, ``MAX_NODES`` nodes, one document, core tags only, plain-text keys, no
    duplicate keys.
    """
    doc = YamlDocument(data=None, file=file)
    stack: list[_Frame] = []
    nodes = 0
    documents = 0

    def place(value, line: int | None) -> tuple | None:
        """Put a finished value into its parent; returns the path of a container value."""
        if not stack:
            doc.data = value
            doc.lines[()] = line
            return ()
        parent = stack[-1]
        if isinstance(parent.value, list):
            path = parent.path + (len(parent.value),)
            parent.value.append(value)
            doc.lines[path] = line
            return path
        if parent.key is None:
            if isinstance(value, (dict, list)) or value is None or not isinstance(value, (str, int, float, bool)):
                where = format_path(parent.path) or "top level"
                raise _refuse(file, line, f"at {where}: mapping keys must be plain text")
            if value in parent.value:
                first = doc.lines[parent.path + (value,)]
                raise PathwaySyntaxError(Problem(file, line, format_path(parent.path + (value,)),
                                                 f"duplicate key {value!r} (first given on line {first})"))
            parent.key, parent.key_line = value, line
            return None
        path = parent.path + (parent.key,)
        parent.value[parent.key] = value
        doc.lines[path] = parent.key_line  # a mapping entry is located at its key
        parent.key = None
        return path

    try:
        for event in yaml.parse(text, Loader=_SafeLoader):
            line = _line(event)
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _refuse(file, line, "YAML anchors and aliases are not accepted in this file")
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _refuse(file, line, "expected a single YAML document, found several")
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                if isinstance(frame.value, dict) and frame.key is not None:  # cannot happen in valid YAML
                    raise _refuse(file, line, "a mapping key has no value")
                continue
            if not isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                continue
            nodes += 1
            if nodes > MAX_NODES:
                raise _refuse(file, line, f"more than {MAX_NODES} YAML nodes is not accepted")
            kind = {yaml.ScalarEvent: yaml.ScalarNode, yaml.MappingStartEvent: yaml.MappingNode,
                    yaml.SequenceStartEvent: yaml.SequenceNode}[type(event)]
            tag = _resolve_tag(event, kind)
            if tag not in ACCEPTED_TAGS:
                inside = stack[-1].path + ((stack[-1].key,) if isinstance(stack[-1].value, dict)
                                           and stack[-1].key is not None else ()) if stack else ()
                raise PathwaySyntaxError(Problem(
                    file, line, format_path(inside),
                    f"YAML tag {tag!r} is not accepted; expected plain text, numbers, true/false, lists and "
                    "mappings (quote dates and other special values)"))
            if kind is yaml.ScalarNode:
                node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
                try:
                    value = _CONSTRUCTOR.construct_object(node)
                except (yaml.YAMLError, ValueError) as exc:
                    raise _refuse(file, line, f"unreadable value {event.value!r}: {exc}") from None
                place(value, line)
                continue
            if len(stack) >= MAX_DEPTH:
                raise _refuse(file, line, f"nesting deeper than {MAX_DEPTH} levels is not accepted")
            container: dict | list = {} if kind is yaml.MappingNode else []
            path = place(container, line)
            if path is None:
                raise _refuse(file, line, f"at {format_path(stack[-1].path) or 'top level'}: "
                                          "mapping keys must be plain text")
            stack.append(_Frame(container, path))
    except yaml.YAMLError as exc:
        # libyaml may stop at its own nesting limit before our event guard sees the depth; the
        # refusal names our limit whichever libyaml is installed.
        deep = _too_deep_flow_line(text)
        if deep is not None:
            raise _refuse(file, deep, f"nesting deeper than {MAX_DEPTH} levels is not accepted") from None
        raise _syntax_error(file, exc) from None
    return doc


_FLOW_TOKENS = re.compile(r"""[\[\]{}\n#"']""")


def _too_deep_flow_line(text: str) -> int | None:
    """The line where ``[``/``{`` nesting first passes ``MAX_DEPTH`` (quotes and comments skipped), if any."""
    depth, line, position = 0, 1, 0
    while True:
        match = _FLOW_TOKENS.search(text, position)
        if match is None:
            return None
        char, position = match.group(), match.end()
        before = text[match.start() - 1] if match.start() else "\n"
        if char in "#'\"" and before not in " \t\n[{,:":
            continue  # inside a plain scalar: not a comment or a quote
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif char in "]}":
            depth = max(depth - 1, 0)
        elif char == "\n":
            line += 1
        elif char == "#":
            end = text.find("\n", position)
            position = len(text) if end < 0 else end
        else:  # a quoted scalar: skip to its closing quote ('' and \" escapes)
            closing = re.compile(r"'(?!')|''" if char == "'" else r'\\.|"', re.S)
            while True:
                found = closing.search(text, position)
                if found is None:
                    return None
                line += text.count("\n", position, found.end())
                position = found.end()
                if found.group() in ("'", '"'):
                    break


def _syntax_error(file: str, exc: yaml.YAMLError) -> PathwaySyntaxError:
    """PyYAML's error as a located refusal: line and column where PyYAML knows them."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "invalid YAML"
        return _refuse(file, line, f"YAML syntax error{column}: {what}")
    return _refuse(file, None, f"YAML error: {exc}")


def parse_yaml(text: str, file: str = "<string>") -> YamlDocument:
    """Parse one YAML document from ``text``, refusing hostile input; ``file`` names it in errors."""
    if len(text) > MAX_BYTES:
        raise _refuse(file, None, f"file is larger than {MAX_BYTES} bytes; refusing to read it")
    return _events_to_document(text, file)


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
