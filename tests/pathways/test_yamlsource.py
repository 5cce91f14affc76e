"""Tests of the safe YAML reader: values, line map, and refusal of hostile or broken input."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.errors import PathwaySyntaxError
from sarcoma_sim.pathways.yamlsource import MAX_BYTES, format_path, parse_yaml, read_yaml

from helpers.budget import examples


def test_values_and_lines_are_recorded():
    """A document parses to plain values and every node's line is known."""
    doc = parse_yaml("a: 1\nb:\n  - x: yes\n    y: [1, 2]\n", "t.yaml")
    assert doc.data == {"a": 1, "b": [{"x": True, "y": [1, 2]}]}
    assert doc.line_of(("b", 0, "y")) == 4
    assert doc.line_of(("b", 0, "missing")) == 3


def test_format_path_mixes_keys_and_indices():
    """Paths render as dotted keys with bracketed indices."""
    assert format_path(("transitions", 3, "when", "kit_exon")) == "transitions[3].when.kit_exon"
    assert format_path(()) == ""


def test_alias_is_refused():
    """Anchors and aliases (the billion-laughs vector) are refused with the line."""
    with pytest.raises(PathwaySyntaxError, match=r"t.yaml:2: YAML anchors and aliases"):
        parse_yaml("a: 1\nb: &x [1]\nc: *x\n", "t.yaml")


def test_billion_laughs_is_refused_quickly():
    """A classic alias bomb is refused within a second, not expanded."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    started = time.perf_counter()
    with pytest.raises(PathwaySyntaxError):
        parse_yaml(bomb, "bomb.yaml")
    assert time.perf_counter() - started < 1.0


def test_deep_nesting_is_refused_quickly():
    """Nesting far beyond any pathway's depth is refused without recursion errors."""
    started = time.perf_counter()
    with pytest.raises(PathwaySyntaxError, match="nesting deeper"):
        parse_yaml("[" * 50_000 + "]" * 50_000, "deep.yaml")
    assert time.perf_counter() - started < 1.0


def test_huge_text_is_refused():
    """A text over the size limit is refused before parsing."""
    with pytest.raises(PathwaySyntaxError, match="larger than"):
        parse_yaml("a: " + "x" * (MAX_BYTES + 1), "big.yaml")


def test_huge_file_is_refused_by_size(tmp_path):
    """A file over the size limit is refused from its size, unread."""
    path = tmp_path / "big.yaml"
    path.write_text("#" * (MAX_BYTES + 10))
    with pytest.raises(PathwaySyntaxError, match="larger than"):
        read_yaml(path)


def test_duplicate_key_names_both_lines():
    """A repeated mapping key is an error naming the key and the first line."""
    with pytest.raises(PathwaySyntaxError) as info:
        parse_yaml("states:\n  a: 1\n  a: 2\n", "d.yaml")
    assert "d.yaml:3 at states.a: duplicate key 'a' (first given on line 2)" in str(info.value)


def test_syntax_error_has_line_and_column():
    """A YAML syntax error is located: file, line and column (the parser's own explanation follows)."""
    with pytest.raises(PathwaySyntaxError) as info:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "s.yaml")
    (problem,) = info.value.problems
    assert (problem.file, problem.line) == ("s.yaml", 3)
    assert re.match(r"YAML syntax error, column \d+: \S", problem.message)


def test_several_documents_are_refused():
    """Only one document per file is accepted."""
    with pytest.raises(PathwaySyntaxError, match="single YAML document"):
        parse_yaml("a: 1\n---\nb: 2\n", "m.yaml")


def test_python_tags_are_not_constructed():
    """A python/object tag is never constructed: the safe loader refuses it."""
    with pytest.raises(PathwaySyntaxError, match="evil.yaml:1 at a: YAML tag .*python/object/apply:os.system"):
        parse_yaml("a: !!python/object/apply:os.system ['echo hacked']\n", "evil.yaml")


def test_dates_must_be_quoted():
    """An unquoted date is refused with advice to quote it, not turned into a datetime."""
    with pytest.raises(PathwaySyntaxError, match="quote dates"):
        parse_yaml("when: 2020-01-01\n", "date.yaml")


def test_missing_file_is_a_syntax_error(tmp_path):
    """A missing file gives a PathwayError naming it, not FileNotFoundError."""
    with pytest.raises(PathwaySyntaxError, match="no such file"):
        read_yaml(tmp_path / "nope.yaml")


def test_non_utf8_file_is_refused(tmp_path):
    """Bytes that are not UTF-8 give a clear error."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Sch\xf6ffski\n".encode("latin-1"))
    with pytest.raises(PathwaySyntaxError, match="not UTF-8"):
        read_yaml(path)


def test_empty_document_has_no_data():
    """An empty file parses to None (the validator then says what was expected)."""
    assert parse_yaml("", "e.yaml").data is None


@settings(max_examples=examples(300), deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab: -[]{},&*!'\"#\n\t?|>%@`0123456789.~")), max_size=80))
def test_arbitrary_text_gives_values_or_a_syntax_error(text):
    """Any text, however broken, parses or raises PathwaySyntaxError; never another exception."""
    try:
        doc = parse_yaml(text, "fuzz.yaml")
    except PathwaySyntaxError as error:
        assert error.problems[0].file == "fuzz.yaml"
    else:
        assert doc.file == "fuzz.yaml"


@settings(max_examples=examples(200), deadline=None)
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
                    lambda inner: st.one_of(st.lists(inner, max_size=4),
                                            st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=4)),
                    max_leaves=20))
def test_values_round_trip_through_safe_dump(value):
    """Whatever PyYAML's safe dumper writes, the reader gives back the same values."""
    import yaml

    assert parse_yaml(yaml.safe_dump(value), "rt.yaml").data == value


# -- hostile input (issue 13) -------------------------------------------------------------------

def test_integer_too_large_for_a_float_is_refused_at_its_path():
    """A 401-digit integer is refused with its line and document path, shown abbreviated."""
    with pytest.raises(PathwaySyntaxError) as caught:
        parse_yaml("a:\n  b: [1, " + "9" * 401 + "]\n", "t.yaml")
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.path) == ("t.yaml", 2, "a.b[1]")
    assert "too large" in problem.message and "401 characters" in problem.message


def test_largest_float_sized_integer_is_accepted():
    """An integer a float can still hold is a value like any other."""
    assert parse_yaml(f"a: {10 ** 300}\n").data == {"a": 10 ** 300}


def test_the_caller_chooses_the_error_class(tmp_path):
    """``error=`` makes every refusal (syntax, hostile input, unreadable file) raise the caller's class."""
    from sarcoma_sim.errors import ParameterError, ScenarioError

    for text in ("a: [1,\n", "a: &x 1\nb: *x\n", "a: " + "9" * 400 + "\n"):
        with pytest.raises(ScenarioError):
            parse_yaml(text, "s.yaml", error=ScenarioError)
    with pytest.raises(ParameterError, match="no such file"):
        read_yaml(tmp_path / "missing.yaml", error=ParameterError)


def test_control_character_is_one_located_line():
    """A raw control character is refused on one line naming its line, column and code point."""
    with pytest.raises(PathwaySyntaxError) as caught:
        parse_yaml("a: 1\ntitle: a\x01b\n", "t.yaml")
    (problem,) = caught.value.problems
    assert problem.line == 2 and "column 9" in problem.message and "U+0001" in problem.message
    assert "\n" not in str(caught.value)


def test_device_is_refused_without_reading():
    """``/dev/zero`` (endless) is refused at once as not a regular file."""
    started = time.perf_counter()
    with pytest.raises(PathwaySyntaxError, match="not a regular file"):
        read_yaml("/dev/zero")
    assert time.perf_counter() - started < 1


def test_fifo_without_writer_is_refused_without_blocking(tmp_path):
    """A FIFO with no writer is refused at once instead of waiting forever for data."""
    import os

    fifo = tmp_path / "in.yaml"
    os.mkfifo(fifo)
    started = time.perf_counter()
    with pytest.raises(PathwaySyntaxError, match="not a regular file"):
        read_yaml(fifo)
    assert time.perf_counter() - started < 1


def test_read_stops_one_byte_past_the_limit(tmp_path, monkeypatch):
    """A file over the limit is refused after reading at most limit + 1 bytes, whatever its size."""
    import os

    from sarcoma_sim.pathways import yamlsource

    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * 5000)
    read = []
    real_read = os.read

    def counting(fd, size):
        data = real_read(fd, size)
        read.append(len(data))
        return data
    monkeypatch.setattr(yamlsource.os, "read", counting)
    with pytest.raises(PathwaySyntaxError, match="larger than 100 bytes"):
        yamlsource.read_bounded(path, limit=100)
    assert sum(read) == 101
    assert yamlsource.read_bounded(path, limit=5000) == b"#" * 5000
