"""The data pipeline and the history buffer."""
import numpy as np

from engine.features import make_features
from playground import pipeline
from playground.experiment import Experiment
from playground.history import History


def test_prepare_splits_featurises_and_standardizes_on_train():
    e = Experiment({"features": ("x1", "x2", "sin x1"), "n_points": 200})
    d = pipeline.prepare(e.values(), boundary_resolution=32, map_resolution=8)
    assert len(d.X_train) == e.n_train and len(d.X_test) == 200 - e.n_train
    assert d.X_train.shape[1] == 3 and d.Y_train.shape == (e.n_train, 1)
    np.testing.assert_allclose(d.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(d.X_train.std(axis=0), 1, atol=1e-12)
    # grid points go through the same features and the same standardizer
    raw = make_features(d.points_train, d.features)
    mean, std = raw.mean(axis=0), raw.std(axis=0)
    grid = pipeline.grid_points(d.extent, 32)
    np.testing.assert_allclose(d.boundary_inputs, (make_features(grid, d.features) - mean) / std)
    assert d.map_inputs.shape == (64, 3) and d.feature_maps.shape == (3, 8, 8)


def test_grid_is_row_major_from_the_minimum_corner():
    g = pipeline.grid_points((0.0, 4.0, -2.0, 2.0), 4)
    assert g.shape == (16, 2)
    assert tuple(g[0]) == (0.5, -1.5) and tuple(g[1]) == (1.5, -1.5) and tuple(g[4]) == (0.5, -0.5)


def test_multiclass_and_regression_targets():
    d = pipeline.prepare(Experiment({"dataset": "blobs_k", "n_classes": 4}).values(), 16, 8)
    assert d.task == "multiclass" and d.Y_train.shape[1] == 4
    np.testing.assert_array_equal(d.Y_train.sum(axis=1), 1)
    r = pipeline.prepare(Experiment({"dataset": "reg_gauss"}).values(), 16, 8)
    assert r.task == "regression" and r.target_range[0] < r.target_range[1]


def test_without_normalization_inputs_are_raw_features():
    d = pipeline.prepare(Experiment({"normalize": False}).values(), 16, 8)
    np.testing.assert_allclose(d.X_train, d.points_train)


def test_history_grows_by_doubling_and_keeps_rows():
    h = History(capacity=4)
    for start in range(0, 30, 3):
        h.extend({"step": np.arange(start, start + 3), "train_loss": np.ones(3)})
    assert len(h) == 30
    np.testing.assert_array_equal(h.column("step"), np.arange(30))
    assert np.isnan(h.column("test_loss")).all()
    assert h.last("step") == 29
    h.clear()
    assert len(h) == 0 and np.isnan(h.last("step"))
