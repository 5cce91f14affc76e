"""The files a user and CI rely on agree with setup.cfg: licence, changelog, oldest-versions constraints."""

from __future__ import annotations

import configparser
import os
import re
from importlib.metadata import version

from helpers.paths import REPO


def _setup_cfg() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    return config


def declared_minimums() -> dict[str, str]:
    """Every install and test requirement of setup.cfg: normalised name -> its ``>=`` lower bound."""
    config = _setup_cfg()
    lines = config["options"]["install_requires"].split("\n") + config["options.extras_require"]["test"].split("\n")
    minimums = {}
    for line in filter(None, (raw.strip() for raw in lines)):
        found = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9A-Za-z.]*)(\s*,.*)?", line)
        assert found, f"setup.cfg requirement {line!r} has no '>=' lower bound"
        minimums[found[1].lower().replace("_", "-")] = found[2]
    return minimums


def pinned_oldest() -> dict[str, str]:
    """The ``name==version`` pins of .ci/constraints-oldest.txt."""
    pins = {}
    for line in (REPO / ".ci" / "constraints-oldest.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            pins[name.strip().lower().replace("_", "-")] = pinned.strip()
    return pins


def test_oldest_constraints_pin_exactly_the_declared_minimums():
    """.ci/constraints-oldest.txt pins every requirement at setup.cfg's lower bound, and nothing else."""
    assert pinned_oldest() == declared_minimums()


def test_licence_file_matches_setup_cfg():
    """setup.cfg says MIT and LICENSE is the MIT licence, to the project's contributors."""
    assert _setup_cfg()["metadata"]["license"] == "MIT"
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "sarcoma-sim contributors" in text
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in text


def test_changelog_describes_the_installed_version():
    """CHANGELOG.md's newest section is the version setup.cfg declares and ``--version`` reports."""
    declared = _setup_cfg()["metadata"]["version"]
    headings = re.findall(r"^## (\S+)", (REPO / "CHANGELOG.md").read_text(encoding="utf-8"), re.MULTILINE)
    assert headings and headings[0] == declared == version("sarcoma-sim")


def test_the_hypothesis_profile_is_the_one_hypothesis_profile_names():
    """Every process that runs tests loads the profile HYPOTHESIS_PROFILE names (default 50, ci 500 examples)."""
    from hypothesis import settings

    expected = 500 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 50
    assert settings.default.max_examples == expected
