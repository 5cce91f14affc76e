"""Tests of the error family's messages: located, readable, one line per problem."""

from __future__ import annotations

from sarcoma_sim.errors import (
    ImpossibleEventError,
    PathwayError,
    PathwaySyntaxError,
    PathwayValidationError,
    Problem,
    UnknownSubtypeError,
)


def test_problem_names_file_line_and_path():
    """A problem reads ``file:line at path: message``."""
    assert str(Problem("a.yaml", 7, "states.x", "bad")) == "a.yaml:7 at states.x: bad"


def test_problem_without_line_or_path():
    """Missing parts are left out rather than printed empty."""
    assert str(Problem("a.yaml", None, "", "bad")) == "a.yaml: bad"
    assert str(Problem("", None, "", "bad")) == "bad"


def test_error_lines_one_per_problem():
    """Each problem becomes one ``error:`` line."""
    error = PathwayValidationError([Problem("a.yaml", 1, "", "one"), Problem("a.yaml", 2, "x", "two")])
    assert error.error_lines() == ["error: a.yaml:1: one", "error: a.yaml:2 at x: two"]
    assert str(error) == "a.yaml:1: one\na.yaml:2 at x: two"


def test_family_has_one_base():
    """Every error the project raises about input is a PathwayError."""
    for cls in (PathwaySyntaxError, PathwayValidationError, UnknownSubtypeError, ImpossibleEventError):
        assert issubclass(cls, PathwayError)
    assert PathwayError("plain").problems[0].message == "plain"
