"""Cut panels kept on disk between runs (sarcoma_sim.pathways.draw.panel_store)."""

from __future__ import annotations

import json

import pytest

from sarcoma_sim.pathways.draw import PRESETS, cut, panel_store, preset_panels
from sarcoma_sim.pathways.draw.diagram import graph_fingerprint
from sarcoma_sim.pathways.load import load_subtype


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A panel store of the test's own, and no panels kept in this process."""
    folder = tmp_path / "panels"
    monkeypatch.setenv(panel_store.ENVIRONMENT, str(folder))
    monkeypatch.setattr(cut, "_PANELS", {})
    return folder


def summary(panels) -> list:
    return [(p.number, p.count, p.states, p.wraps, graph_fingerprint(p.graph)) for p in panels]


def cut_again_is_an_error(*args, **kwargs):
    raise AssertionError("cut again although the panels were kept")


# desmoid drawn right has a panel at a last resort with a pair of link widths ((16, 10)); ASPS a
# second slide that fits only with its link boxes' events back on its arrows
@pytest.mark.parametrize("subtype, direction", [("desmoid", "right"), ("asps", "right"), ("emc", "down")])
def test_kept_panels_are_the_panels_cut(store, monkeypatch, subtype, direction):
    """Panels read back from the store are the panels the cut made: states, numbers, widths and graphs."""
    pathway = load_subtype(subtype)
    fresh = preset_panels(pathway, PRESETS["slide"], direction=direction)
    assert len(list(store.glob("*.json"))) == 1
    monkeypatch.setattr(cut, "_PANELS", {})
    monkeypatch.setattr(cut, "_preset_panels", cut_again_is_an_error)
    assert summary(preset_panels(pathway, PRESETS["slide"], direction=direction)) == summary(fresh)


def test_a_labelled_panel_is_kept_as_labelled(store):
    """A panel drawn with its link boxes' events back on its arrows is kept and rebuilt so; the others as they are."""
    from dataclasses import replace

    from sarcoma_sim.pathways.draw.cut import preset_graphs
    from sarcoma_sim.pathways.panels import labelled_arrows, split_panels

    folded = preset_graphs(load_subtype("leiomyosarcoma"))[1]
    # a fixed cut (the drawn cut depends on the fonts' metrics): first line, maintenance, second line, later lines
    groups = [["workup", "anthracycline", "doxorubicin_trabectedin", "doxorubicin_dacarbazine"],
              ["trabectedin_maintenance", "anthracycline_completed"],
              ["pazopanib", "trabectedin", "gemcitabine_docetaxel"], ["ntrk_inhibitor", "repotrectinib"]]
    plain = split_panels(folded, groups)
    k = next(i for i, p in enumerate(plain) if labelled_arrows(p.graph) is not None)
    panels = [replace(p, graph=labelled_arrows(p.graph)) if i == k else p for i, p in enumerate(plain)]
    panel_store.store("entry.json", folded, panels)
    assert json.loads((store / "entry.json").read_text())["labelled"] == [i == k for i in range(len(plain))]
    assert summary(panel_store.load("entry.json", folded)) == summary(panels)


def test_a_panel_sized_as_measured_is_kept_so(store):
    """A panel whose link boxes are sized as their placeholders (``panels.sized_as_measured``), one
    of them also with its events back on its arrows, is kept and rebuilt so; the others as they are."""
    from dataclasses import replace

    from sarcoma_sim.pathways.draw.cut import preset_graphs
    from sarcoma_sim.pathways.panels import labelled_arrows, measured_panels, sized_as_measured, split_panels

    folded = preset_graphs(load_subtype("leiomyosarcoma"))[1]
    groups = [["workup", "anthracycline", "doxorubicin_trabectedin", "doxorubicin_dacarbazine"],
              ["trabectedin_maintenance", "anthracycline_completed"],
              ["pazopanib", "trabectedin", "gemcitabine_docetaxel"], ["ntrk_inhibitor", "repotrectinib"]]
    plain, measured = split_panels(folded, groups), measured_panels(folded, groups)
    k = next(i for i, p in enumerate(plain) if labelled_arrows(p.graph) is not None)
    sized = {k, len(plain) - 1}
    panels = []
    for i, (p, m) in enumerate(zip(plain, measured)):
        graph = sized_as_measured(p.graph, m) if i in sized else p.graph
        panels.append(replace(p, graph=labelled_arrows(graph) if i == k else graph))
    panel_store.store("entry.json", folded, panels)
    kept = json.loads((store / "entry.json").read_text())
    assert kept["sized"] == [i in sized for i in range(len(plain))]
    assert kept["labelled"] == [i == k for i in range(len(plain))]
    assert summary(panel_store.load("entry.json", folded)) == summary(panels)


def test_each_input_of_a_cut_has_its_own_entry(store):
    """Another preset, direction or highlight is another entry; the same cut again is the same one."""
    pathway = load_subtype("emc")
    preset_panels(pathway, PRESETS["slide"])
    preset_panels(pathway, PRESETS["page"])
    preset_panels(pathway, PRESETS["slide"], direction="down")
    preset_panels(pathway, PRESETS["slide"], highlight=["workup", "pazopanib"])
    assert len(list(store.glob("*.json"))) == 4
    cut._PANELS.clear()
    preset_panels(pathway, PRESETS["slide"])
    assert len(list(store.glob("*.json"))) == 4


def test_entry_name_changes_with_the_code_and_the_text_engine(monkeypatch):
    """An entry is named by the drawing code and the fonts too: a new release or font is a new entry."""
    name = panel_store.entry_name("f", PRESETS["slide"], None, "right")
    assert panel_store.entry_name("f", PRESETS["slide"], None, "right") == name
    assert panel_store.entry_name("g", PRESETS["slide"], None, "right") != name
    assert panel_store.entry_name("f", PRESETS["page"], None, "right") != name
    assert panel_store.entry_name("f", PRESETS["slide"], ("a",), "right") != name
    assert panel_store.entry_name("f", PRESETS["slide"], None, "down") != name
    monkeypatch.setattr(panel_store, "_CODE_HASH", "other code")
    assert panel_store.entry_name("f", PRESETS["slide"], None, "right") != name
    monkeypatch.undo()
    monkeypatch.setattr(panel_store, "_text_engine", lambda: ["another matplotlib"])
    assert panel_store.entry_name("f", PRESETS["slide"], None, "right") != name


@pytest.mark.parametrize("damage", ["not json {", '{"format": 1}', '{"format": 99, "groups": []}',
                                    '{"format": 2, "groups": [["workup"], ["no_such_state"]], "labelled": [false, '
                                    'false], "sized": [false, false], "wraps": [null, null], '
                                    '"fingerprints": ["x", "y"]}'])
def test_a_damaged_entry_is_cut_again_and_replaced(store, damage):
    """An entry that cannot be read or does not match the graph is ignored: the panels are cut and kept anew."""
    pathway = load_subtype("emc")
    fresh = summary(preset_panels(pathway, PRESETS["slide"]))
    entry = next(store.glob("*.json"))
    entry.write_text(damage)
    cut._PANELS.clear()
    assert summary(preset_panels(pathway, PRESETS["slide"])) == fresh
    kept = json.loads(entry.read_text())
    assert kept["format"] == panel_store._FORMAT and "fingerprints" in kept


def test_off_keeps_nothing(tmp_path, monkeypatch):
    """SARCOMA_SIM_CACHE=off: panels are cut and nothing is written."""
    monkeypatch.setenv(panel_store.ENVIRONMENT, "off")
    monkeypatch.setattr(cut, "_PANELS", {})
    monkeypatch.chdir(tmp_path)
    assert panel_store.store_folder() is None
    assert preset_panels(load_subtype("emc"), PRESETS["slide"])
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_not_an_error(tmp_path, monkeypatch, caplog):
    """Where the store's folder cannot be made (a file stands there), the panels are cut and returned,
    and one warning (not one per drawing) names the folder and how to turn the store off."""
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(panel_store.ENVIRONMENT, str(blocked / "panels"))
    monkeypatch.setattr(cut, "_PANELS", {})
    monkeypatch.setattr(panel_store, "_WARNED", False)
    with caplog.at_level("WARNING", logger=panel_store.__name__):
        assert len(preset_panels(load_subtype("emc"), PRESETS["slide"])) >= 1
        assert len(preset_panels(load_subtype("emc"), PRESETS["page"])) >= 1
    assert blocked.read_text() == "not a folder"
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and str(blocked / "panels") in warnings[0]
    assert f"{panel_store.ENVIRONMENT}=off" in warnings[0]


def test_the_oldest_entries_beyond_the_limit_are_removed(store, monkeypatch):
    """The store keeps at most LIMIT entries, removing the oldest."""
    import os

    monkeypatch.setattr(panel_store, "LIMIT", 3)
    store.mkdir(parents=True)
    for i in range(4):
        old = store / f"old{i}.json"
        old.write_text("{}")
        os.utime(old, (1000 + i, 1000 + i))
    preset_panels(load_subtype("emc"), PRESETS["slide"])
    assert sorted(p.name for p in store.glob("old*.json")) == ["old2.json", "old3.json"]
    assert len(list(store.glob("*.json"))) == 3
