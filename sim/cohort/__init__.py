"""Cohorts of hypothetical patients: evidence parameters, random streams, the population sampler,
the stepwise and vectorized engines and their event log. Imports the pathway layer only, never the
one-patient code."""
