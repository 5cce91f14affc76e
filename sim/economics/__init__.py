"""Health economics on the cohort engine: costs, utilities, strategies, discounted totals, PSA.

Layer: after cohorts, before reports. Economic inputs and strategies are data files validated with
located errors (``inputs``, ``strategies``); ``accounting`` integrates costs, QALYs and life-years
over every stay of a simulated cohort with continuous discounting; ``decision`` turns totals into
incremental tables, net monetary benefit, CEAC/CEAF, EVPI and EVPPI; ``psa`` draws parameter
uncertainty up front from the seed and runs batches of samples, locally or on dask.distributed.
"""
