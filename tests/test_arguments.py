"""Tests of the shared argument checks: seed and cohort size, each checked in one place."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarcoma_sim.arguments import MAX_SEED, check_cohort_size, check_seed, shown
from sarcoma_sim.errors import ArgumentError


@given(st.integers(min_value=0, max_value=MAX_SEED))
def test_every_seed_in_range_comes_back_as_an_int(seed):
    """Any whole number from 0 to 2**128 - 1 is a seed."""
    assert check_seed(seed) == seed


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_SEED + 1), st.floats(), st.text(),
                 st.booleans(), st.none()))
def test_everything_else_is_an_argument_error_naming_seed(value):
    """Negative, too large, fractional, text, boolean or missing seeds raise ArgumentError("seed")."""
    with pytest.raises(ArgumentError) as caught:
        check_seed(value)
    assert caught.value.argument == "seed" and len(caught.value.message) < 200


@given(st.one_of(st.integers(max_value=0), st.floats(), st.booleans(), st.none()))
def test_bad_cohort_sizes_are_argument_errors_naming_n(value):
    """Sizes below one or not whole numbers raise ArgumentError("n")."""
    with pytest.raises(ArgumentError) as caught:
        check_cohort_size(value)
    assert caught.value.argument == "n"


def test_numpy_integers_are_accepted():
    """A numpy integer is a whole number like any other."""
    import numpy as np

    assert check_seed(np.int64(7)) == 7 and type(check_seed(np.int64(7))) is int
    assert check_cohort_size(np.int32(3)) == 3


def test_shown_cuts_huge_values_short():
    """A value's text is kept whole when short and abbreviated with its length when long."""
    assert shown(12) == "12"
    assert shown(10 ** 100).endswith("(101 characters)")
