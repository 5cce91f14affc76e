"""Checks of the arguments library functions share: the random seed and the cohort size.

Each check exists once, here, in the base layer so that one-patient code (teaching), cohort code
and the faces all use it. A bad value is an ``ArgumentError`` naming the library argument
(``seed``, ``n``); the command line translates that name into its flag.
"""

from __future__ import annotations

import numbers

from sarcoma_sim.errors import ArgumentError

# SeedSequence takes any non-negative int, but a seed nobody can type back is no use for
# repeating a run; 128 bits is all the entropy a SeedSequence keeps anyway.
MAX_SEED = 2 ** 128 - 1
# Memory stays flat at any size (the summary is merged chunk by chunk); this bound is time: a billion
# patients is about half an hour on a 2-core machine, and a typo of a few extra digits should not
# start a run that never ends. Larger studies run several seeds.
MAX_COHORT_SIZE = 1_000_000_000


def check_seed(seed) -> int:
    """The seed as an int; anything but a whole number in 0..MAX_SEED is an ``ArgumentError("seed", ...)``."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) <= MAX_SEED:
        raise ArgumentError("seed", f"expected a whole number from 0 to 2**128 - 1, got {shown(seed)}")
    return int(seed)


def check_cohort_size(n) -> int:
    """The number of patients as an int; anything but a whole number from 1 to ``MAX_COHORT_SIZE`` is an
    ``ArgumentError("n", ...)``."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < 1:
        raise ArgumentError("n", f"expected a whole number of patients >= 1, got {shown(n)}")
    if int(n) > MAX_COHORT_SIZE:
        raise ArgumentError("n", f"expected at most {MAX_COHORT_SIZE:,} patients (run several seeds for more), "
                                 f"got {shown(n)}")
    return int(n)


def shown(value) -> str:
    """A value for an error line, cut short when it is huge (a 5,000-digit seed)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"
