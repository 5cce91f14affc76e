"""Read a YAML document safely into plain Python values plus a map from document path to line.

Shared by pathway, scenario and parameter files. Before anything is built, the event stream is
scanned without recursion and a hostile document is refused: anchors and aliases (the "billion
laughs" expansion), nesting deeper than ``MAX_DEPTH``, more than ``MAX_NODES`` nodes, or a file
larger than ``MAX_BYTES``. Duplicate mapping keys, which PyYAML silently overwrites, are errors.
Only PyYAML's safe scalar resolution is used; nothing in a file is ever evaluated. An integer
too large for a float is refused here, so no later check meets a number it cannot compare.
Files are read with a bounded read: only regular files, at most ``MAX_BYTES`` plus one byte.

The reader serves several kinds of file, so the caller says which error to raise (``error=``:
``PathwaySyntaxError`` by default, ``ScenarioError`` for scenarios, ``ParameterError`` for
parameter files).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sarcoma_sim.errors import PathwaySyntaxError, Problem, SarcomaSimError

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
    lines: dict[PathKey, int | None] = field(default_factory=dict)

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


ErrorClass = type[SarcomaSimError]


def _refuse(file: str, line: int | None, message: str, error: ErrorClass = PathwaySyntaxError) -> SarcomaSimError:
    return error(Problem(file, line, "", message))


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
        self.key: Any = None                # the key whose value comes next (mappings only)
        self.key_line: int | None = None


def _events_to_document(text: str, file: str, error: ErrorClass = PathwaySyntaxError) -> YamlDocument:
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
                raise _refuse(file, line, f"at {where}: mapping keys must be plain text", error=error)
            if value in parent.value:
                first = doc.lines[parent.path + (value,)]
                raise error(Problem(file, line, format_path(parent.path + (value,)),
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
                raise _refuse(file, line, "YAML anchors and aliases are not accepted in this file", error=error)
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _refuse(file, line, "expected a single YAML document, found several", error=error)
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                if isinstance(frame.value, dict) and frame.key is not None:  # cannot happen in valid YAML
                    raise _refuse(file, line, "a mapping key has no value", error=error)
                continue
            if not isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                continue
            nodes += 1
            if nodes > MAX_NODES:
                raise _refuse(file, line, f"more than {MAX_NODES} YAML nodes is not accepted", error=error)
            kind = {yaml.ScalarEvent: yaml.ScalarNode, yaml.MappingStartEvent: yaml.MappingNode,
                    yaml.SequenceStartEvent: yaml.SequenceNode}[type(event)]
            tag = _resolve_tag(event, kind)
            if tag not in ACCEPTED_TAGS:
                inside = stack[-1].path + ((stack[-1].key,) if isinstance(stack[-1].value, dict)
                                           and stack[-1].key is not None else ()) if stack else ()
                raise error(Problem(
                    file, line, format_path(inside),
                    f"YAML tag {tag!r} is not accepted; expected plain text, numbers, true/false, lists and "
                    "mappings (quote dates and other special values)"))
            if isinstance(event, yaml.ScalarEvent):    # kind is yaml.ScalarNode
                node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
                try:
                    value = _CONSTRUCTOR.construct_object(node)
                except (yaml.YAMLError, ValueError) as exc:
                    raise _refuse(file, line, f"unreadable value {event.value!r}: {exc}", error=error) from None
                if _too_large(value):
                    raise error(Problem(file, line, format_path(_value_path(stack)),
                                        f"the number {_abbreviated(event.value)} is too large; expected a number "
                                        f"of at most {_LARGEST_FLOAT:.3g} in size"))
                place(value, line)
                continue
            if len(stack) >= MAX_DEPTH:
                raise _refuse(file, line, f"nesting deeper than {MAX_DEPTH} levels is not accepted", error=error)
            container: dict | list = {} if kind is yaml.MappingNode else []
            path = place(container, line)
            if path is None:
                raise _refuse(file, line, f"at {format_path(stack[-1].path) or 'top level'}: "
                                          "mapping keys must be plain text", error=error)
            stack.append(_Frame(container, path))
    except yaml.YAMLError as exc:
        # libyaml may stop at its own nesting limit before our event guard sees the depth; the
        # refusal names our limit whichever libyaml is installed.
        deep = _too_deep_flow_line(text)
        if deep is not None:
            raise _refuse(file, deep, f"nesting deeper than {MAX_DEPTH} levels is not accepted", error=error) from None
        raise _syntax_error(file, exc, error, text) from None
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


def _syntax_error(file: str, exc: yaml.YAMLError, error: ErrorClass = PathwaySyntaxError,
                  text: str = "") -> SarcomaSimError:
    """PyYAML's error as a one-line located refusal: line and column where PyYAML knows them."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "invalid YAML"
        return _refuse(file, line, f"YAML syntax error{column}: {_one_line(what)}", error)
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.position, int):
        # A character YAML does not allow (a control character): PyYAML gives only its offset.
        before = text[:exc.position]
        row = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return _refuse(file, row, f"YAML syntax error, column {col}: the character U+{ord(char):04X} is not "
                                   f"allowed in YAML (control characters must be written as escapes "
                                   f"in double quotes, e.g. \"\\t\")", error)
    return _refuse(file, None, f"YAML error: {_one_line(str(exc))}", error)


def _one_line(text: str) -> str:
    """A library message folded onto one line, so each ``error:`` line stands alone."""
    return " ".join(text.split())


_LARGEST_FLOAT = 1.7976931348623157e308


def _too_large(value) -> bool:
    """An integer no float can hold (comparisons and arithmetic with floats would overflow)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    try:
        float(value)
    except OverflowError:
        return True
    return False


def _value_path(stack: list) -> PathKey:
    """The document path of the value the reader is about to place."""
    if not stack:
        return ()
    top = stack[-1]
    if isinstance(top.value, list):
        return top.path + (len(top.value),)
    return top.path + ((top.key,) if top.key is not None else ())


def _abbreviated(text: str) -> str:
    """A long number as its first digits and its length, so an error line stays one short line."""
    return text if len(text) <= 20 else f"{text[:12]}... ({len(text)} characters)"


def parse_yaml(text: str, file: str = "<string>", error: ErrorClass = PathwaySyntaxError) -> YamlDocument:
    """Parse one YAML document from ``text``, refusing hostile input with ``error``; ``file`` names it."""
    if len(text) > MAX_BYTES:
        raise _refuse(file, None, f"file is larger than {MAX_BYTES} bytes; refusing to read it", error)
    return _events_to_document(text, file, error)


def read_bounded(path: str | Path, limit: int = MAX_BYTES, error: ErrorClass = PathwaySyntaxError) -> bytes:
    """The bytes of the regular file at ``path``, refusing anything else and anything over ``limit`` bytes.

    A FIFO, a device (``/dev/zero``) or a folder is refused without reading; the file is opened
    non-blocking, so a FIFO without a writer cannot hang the read; at most ``limit + 1`` bytes are read,
    whatever the file's size claims.
    """
    name = str(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise _refuse(name, None, "no such file", error) from None
    except IsADirectoryError:
        raise _refuse(name, None, "is a directory, expected a YAML file", error) from None
    except OSError as exc:
        raise _refuse(name, None, f"cannot read file: {exc.strerror}", error) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise _refuse(name, None, "is a directory, expected a YAML file", error)
        if not stat.S_ISREG(mode):
            raise _refuse(name, None, "is not a regular file (a pipe, device or socket); expected a YAML file",
                          error)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise _refuse(name, None, f"cannot read file: {exc.strerror}", error) from None
    finally:
        os.close(fd)
    if size > limit:
        raise _refuse(name, None, f"file is larger than {limit} bytes; refusing to read it", error)
    return b"".join(chunks)


def read_yaml(path: str | Path, error: ErrorClass = PathwaySyntaxError) -> YamlDocument:
    """Read and parse the YAML file at ``path``; an unreadable file raises ``error`` (``PathwaySyntaxError``)."""
    data = read_bounded(path, MAX_BYTES, error)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(str(path), None, f"not UTF-8 text ({exc.reason} at byte {exc.start})", error) from None
    return parse_yaml(text, str(path), error)
