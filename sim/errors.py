"""The one exception family for every wrong input, and the located ``Problem`` each one carries.

Every error carries enough to act on: the file, the line where known, the path inside the
document (``transitions[3].when.kit_exon``) and what was expected. ``SarcomaSimError`` is the root;
each kind of input has its own subclass. The command line prints ``error_lines()`` and exits 1; it
never shows a traceback. Library functions raise ``ArgumentError`` naming their own argument
(``n``, ``seed``); only the command line translates that into a flag name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        inside = f" at {self.path}" if self.path else ""
        prefix = f"{where}{inside}".strip()
        return f"{prefix}: {self.message}" if prefix else self.message


_NOT_ON_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """``text`` as one line of plain text: line breaks, other control and bidi characters shown as escapes."""
    return _NOT_ON_ONE_LINE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                else f"\\u{ord(m.group()):04x}", text)


class SarcomaSimError(Exception):
    """Root of every error the project raises about its inputs; ``problems`` lists each one."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(file="", line=None, path="", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def error_lines(self) -> list[str]:
        """The problems as the ``error:`` lines the command line prints."""
        # A file name may hold a line break: each problem stays one line, its names escaped.
        return [f"error: {one_line(str(p))}" for p in self.problems]


class PathwayError(SarcomaSimError):
    """A pathway file (or subtype id) that cannot be used."""


class PathwaySyntaxError(PathwayError):
    """The file is not YAML we accept: a syntax error, an alias, too deep or too large."""


class PathwayValidationError(PathwayError):
    """The file parsed but does not describe a valid pathway; ``problems`` lists every one."""


class UnknownSubtypeError(PathwayError):
    """A subtype id that no shipped pathway has."""


class ImpossibleEventError(PathwayError):
    """An event that cannot happen in the patient's current state, or that no condition admits."""


class ScenarioError(SarcomaSimError):
    """A scenario file (or a patient description) that cannot be run."""


class ParameterError(SarcomaSimError):
    """An evidence-parameter file or a ``--set`` override that cannot be used."""


class ArgumentError(SarcomaSimError, ValueError):
    """A bad value for a library function's argument; ``argument`` names it (``n``, ``seed``)."""

    def __init__(self, argument: str, message: str):
        self.argument = argument
        super().__init__(Problem("", None, "", f"{argument}: {message}"))
        self.message = message


class CommandLineError(SarcomaSimError):
    """A command-line value that cannot be used (the flag is named in the message)."""


class OutputError(SarcomaSimError):
    """An output location that cannot be written: missing folder, a folder where a file is expected."""
