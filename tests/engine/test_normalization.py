"""Standardizer: statistics learned from the training data, applied unchanged elsewhere."""
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.normalization import Standardizer


def test_train_data_gets_zero_mean_unit_std():
    rng = np.random.default_rng(0)
    X = rng.normal([3.0, -10.0, 0.0], [0.1, 5.0, 100.0], size=(500, 3))
    Z = Standardizer().fit_transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-12)


def test_statistics_are_mean_and_population_std():
    X = np.array([[1.0, 10.0], [2.0, 10.0], [3.0, 13.0], [6.0, 7.0]])
    s = Standardizer().fit(X)
    np.testing.assert_allclose(s.mean, [3.0, 10.0])
    np.testing.assert_allclose(s.std, [np.sqrt(3.5), np.sqrt(4.5)])   # ddof = 0


def test_test_data_uses_the_train_statistics():
    train = np.array([[0.0, 1.0], [2.0, 3.0]])     # mean (1, 2), std (1, 1)
    s = Standardizer().fit(train)
    test = np.array([[5.0, -2.0]])
    np.testing.assert_allclose(s.transform(test), [[4.0, -4.0]])
    np.testing.assert_allclose(s.mean, [1.0, 2.0])    # transforming did not refit


def test_constant_column_gets_std_1_and_no_division_by_zero():
    X = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    s = Standardizer().fit(X)
    assert s.std[1] == 1.0
    Z = s.transform(X)
    assert np.isfinite(Z).all()
    np.testing.assert_array_equal(Z[:, 1], 0.0)
    one_row = Standardizer().fit([[4.0, -1.0]])
    np.testing.assert_array_equal(one_row.std, [1.0, 1.0])


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 4)),
              elements=st.floats(-1e6, 1e6, allow_nan=False)))
def test_inverse_transform_undoes_transform(X):
    s = Standardizer().fit(X)
    np.testing.assert_allclose(s.inverse_transform(s.transform(X)), X, rtol=1e-9, atol=1e-6)
    assert (s.std > 0).all()


def test_identity_changes_nothing():
    s = Standardizer.identity(3)
    X = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(s.transform(X), X)
    np.testing.assert_array_equal(s.inverse_transform(X), X)
    assert s.is_identity and s.n_features == 3
    assert not Standardizer().fit(X).is_identity


def test_regression_targets_as_a_column():
    y = np.array([[1.0], [3.0], [5.0]])
    s = Standardizer().fit(y)
    z = s.transform(y)
    np.testing.assert_allclose(z.ravel(), [-np.sqrt(1.5), 0.0, np.sqrt(1.5)])
    np.testing.assert_allclose(s.inverse_transform(z), y)


def test_dict_round_trip_through_json():
    s = Standardizer().fit(np.array([[1.0, 2.0], [3.0, 8.0]]))
    d = json.loads(json.dumps(s.to_dict()))
    assert d == {"mean": [2.0, 5.0], "std": [1.0, 3.0]}
    t = Standardizer.from_dict(d)
    np.testing.assert_array_equal(t.mean, s.mean)
    np.testing.assert_array_equal(t.std, s.std)
    assert Standardizer().to_dict() == {"mean": None, "std": None}


@pytest.mark.parametrize("d,message", [
    ({"mean": [0.0]}, "keys 'mean' and 'std'"),
    ({"mean": [0.0, 1.0], "std": [1.0]}, "same non-zero length"),
    ({"mean": [0.0], "std": [0.0]}, "std must be finite and > 0"),
    ({"mean": [float("nan")], "std": [1.0]}, "mean must be finite"),
])
def test_from_dict_rejects_bad_values(d, message):
    with pytest.raises(ValueError, match=message):
        Standardizer.from_dict(d)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_data_names_the_row(bad):
    X = np.ones((5, 2))
    X[3, 1] = bad
    with pytest.raises(ValueError, match="at row 3, column 1"):
        Standardizer().fit(X)
    with pytest.raises(ValueError, match="at row 3, column 1"):
        Standardizer.identity(2).transform(X)


def test_misuse_is_reported():
    with pytest.raises(RuntimeError, match="not fitted"):
        Standardizer().transform(np.ones((2, 2)))
    with pytest.raises(ValueError, match="has 3 columns, the standardizer was fitted on 2"):
        Standardizer.identity(2).transform(np.ones((2, 3)))
    with pytest.raises(ValueError, match="must be 2-D"):
        Standardizer().fit(np.ones(4))
    with pytest.raises(ValueError, match="empty"):
        Standardizer().fit(np.ones((0, 2)))
    with pytest.raises(ValueError, match="n_features"):
        Standardizer.identity(0)
