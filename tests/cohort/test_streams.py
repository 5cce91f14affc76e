"""Tests for sarcoma_sim.cohort.streams: seeds checked, keys give independent reproducible streams, fixed blocks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarcoma_sim.cohort.streams import BLOCK, POPULATION, STEPWISE, VECTORIZED, blocks, check_seed, stream
from sarcoma_sim.errors import ArgumentError

from helpers.budget import examples


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True, None])
def test_bad_seeds_are_argument_errors(bad):
    """A negative, fractional, text, boolean or missing seed is an ArgumentError naming ``seed``."""
    with pytest.raises(ArgumentError, match="expected a whole number from 0 to") as caught:
        check_seed(bad)
    assert caught.value.argument == "seed"


def test_seed_beyond_128_bits_is_refused_and_shown_short():
    """A seed past 2**128 - 1 is refused; a 4,000-digit seed is shown abbreviated, in one short line."""
    from sarcoma_sim.arguments import MAX_SEED

    assert check_seed(MAX_SEED) == MAX_SEED
    with pytest.raises(ArgumentError) as caught:
        check_seed(int("9" * 4000))
    assert caught.value.argument == "seed" and len(str(caught.value)) < 200


def test_a_good_seed_is_returned_as_int():
    """Whole numbers >= 0, numpy integers included, are accepted as ints."""
    assert check_seed(np.int64(5)) == 5 and check_seed(0) == 0


def test_same_key_same_numbers_other_key_other_numbers():
    """The same (seed, purpose, key) repeats its numbers; any change of seed, purpose or key changes them."""
    base = stream(1, VECTORIZED, 0, 3).random(8)
    assert np.array_equal(base, stream(1, VECTORIZED, 0, 3).random(8))
    for other in (stream(2, VECTORIZED, 0, 3), stream(1, POPULATION, 0, 3), stream(1, VECTORIZED, 1, 3),
                  stream(1, VECTORIZED, 0, 4), stream(1, STEPWISE, 0, 3)):
        assert not np.array_equal(base, other.random(8))


@given(st.integers(0, 5 * BLOCK), st.integers(0, 3 * BLOCK))
@settings(max_examples=examples(60), deadline=None)
def test_blocks_cover_exactly_the_patients(start, n):
    """``blocks(start, stop)`` are the blocks holding patients start..stop-1, no more, no fewer."""
    found = list(blocks(start, start + n))
    if n == 0:
        assert found == []
    else:
        assert found[0] == start // BLOCK and found[-1] == (start + n - 1) // BLOCK
        assert found == list(range(found[0], found[-1] + 1))


def test_cohort_size_below_one_is_refused():
    """A cohort of fewer than one patient is an ArgumentError naming ``n``; a valid size comes back as an int."""
    from sarcoma_sim.cohort.streams import check_cohort_size

    with pytest.raises(ArgumentError, match="n: expected a whole number of patients >= 1, got 0") as caught:
        check_cohort_size(0)
    assert caught.value.argument == "n"
    with pytest.raises(ArgumentError):
        check_cohort_size(2.5)
    assert check_cohort_size(5) == 5
