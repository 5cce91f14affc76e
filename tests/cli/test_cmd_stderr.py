"""A successful run prints nothing on standard error: no numpy or matplotlib warnings (issue 13 item 7).

Run as real processes, so warnings reach stderr as a user would see them (inside pytest they are
turned into errors instead).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

EXTREMES = ["--set", "imatinib_400.progression.median_months=1000000",
            "--set", "imatinib_400.intolerance.median_months=0.000001",
            "--set", "sunitinib_50_intermittent.progression.distribution=weibull",
            "--set", "sunitinib_50_intermittent.progression.shape=0.05"]


# Slow: a real process drawing the plots at the edges of the accepted values. By default the
# in-process tests catch any warning (filterwarnings = error) and tests/cli/test_strict_json.py runs
# the same extremes.
@pytest.mark.slow
@pytest.mark.parametrize("engine", ["vectorized", "stepwise"])
def test_cohort_with_extreme_accepted_values_is_silent_on_stderr(engine, tmp_path):
    """cohort at the edges of the accepted values (with --out, so plots are drawn) exits 0 with empty stderr."""
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "sarcoma_sim", "cohort", "gist", "-n", "300", "--seed", "2",
                           "--engine", engine, *EXTREMES, "--out", str(out), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    events = (out / "events.csv").read_text(encoding="utf-8")
    assert "inf" not in events and "nan" not in events
