"""Input features: the columns the network sees for each point."""
import numpy as np
import pytest

from engine.features import DEFAULT_FEATURES, FEATURES, make_features


def test_registry_order_and_ascii_keys():
    assert list(FEATURES) == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2"]
    for key, feature in FEATURES.items():
        assert key.isascii() and feature.label
    assert FEATURES["x1^2"].label == "X\u2081\u00b2"
    assert set(DEFAULT_FEATURES) <= set(FEATURES)


def test_features_equal_their_closed_forms():
    rng = np.random.default_rng(0)
    pts = rng.uniform(-6, 6, size=(200, 2))
    x, y = pts.T
    expected = {"x1": x, "x2": y, "x1^2": x**2, "x2^2": y**2, "x1*x2": x * y,
                "sin x1": np.sin(x), "sin x2": np.sin(y)}
    out = make_features(pts, list(FEATURES))
    assert out.shape == (200, 7) and out.dtype == np.float64
    for j, name in enumerate(FEATURES):
        np.testing.assert_array_equal(out[:, j], expected[name], err_msg=name)


def test_columns_come_in_the_order_given():
    pts = np.array([[2.0, 3.0], [-1.0, 0.5]])
    out = make_features(pts, ("x1*x2", "x2", "x1^2"))
    np.testing.assert_array_equal(out, [[6.0, 3.0, 4.0], [-0.5, 0.5, 1.0]])


def test_output_is_a_new_array():
    pts = np.array([[1.0, 2.0]])
    out = make_features(pts, ["x1", "x2"])
    out[0, 0] = 99.0
    assert pts[0, 0] == 1.0


def test_empty_point_set_gives_empty_matrix():
    assert make_features(np.zeros((0, 2)), ["x1", "sin x2"]).shape == (0, 2)


@pytest.mark.parametrize("names,message", [
    ([], "at least one feature"),
    (["x1", "x3"], "unknown feature(s) 'x3'; valid names: x1, x2, x1^2"),
    (["x1", "x2", "x1"], "more than once: 'x1'"),
    ("x1", "not the string 'x1'"),
])
def test_bad_selections_are_rejected_with_a_clear_message(names, message):
    with pytest.raises(ValueError) as info:
        make_features(np.zeros((3, 2)), names)
    assert message in str(info.value)


def test_points_must_be_n_by_2():
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        make_features(np.zeros((3, 3)), ["x1"])
