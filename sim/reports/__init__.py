"""Reports on simulated cohorts: summaries and plots (the only simulator code that imports matplotlib)."""
