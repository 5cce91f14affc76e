"""PSA runs: the same results in one process, in any batches, on 1 or 2 dask workers; resumed runs."""

from __future__ import annotations

import numpy as np
import pytest

from sarcoma_sim.economics.inputs import load_inputs
from sarcoma_sim.economics.psa import BatchStore, base_case, build_model, run_psa
from sarcoma_sim.economics.strategies import load_analysis
from sarcoma_sim.economics.uncertainty import draw, read_uncertainty

from helpers.economics import COSTS, STRATEGIES, load_gist


@pytest.fixture(scope="module")
def gist():
    """(pathway, params) of the shipped GIST files."""
    return load_gist()

N, K, SEED = 300, 8, 11


@pytest.fixture(scope="module")
def worked(gist):
    """The worked example's model (300 patients) and 8 samples of its uncertainty."""
    pathway, params = gist
    analysis = load_analysis(STRATEGIES, pathway, params)
    inputs = load_inputs(COSTS, pathway)
    model = build_model(pathway, params, analysis, inputs, N)
    entries = read_uncertainty(analysis.document, [p for _, _, p in model.strategies], inputs)
    paths, draws = draw(entries, K, SEED)
    return model, paths, draws


def test_results_do_not_depend_on_the_batches(worked):
    """Batches of 1, 3 or 8 samples give the same bytes."""
    model, paths, draws = worked
    runs = [run_psa(model, paths, draws, SEED, batch_size=b) for b in (1, 3, 8)]
    assert runs[0].shape == (K, 2, 3)
    assert all(r.tobytes() == runs[0].tobytes() for r in runs)
    assert len({tuple(r) for r in runs[0][:, 0, :]}) == K     # the samples differ


def test_one_and_two_dask_workers_give_byte_identical_results(worked):
    """A LocalCluster of 1 worker and of 2 (threads, for speed) reproduce the in-process run byte for byte."""
    pytest.importorskip("distributed")
    model, paths, draws = worked
    here = run_psa(model, paths, draws, SEED, batch_size=3)
    one = run_psa(model, paths, draws, SEED, batch_size=3, workers=1, processes=False)
    two = run_psa(model, paths, draws, SEED, batch_size=3, workers=2, processes=False)
    assert one.tobytes() == here.tobytes() == two.tobytes()


def test_strategies_share_random_numbers_within_a_sample(worked):
    """The base case runs both strategies on the same patients: differences have a smaller standard
    error than either mean would suggest for independent cohorts."""
    model, _, _ = worked
    base = base_case(model, SEED)
    diff = base[1].per_patient[:, 2] - base[0].per_patient[:, 2]
    independent = np.hypot(base[0].standard_errors[2], base[1].standard_errors[2])
    assert diff.std(ddof=1) / np.sqrt(N) < independent


def test_an_interrupted_run_resumes_from_the_batches_done(worked, tmp_path):
    """A run stopped after two batches keeps them in its store; the rerun computes only the rest and
    gives the bytes of an uninterrupted run."""
    model, paths, draws = worked
    full = run_psa(model, paths, draws, SEED, batch_size=2)
    store = BatchStore(tmp_path / "store", "key-1")
    calls = []

    def stop_after_two(done, total):
        calls.append(done)
        if done >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_psa(model, paths, draws, SEED, batch_size=2, store=store, progress=stop_after_two)
    assert sorted(p.name for p in (tmp_path / "store").glob("batch-*.npy")) == ["batch-00000.npy", "batch-00001.npy"]
    seen = []
    resumed = run_psa(model, paths, draws, SEED, batch_size=2, store=BatchStore(tmp_path / "store", "key-1"),
                      progress=lambda d, t: seen.append(d))
    assert seen[0] == 4 and resumed.tobytes() == full.tobytes()
    BatchStore(tmp_path / "store", "key-2")          # other inputs: the old batches are dropped
    assert not list((tmp_path / "store").glob("batch-*.npy"))


def test_an_existing_scheduler_gives_the_same_results(worked):
    """Given a running cluster's address (``--scheduler``), the run reproduces the in-process bytes."""
    distributed = pytest.importorskip("distributed")
    model, paths, draws = worked
    here = run_psa(model, paths, draws, SEED, batch_size=4)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as c:
        there = run_psa(model, paths, draws, SEED, batch_size=4, scheduler=c.scheduler_address)
    assert there.tobytes() == here.tobytes()


def test_compiling_once_per_run_gives_the_bytes_of_compiling_every_sample(worked):
    """A sample run on the model's compiled pathways and cost plans (numbers updated for the sample)
    equals the same sample with everything rebuilt from the files, byte for byte."""
    import dataclasses

    from sarcoma_sim.economics.psa import run_sample
    from sarcoma_sim.economics.uncertainty import sample_seed

    model, paths, draws = worked
    rebuilt = dataclasses.replace(model, compiled=(), plans=(), base_rates=())
    for k in range(3):
        fast = run_sample(model, paths, draws[k], sample_seed(SEED, k))
        slow = run_sample(rebuilt, paths, draws[k], sample_seed(SEED, k))
        assert [t.means.tobytes() for t in fast] == [t.means.tobytes() for t in slow]


def test_the_states_a_sample_changes_are_named_or_all_when_imaging_changes():
    """Parameter paths name the states to recompile; the imaging interval changes every state (None)."""
    from sarcoma_sim.economics.paramset import changed_states

    assert changed_states({"states.imatinib_400.progression.median_months": 5.0,
                           "states.sunitinib_50_intermittent.after.imatinib_800.progression.shape": 1.2}) == \
        frozenset({"imatinib_400", "sunitinib_50_intermittent"})
    assert changed_states({"states.imatinib_400.progression.median_months": 5.0,
                           "imaging.interval_months": 3.0}) is None
