"""Where the tests find the repository and their data, wherever the test file sits under tests/."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEST_DATA = REPO / "tests" / "data"
REPRODUCERS = TEST_DATA / "reproducers"
