"""How much of a heavy test runs: which cases of a matrix are slow, how many examples hypothesis tries.

The default ``python -m pytest`` stays fast by running one representative case of each heavy
matrix and a fraction of each large hypothesis budget; ``.ci/run`` runs the slow cases
(``-m slow``) and the hypothesis tests under the ``ci`` profile (``HYPOTHESIS_PROFILE=ci``),
where every budget is taken in full.
"""

from __future__ import annotations

import os
from typing import Iterable

import pytest

# Share of a test's full hypothesis budget tried under each profile (registered in tests/conftest.py).
_SHARE = {"default": 0.2, "ci": 1.0}


def examples(full: int) -> int:
    """The ``max_examples`` for a property test whose full budget is ``full``, under the active profile."""
    share = _SHARE.get(os.environ.get("HYPOTHESIS_PROFILE", "default"), 1.0)
    return max(20, round(full * share))


def heavy_matrix(values: Iterable, keep: Iterable = ("gist",)) -> list:
    """``pytest.param`` for each value: those in ``keep`` run by default, every other one is marked slow."""
    keep = set(keep)
    return [pytest.param(value, marks=() if value in keep else pytest.mark.slow) for value in values]
