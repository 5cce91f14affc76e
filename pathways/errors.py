"""The one small exception family for everything that reads user input.

Every error carries enough to act on: the file, the line where known, the path inside the
document (``transitions[3].when.kit_exon``) and what was expected. The command line prints
``str(error)`` and exits 1; it never shows a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as the input allows."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        inside = f" at {self.path}" if self.path else ""
        prefix = f"{where}{inside}".strip()
        return f"{prefix}: {self.message}" if prefix else self.message


class PathwayError(Exception):
    """Base of every error the project raises about its inputs (pathways, scenarios, parameters)."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(file="", line=None, path="", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def error_lines(self) -> list[str]:
        """The problems as the ``error:`` lines the command line prints."""
        return [f"error: {p}" for p in self.problems]


class PathwaySyntaxError(PathwayError):
    """The file is not YAML we accept: a syntax error, an alias, too deep or too large."""


class PathwayValidationError(PathwayError):
    """The file parsed but does not describe a valid pathway; ``problems`` lists every one."""


class UnknownSubtypeError(PathwayError):
    """A subtype id that no shipped pathway has."""


class ImpossibleEventError(PathwayError):
    """An event that cannot happen in the patient's current state, or that no condition admits."""
