"""Live detail for large networks: coarser grids, interpolated back exactly where the function
is linear, the finest level a time budget allows, and full-size snapshots whatever the level."""
import numpy as np
import pytest

from playground import pipeline
from playground.experiment import Experiment
from playground.fields import Layer
from playground.grids import (DETAIL_LEVELS, DetailGrids, choose_level, interpolation_matrix,
                              sample_positions)
from playground.session import make_trainer
from playground.run import build_snapshot
from playground.worker import Job


def _grids(r=256, m=48, extent=(-6.0, 6.0, -5.0, 5.0)):
    boundary = pipeline.grid_points(extent, r)
    maps = pipeline.grid_points(extent, m)
    return DetailGrids(boundary, maps), boundary, maps


def test_samples_spread_evenly_across_the_grid():
    assert list(sample_positions(256, 16)) == list(range(8, 256, 16))
    assert list(sample_positions(48, 3)) == list(range(1, 48, 3))
    assert list(sample_positions(48, 1)) == list(range(48))


@pytest.mark.parametrize("level", range(len(DETAIL_LEVELS)))
def test_coarse_inputs_are_the_full_grids_own_points(level):
    grids, boundary, maps = _grids()
    kb, km = DETAIL_LEVELS[level]
    for name, full, size, k in (("boundary", boundary, 256, kb), ("map", maps, 48, km)):
        at = sample_positions(size, k)
        expected = full.reshape(size, size, 2)[at][:, at].reshape(-1, 2)
        np.testing.assert_array_equal(grids.inputs(name, level), expected)


@pytest.mark.parametrize("level", range(1, len(DETAIL_LEVELS)))
def test_interpolation_restores_a_linear_function_between_the_samples(level):
    grids, boundary, maps = _grids()
    for name, full, size, k in (("boundary", boundary, 256, DETAIL_LEVELS[level][0]),
                                ("map", maps, 48, DETAIL_LEVELS[level][1])):
        if k == 1:
            continue
        f = lambda p: np.column_stack([3 * p[:, 0] - 2 * p[:, 1] + 1, p[:, 1]])  # noqa: E731
        got = grids.full(name, level, f(grids.inputs(name, level)))
        want = f(full).T.reshape(2, size, size)
        at = sample_positions(size, k)
        # exact up to float32 rounding (GRID_DTYPE: values below 7, a few roundings each)
        tolerance = 16 * np.finfo(np.float32).eps * 7
        assert got.dtype == np.float32 and got.flags.c_contiguous
        inside = slice(at[0], at[-1] + 1)          # between the outermost samples: exact
        np.testing.assert_allclose(got[:, inside, inside], want[:, inside, inside],
                                   rtol=0, atol=tolerance)
        # beyond them each cell takes its nearest sample's value (no extrapolation)
        np.testing.assert_allclose(got[:, :at[0], at[0]], want[:, at[0]:at[0] + 1, at[0]]
                                   .repeat(at[0], axis=1), rtol=0, atol=tolerance)


def test_interpolation_weights_sum_to_one_so_probabilities_stay_probabilities():
    for size, step in ((256, 4), (48, 6), (48, 3)):
        u = interpolation_matrix(size, step)
        np.testing.assert_allclose(u.sum(axis=1), 1.0, atol=1e-15)
        assert (u >= 0).all()


def test_the_finest_level_within_the_budget_is_chosen():
    grids, _, _ = _grids()
    costs = [grids.points(level) for level in range(len(DETAIL_LEVELS))]
    assert costs == sorted(costs, reverse=True) and costs[0] == 256 ** 2 + 2 * 48 ** 2
    per_point = 1e-7
    assert choose_level(grids, per_point, costs[0] * per_point) == 0
    assert choose_level(grids, per_point, costs[0] * per_point * 0.99) == 1
    assert choose_level(grids, per_point, costs[3] * per_point) == 3
    assert choose_level(grids, per_point, 0.0) == len(DETAIL_LEVELS) - 1
    # a level in use is kept through small wobbles of the measured time, in both directions
    budget = costs[1] * per_point
    assert choose_level(grids, per_point * 1.4, budget, current=1) == 1
    assert choose_level(grids, per_point * 1.6, budget, current=1) == 2
    assert choose_level(grids, per_point * 0.8, budget, current=2) == 2
    assert choose_level(grids, per_point * 0.6, budget, current=2) == 1


def test_with_the_workers_budgets_a_paused_view_is_finer_than_a_coarsened_live_one():
    """Given the same measured cost per point (what the worker's timing gives it), the paused
    budget draws finer than the live one whenever the live view is coarsened and not already at
    the coarsest level, whichever level the live view held before (its hysteresis)."""
    from playground.worker import LIVE_BUILD_SECONDS, STILL_BUILD_SECONDS
    grids, _, _ = _grids()
    coarsest = len(DETAIL_LEVELS) - 1
    coarsened = 0
    for per_point in np.geomspace(1e-8, 1e-3, 400):
        still = choose_level(grids, per_point, STILL_BUILD_SECONDS)
        for current in (None, *range(len(DETAIL_LEVELS))):
            live = choose_level(grids, per_point, LIVE_BUILD_SECONDS, current)
            assert still <= live, (per_point, current)
            if 0 < live < coarsest:
                coarsened += 1
                assert still < live, (per_point, current)
    assert coarsened > 100             # the range above does coarsen the live view


@pytest.mark.parametrize("dataset", ["spiral", "spiral_k"])
def test_a_coarse_snapshot_is_full_size_and_close_to_the_exact_one(dataset):
    values = Experiment({"dataset": dataset, "layers": (Layer(16, "tanh"), Layer(16, "tanh"))}
                        ).values()
    data = pipeline.prepare(values)
    n_out = data.Y_train.shape[1]
    job = Job(0, data, pipeline.network_spec(values, len(data.features), n_out),
              pipeline.train_config(values), values["seed"])
    trainer = make_trainer(job)
    trainer.run(500)
    grids = DetailGrids(data.boundary_inputs, data.map_inputs)
    exact = build_snapshot(trainer, job, [], None, 0.0, (0, 3), grids=grids, level=0)
    coarse = build_snapshot(trainer, job, [], None, 0.0, (0, 3), grids=grids, level=2)
    assert exact.detail == 0 and coarse.detail == 2
    for a, b in ((exact.boundary, coarse.boundary), (exact.output_map, coarse.output_map),
                 (exact.focus, coarse.focus)):
        assert a.shape == b.shape
        assert np.abs(a - b).mean() < 0.02                  # smooth functions, fine samples
    for a, b in zip(exact.neuron_maps, coarse.neuron_maps):
        assert a.shape == b.shape and np.abs(a - b).mean() < 0.02
    if dataset == "spiral_k":
        np.testing.assert_allclose(coarse.boundary.sum(axis=-1), 1.0, atol=1e-5)


def test_a_full_detail_snapshot_is_the_network_evaluated_in_float64_to_float32_rounding():
    """The grids are evaluated in float32 (GRID_DTYPE: the views only draw them); a level-0
    snapshot still shows the float64 network at every grid point, to float32 rounding."""
    values = Experiment({"layers": (Layer(32, "tanh"),) * 3}).values()
    data = pipeline.prepare(values)
    job = Job(0, data, pipeline.network_spec(values, len(data.features), 1),
              pipeline.train_config(values), values["seed"])
    trainer = make_trainer(job)
    trainer.run(300)
    grids = DetailGrids(data.boundary_inputs, data.map_inputs)
    snapshot = build_snapshot(trainer, job, [], None, 0.0, (1, 5), grids=grids, level=0)
    boundary = trainer.predict(data.boundary_inputs, np.float64)[:, 0].reshape(grids.r, grids.r)
    np.testing.assert_allclose(snapshot.boundary, boundary, atol=1e-5)
    hidden = trainer.hidden_activations(data.map_inputs, np.float64)
    for maps, units in zip(snapshot.neuron_maps, hidden):
        np.testing.assert_allclose(maps, units.T.reshape(-1, grids.m, grids.m), atol=1e-5)
    focus = trainer.hidden_activations(data.boundary_inputs, np.float64)[1][:, 5]
    np.testing.assert_allclose(snapshot.focus, focus.reshape(grids.r, grids.r), atol=1e-5)


def test_non_finite_samples_draw_as_zero_and_do_not_spread():
    """A diverged network's NaN or inf samples become 0 before interpolation, so a cell between
    a finite sample and a cleaned one is their weighted mean, never NaN."""
    grids, _, _ = _grids()
    level = 2
    n = len(sample_positions(48, DETAIL_LEVELS[level][1]))
    values = np.ones((n * n, 1))
    values[0, 0], values[1, 0] = np.nan, np.inf
    got = grids.full("map", level, values)
    assert np.isfinite(got).all()
    assert got[0, 0, 0] == 0.0 and got[0, -1, -1] == 1.0
    assert ((got >= 0) & (got <= 1)).all()
