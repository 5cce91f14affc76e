"""The import rules of the installed package, read from its source (ast), never by importing it.

Layers, imports flowing down only: base (errors, notice, files) < pathways <
{patient, cohort} (peers that never import each other) < economics < reports < faces {cli, web} (nothing
imports a face). Imports inside functions and under ``TYPE_CHECKING`` count like any other.
The top-level ``sarcoma_sim/__init__.py`` is exempt: it re-exports the public API lazily.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import os
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import networkx as nx
import pytest

import sarcoma_sim

from helpers.paths import REPO

PACKAGE = "sarcoma_sim"

# group -> rank; a module may import a lower rank, or its own group.
LAYERS = {
    "base": 0,
    "pathways": 1,
    "patient": 2,
    "cohort": 2,
    "economics": 3,
    "reports": 4,
    "cli": 5,
    "web": 5,
}
BASE_MODULES = {"sarcoma_sim.errors", "sarcoma_sim.notice", "sarcoma_sim.files", "sarcoma_sim.version",
                "sarcoma_sim.arguments"}
FACES = {"cli", "web"}

EXPECTED_PUBLIC_API = [
    "NOT_FOR_CLINICAL_USE", "__version__",
    "SUBTYPE_IDS", "load_subtype", "load_pathway", "load_any", "build_graph", "draw_pathway",
    "save_pathway_drawing", "load_scenario", "parse_scenario", "run_scenario", "make_patient", "Timeline",
    "load_params", "simulate", "CohortResult", "summarize", "plot_time_on_line", "plot_sequences",
    "plot_occupancy", "SarcomaSimError", "PathwayError", "ScenarioError", "ParameterError",
]


def _find_spec(name: str, search: list[str] | None):
    """The spec of ``name`` from the import system's finders, without executing any package code."""
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            continue
        spec = find_spec(name, search)
        if spec is not None:
            return spec
    return None


def _module_name(package: str, relative: str) -> str:
    return f"{package}.{relative}" if relative else package


@lru_cache(maxsize=1)
def installed_modules() -> dict[str, Path]:
    """Every module of the installed package: dotted name -> source file.

    Folders are walked for modules and sub-packages; a sub-package mapped from elsewhere (as
    ``sarcoma_sim.pathways`` is in an editable install) is found through the finders, from imports naming it.
    """
    modules: dict[str, Path] = {}
    packages: dict[str, list[str]] = {}  # package -> its folders
    pending = [(PACKAGE, _find_spec(PACKAGE, None))]
    while pending:
        name, spec = pending.pop()
        if spec is None or not spec.submodule_search_locations or name in packages:
            continue
        packages[name] = list(spec.submodule_search_locations)
        modules[name] = Path(spec.origin)
        for location in packages[name]:
            for entry in sorted(Path(location).iterdir()):
                if entry.suffix == ".py" and entry.stem != "__init__":
                    modules[f"{name}.{entry.stem}"] = entry
                elif (entry / "__init__.py").exists():
                    child = f"{name}.{entry.name}"
                    pending.append((child, _find_spec(child, packages[name])))
        if not pending:
            for module, path in list(modules.items()):
                for target, _line in _raw_imports(path, _package_of(module, path)):
                    parts = target.split(".")
                    for end in range(2, len(parts) + 1):
                        prefix, parent = ".".join(parts[:end]), ".".join(parts[:end - 1])
                        if parent in packages and prefix not in modules:
                            pending.append((prefix, _find_spec(prefix, packages[parent])))
                            modules[prefix] = Path()  # tried once; replaced when it is a package
    return {name: path for name, path in modules.items() if path != Path()}


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _raw_imports(path: Path, package: str) -> list[tuple[str, int]]:
    """(absolute dotted name, line) of every import in the file, anywhere in it."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, node.lineno))
            found += [(f"{module}.{alias.name}", node.lineno) for alias in node.names]
    return found


@lru_cache(maxsize=1)
def import_graph() -> nx.DiGraph:
    """Module -> module edges inside the package, each with the line of the first import."""
    modules = installed_modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for target, line in _raw_imports(path, _package_of(name, path)):
            # ``from a.b import c`` names module a.b.c if it exists, otherwise a name inside a.b.
            if target in modules and target != name and not graph.has_edge(name, target):
                graph.add_edge(name, target, line=line, file=str(path))
    return graph


def group_of(module: str) -> str | None:
    """The layer group of a module: base, pathways, patient, cohort, reports, cli or web."""
    if module in BASE_MODULES:
        return "base"
    if module == f"{PACKAGE}.__main__":
        return "cli"
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in LAYERS and parts[1] != "base":
        return parts[1]
    return None


def test_the_package_is_found_with_its_layers():
    """The walk finds the package's modules in every layer (so the rules below check something)."""
    groups = {group_of(m) for m in installed_modules()}
    assert {"base", "pathways", "patient", "cohort", "reports", "cli"} <= groups
    assert len(installed_modules()) > 40


def test_every_module_belongs_to_a_layer():
    """A new module outside every layer is named, so the rules cannot silently skip it."""
    stray = sorted(m for m in installed_modules() if m != PACKAGE and group_of(m) is None)
    assert not stray, f"modules in no layer (add them to a layer in {Path(__file__).name}): {stray}"


def wrong_way_imports(graph: nx.DiGraph) -> list[str]:
    """Each import of a higher layer, a peer layer, a face or the top-level package, naming both modules."""
    wrong = []
    for source, target, data in graph.edges(data=True):
        if source == PACKAGE:
            continue  # the lazy re-exports of the public API
        where = f"{data.get('file', '?')}:{data.get('line', '?')}"
        if target == PACKAGE:
            wrong.append(f"{source} imports the top-level {PACKAGE} (import the defining module) at {where}")
            continue
        mine, theirs = group_of(source), group_of(target)
        if mine is None or theirs is None or mine == theirs:
            continue
        if theirs in FACES:
            # Nothing imports a face, except the command line starting the web app (``serve``).
            if not (mine == "cli" and theirs == "web"):
                wrong.append(f"{source} imports the face {target} at {where}: nothing imports a face")
        elif LAYERS[theirs] >= LAYERS[mine]:
            wrong.append(f"{source} ({mine}) imports {target} ({theirs}) at {where}: imports flow down only")
    return wrong


def import_cycles(graph: nx.DiGraph) -> list[str]:
    """Each cycle between modules (the lazy top-level package aside), as ``a -> b -> a``."""
    graph = graph.copy()
    if PACKAGE in graph:
        graph.remove_node(PACKAGE)
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            cycle = nx.find_cycle(graph.subgraph(component))
            cycles.append(" -> ".join([a for a, _ in cycle] + [cycle[0][0]]))
    return cycles


def test_imports_only_flow_down_the_layers():
    """No module imports a higher layer, a peer layer or a face; each violation names both modules."""
    wrong = wrong_way_imports(import_graph())
    assert not wrong, "\n".join(wrong)


def test_there_is_no_import_cycle():
    """No cycle between modules; a cycle is reported module by module."""
    cycles = import_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_rules_catch_wrong_way_imports_and_cycles(tmp_path):
    """The checks above fail on a bad graph: upward, peer and face imports, a two-module cycle."""
    graph = nx.DiGraph()
    graph.add_edge("sarcoma_sim.pathways.draw", "sarcoma_sim.reports.plots")
    graph.add_edge("sarcoma_sim.patient.timeline", "sarcoma_sim.cohort.engines")
    graph.add_edge("sarcoma_sim.reports.summary", "sarcoma_sim.cli.dispatch")
    graph.add_edge("sarcoma_sim.cohort.engines", "sarcoma_sim")
    graph.add_edge("sarcoma_sim.patient.scenario", "sarcoma_sim.patient.timeline")
    graph.add_edge("sarcoma_sim.patient.timeline", "sarcoma_sim.patient.scenario")
    graph.add_edge("sarcoma_sim.cli.run", "sarcoma_sim.reports.summary")  # allowed: downward
    wrong = wrong_way_imports(graph)
    assert len(wrong) == 4
    assert wrong[0].startswith("sarcoma_sim.pathways.draw (pathways) imports sarcoma_sim.reports.plots (reports)")
    assert any("sarcoma_sim.patient.timeline (patient) imports sarcoma_sim.cohort.engines (cohort)" in w
               for w in wrong)
    assert import_cycles(graph) in (
        ["sarcoma_sim.patient.scenario -> sarcoma_sim.patient.timeline -> sarcoma_sim.patient.scenario"],
        ["sarcoma_sim.patient.timeline -> sarcoma_sim.patient.scenario -> sarcoma_sim.patient.timeline"])
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from ..cohort import engines\n\nfrom typing import TYPE_CHECKING\n"
                      "if TYPE_CHECKING:\n    import sarcoma_sim.reports.plots\n")
    names = {name for name, _ in _raw_imports(module, "sarcoma_sim.patient")}
    assert {"sarcoma_sim.cohort.engines", "sarcoma_sim.reports.plots"} <= names


def _python_files():
    for folder in ("sim", "pathways", "tests", "benchmarks", "examples"):
        yield from sorted((REPO / folder).rglob("*.py"))


def test_nothing_imports_the_old_top_level_names():
    """No source, test or benchmark imports the retired top-level ``sim`` or ``pathways`` packages."""
    old = []
    for path in _python_files():
        for name, line in _raw_imports(path, "sarcoma_sim"):
            if name.split(".")[0] in ("sim", "pathways"):
                old.append(f"{path.relative_to(REPO)}:{line}: {name}")
    for doc in sorted((REPO / "docs").rglob("*.md")):
        for number, text in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"\s*(from|import)\s+(sim|pathways)\b", text):
                old.append(f"{doc.relative_to(REPO)}:{number}: {text.strip()}")
    assert not old, "\n".join(old)


def test_every_package_folder_is_declared_in_setup_cfg():
    """setup.cfg's ``packages`` lists exactly the package's sub-packages, so a regular install ships them all."""
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    declared = set(config["options"]["packages"].split())
    found = {name for name, path in installed_modules().items() if path.name == "__init__.py"}
    # The shipped example scenarios: a data-only package (examples/ holds no Python).
    assert declared == found | {"sarcoma_sim.examples"}


def test_public_api_is_the_expected_list_and_every_name_resolves():
    """``sarcoma_sim.__all__`` is exactly the documented public API and each name resolves."""
    assert sarcoma_sim.__all__ == EXPECTED_PUBLIC_API
    for name in sarcoma_sim.__all__:
        assert getattr(sarcoma_sim, name) is not None, name
    assert set(sarcoma_sim.__all__) <= set(dir(sarcoma_sim))
    with pytest.raises(AttributeError):
        sarcoma_sim.not_a_public_name  # noqa: B018


def _fresh_python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)


def test_importing_the_package_stays_light():
    """``import sarcoma_sim`` in a fresh interpreter imports none of numpy, matplotlib, networkx."""
    done = _fresh_python("import sys, sarcoma_sim\n"
                         "print(sorted(m for m in ('numpy', 'matplotlib', 'networkx', 'transitions', 'jsonschema')"
                         " if m in sys.modules))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_python_dash_m_reports_the_version():
    """``python -m sarcoma_sim --version`` prints the installed distribution's version."""
    from importlib.metadata import version

    done = subprocess.run([sys.executable, "-m", "sarcoma_sim", "--version"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["sarcoma-sim", version("sarcoma-sim")]
    assert sarcoma_sim.__version__ == version("sarcoma-sim")


@pytest.mark.slow
def test_a_regular_install_holds_only_sarcoma_sim(tmp_path):
    """A regular ``pip install .`` puts ``sarcoma_sim`` in site-packages, no top-level ``sim`` or ``pathways``."""
    target = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--target", str(target), str(REPO)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    top = {p.name for p in target.iterdir() if not p.name.endswith((".dist-info", ".egg-info"))}
    assert "sarcoma_sim" in top and not {"sim", "pathways"} & top
    assert (target / "sarcoma_sim" / "pathways" / "data" / "gist.yaml").exists()
    assert (target / "sarcoma_sim" / "cohort" / "params" / "data" / "gist.yaml").exists()
    assert (target / "sarcoma_sim" / "py.typed").exists()
    env = {**os.environ, "PYTHONPATH": str(target)}
    shown = subprocess.run([sys.executable, "-c", "import sarcoma_sim.pathways.load as l; "
                            "print(l.__file__); print(len(l.load_subtype('gist').states))"],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0].startswith(str(target))
    assert importlib.util.find_spec("sarcoma_sim") is not None
