"""Tests of the pathway-reading commands: list, show, validate, export; exit codes and errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sarcoma_sim.cli.dispatch import NOT_FOR_CLINICAL_USE
from sarcoma_sim.pathways.load import SUBTYPE_IDS

from helpers.cli_runner import run_cli


def test_list_shows_every_subtype(capsys):
    """``list`` prints one row per subtype, all fourteen, the three added by issue 18 last."""
    code, out, _ = run_cli(capsys, "list")
    assert code == 0
    rows = [line.split()[0] for line in out.splitlines()[1:] if line and not line.startswith(" ")]
    assert rows == list(SUBTYPE_IDS) and len(rows) == 14
    assert rows[-3:] == ["desmoid", "tgct", "epithelioid_sarcoma"]


def test_list_json(capsys):
    """``list --format json`` gives ids, names and drugs for scripts."""
    code, out, _ = run_cli(capsys, "list", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and [r["id"] for r in rows] == list(SUBTYPE_IDS)
    gist = rows[0]
    assert {"imatinib", "sunitinib"} <= set(gist["drugs"]) and gist["lines_of_therapy"] >= 2


def test_show_is_readable_text(capsys):
    """``show gist`` lists regimens with doses, conditions, sources and the notice."""
    code, out, _ = run_cli(capsys, "show", "gist")
    assert code == 0
    assert "imatinib: 400 mg daily" in out
    assert "imatinib_400 --progression if extent = limited--> resection" in out
    assert "sunitinib: 50 mg orally once daily; 4 weeks on/2 weeks off" in out
    assert "* regorafenib" in out
    assert NOT_FOR_CLINICAL_USE in out


def test_show_json(capsys):
    """``show --format json`` gives states, transitions with readable conditions, and sources."""
    code, out, _ = run_cli(capsys, "show", "gist", "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["initial"] == "workup"
    assert {"event": "start", "from": "workup", "to": "imatinib_800_exon9", "when": "kit_exon = exon9"}.items() \
        <= next(t for t in document["transitions"] if t["to"] == "imatinib_800_exon9").items()


def test_show_unknown_subtype_exits_1(capsys):
    """An unknown subtype is exit 1 with an error line and no traceback."""
    code, out, err = run_cli(capsys, "show", "gastric")
    assert code == 1 and out == ""
    assert err.startswith("error: unknown subtype 'gastric'; expected one of gist,")
    assert "Traceback" not in err


def test_validate_all_shipped(capsys):
    """``validate`` passes every shipped subtype."""
    code, out, err = run_cli(capsys, "validate", *SUBTYPE_IDS)
    assert code == 0 and err == ""
    assert out.count("ok: ") == len(SUBTYPE_IDS)


def test_validate_broken_file_reports_every_problem(capsys, tmp_path, small_pathway_text):
    """A broken file exits 1 and prints one located error line per problem; good files still pass."""
    good = tmp_path / "good.yaml"
    good.write_text(small_pathway_text)
    bad = tmp_path / "bad.yaml"
    bad.write_text(small_pathway_text.replace("to: end}\n  - {event: progression, from: drug_b",
                                              "to: nowhere}\n  - {event: progression, from: drug_b")
                   .replace("when: {marker: positive}", "when: {marker: unknown}"))
    code, out, err = run_cli(capsys, "validate", str(good), str(bad))
    assert code == 1
    assert f"ok: {good}" in out
    lines = err.splitlines()
    assert any(line.startswith(f"error: {bad}:") and "transitions[3].to: unknown state 'nowhere'" in line
               for line in lines)
    assert any("transitions[0].when.marker: 'unknown' is not a declared value" in line for line in lines)
    assert "Traceback" not in err


def test_validate_syntax_error(capsys, tmp_path):
    """A YAML syntax error is exit 1 with file, line and column."""
    bad = tmp_path / "syntax.yaml"
    bad.write_text("id: x\nstates: [a, b\n")
    code, _, err = run_cli(capsys, "validate", str(bad))
    assert code == 1 and f"error: {bad}:" in err and "YAML syntax error, column" in err


def test_export_json(capsys):
    """``export gist --format json`` prints the node-link contract."""
    code, out, _ = run_cli(capsys, "export", "gist", "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["graph"]["subtype"] == "gist"
    assert {"source", "target", "key", "event", "when", "order", "sources"} <= set(document["edges"][0])


def test_export_to_file(capsys, tmp_path):
    """``export -o FILE`` writes the file and prints nothing."""
    target = tmp_path / "gist.json"
    code, out, _ = run_cli(capsys, "export", "gist", "-o", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["graph"]["subtype"] == "gist"


def test_export_to_missing_folder_exits_1(capsys, tmp_path):
    """An unwritable output is exit 1 with an error line, and no file appears."""
    target = tmp_path / "missing" / "gist.json"
    code, _, err = run_cli(capsys, "export", "gist", "-o", str(target))
    assert code == 1 and "cannot write output" in err and not target.exists()


def test_usage_errors_exit_2(capsys):
    """Usage errors (no command, unknown command, bad format choice) exit 2."""
    assert run_cli(capsys, )[0] == 2
    assert run_cli(capsys, "frobnicate")[0] == 2
    code, _, err = run_cli(capsys, "export", "gist", "--format", "png")
    assert code == 2 and "invalid choice" in err


def test_export_choices_are_the_exporters():
    """The parser's --format choices are exactly the exporters' names, in the same order."""
    from sarcoma_sim.cli.pathways import EXPORT_FORMATS
    from sarcoma_sim.pathways.export import EXPORTERS

    assert EXPORT_FORMATS == tuple(EXPORTERS)


def test_building_the_parser_imports_no_heavy_module():
    """Start-up stays fast: building the parser imports neither networkx, numpy nor matplotlib."""
    probe = ("import sys; from sarcoma_sim.cli.dispatch import build_parser; build_parser(); "
             "print(sorted(m for m in ('networkx', 'numpy', 'matplotlib') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_reading_commands_do_not_import_matplotlib():
    """``list``, ``show``, ``validate`` and ``export`` never import matplotlib (fast start)."""
    probe = ("import sys; from sarcoma_sim.cli.dispatch import main; "
             "[main(a) for a in (['list'], ['show', 'gist'], ['validate', 'gist'], ['export', 'gist'])]; "
             "print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize("argv,code", [(["list"], 0), (["show", "nope"], 1), (["show"], 2)])
def test_module_entry_point_exit_codes(argv, code):
    """``python -m sim`` (the same as the console script) exits 0, 1 and 2 as documented, no traceback."""
    result = subprocess.run([sys.executable, "-m", "sarcoma_sim", *argv], capture_output=True, text=True)
    assert result.returncode == code
    assert "Traceback" not in result.stderr


def test_show_says_when_the_pathway_was_last_reviewed(capsys):
    """``show`` prints the pathway's last clinical review date (issue 18), and --format json carries it."""
    code, out, _ = run_cli(capsys, "show", "asps")
    assert code == 0 and "Last clinical review: 2026-12-06" in out
    code, out, _ = run_cli(capsys, "show", "asps", "--format", "json")
    assert code == 0 and json.loads(out)["reviewed"] == "2026-12-06"


def test_show_names_adjuvant_therapy_as_adjuvant_not_a_line(capsys):
    """``show gist`` lists adjuvant imatinib as adjuvant, the first line's imatinib as line 1."""
    code, out, _ = run_cli(capsys, "show", "gist")
    rows = {}
    for line in out.splitlines():
        words = line.lstrip(" *").split()
        if words and words[0] in ("adjuvant_imatinib", "imatinib_400") and "-->" not in line:
            rows[words[0]] = " ".join(words[1:3])
    assert code == 0 and rows == {"adjuvant_imatinib": "adjuvant Adjuvant", "imatinib_400": "line 1"}
