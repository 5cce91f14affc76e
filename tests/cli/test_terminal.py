"""Tests of terminal-safe printing: escape sequences from files never reach the terminal raw."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sarcoma_sim.cli.terminal import safe_for_terminal

from helpers.cli_runner import run_cli


def test_escape_sequences_are_shown_as_escapes():
    """ESC, BEL and a C1 CSI become visible escapes; text, tabs, line breaks and accents stay."""
    assert safe_for_terminal("a\x1b]0;x\x07\x1b[2J\x9bb") == "a\\x1b]0;x\\x07\\x1b[2J\\x9bb"
    assert safe_for_terminal("Sarcome é\tline\nnext") == "Sarcome é\tline\nnext"


@given(st.text())
def test_no_control_character_survives(text):
    """Whatever the input, the output holds no control character but tab and line break."""
    assert all(c in "\t\n" or not (ord(c) < 32 or 127 <= ord(c) < 160) for c in safe_for_terminal(text))


def test_show_prints_a_control_character_label_escaped(tmp_path, capsys, small_pathway_text):
    """``show`` of a pathway whose label holds BEL prints it as ``\\x07``."""
    path = tmp_path / "odd.yaml"
    path.write_text(small_pathway_text.replace("label: Drug A", 'label: "Drug A\\a\\e[2J"'), encoding="utf-8")
    code, out, _ = run_cli(capsys, "show", path)
    assert code == 0 and "Drug A\\x07\\x1b[2J" in out and "\x1b" not in out and "\x07" not in out


def test_error_lines_escape_control_characters_in_file_names(tmp_path, capsys):
    """An error naming a file whose name holds an escape sequence prints the name escaped."""
    code, _, err = run_cli(capsys, "run", tmp_path / "x\x1b[2J.yaml")
    assert code == 1 and "x\\x1b[2J.yaml" in err and "\x1b" not in err
