"""Data sets: what the user sees on the canvas and what the network is asked to learn."""
import numpy as np
import pytest

from engine.datasets import (DATASETS, MAX_POINTS, Dataset, data_range, generate,
                             train_test_split)

CLASSIFICATION = [k for k, d in DATASETS.items() if d.task != "regression"]
K_SETS = [k for k, d in DATASETS.items() if d.takes_n_classes]


def test_registry_has_the_promised_sets():
    assert list(DATASETS) == ["circle", "xor", "gauss", "spiral", "moons", "spiral_k", "blobs_k",
                              "reg_plane", "reg_gauss"]
    for info in DATASETS.values():
        assert info.label and info.task in ("binary", "multiclass", "regression")
        assert info.noise_effect in ("labels", "jitter", "width")
    assert set(K_SETS) == {"spiral_k", "blobs_k"}


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_seed_same_data_other_seed_other_data(name):
    a = generate(name, n_points=300, noise=0.2, seed=7)
    b = generate(name, n_points=300, noise=0.2, seed=7)
    c = generate(name, n_points=300, noise=0.2, seed=8)
    np.testing.assert_array_equal(a.points, b.points)
    np.testing.assert_array_equal(a.targets, b.targets)
    assert not np.array_equal(a.points, c.points)


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_shapes_dtypes_and_window(name, noise):
    info = DATASETS[name]
    k = 5 if info.takes_n_classes else None
    d = generate(name, n_points=401, noise=noise, seed=1, n_classes=k)
    assert d.points.shape == (401, 2) and d.points.dtype == np.float64
    assert d.targets.shape == (401,)
    assert d.task == info.task and d.name == name
    if d.task == "regression":
        assert d.targets.dtype == np.float64 and d.n_classes == 0
        assert np.abs(d.targets).max() < 2.0
    else:
        assert d.targets.dtype == np.int64
        assert d.n_classes == (5 if info.takes_n_classes else 2)
        assert set(np.unique(d.targets)) <= set(range(d.n_classes))
    # roughly TF Playground's [-6, 6] window: nearly all points inside, none far out
    assert np.mean(np.abs(d.points).max(axis=1) <= 6.0) > 0.95
    assert np.abs(d.points).max() < 10.0


def test_defaults_come_from_the_registry():
    d = generate("spiral_k")
    assert len(d) == DATASETS["spiral_k"].default_points and d.n_classes == 3


@pytest.mark.parametrize("name,k", [(name, 2) for name in CLASSIFICATION]
                         + [(name, k) for name in K_SETS for k in (3, 7, 10)])
def test_classes_are_balanced(name, k):
    n = 1003
    d = generate(name, n_points=n, noise=0.0, seed=3, n_classes=k if name in K_SETS else None)
    counts = d.class_counts()
    assert counts.sum() == n and len(counts) == k
    assert counts.max() - counts.min() <= 1


def test_points_are_shuffled_not_sorted_by_class():
    d = generate("blobs_k", n_points=600, seed=0, n_classes=3)
    assert not np.all(np.diff(d.targets) >= 0)


def test_circle_labels_follow_radius_rule_at_noise_0():
    d = generate("circle", n_points=2000, noise=0.0, seed=4)
    r = np.hypot(*d.points.T)
    np.testing.assert_array_equal(d.targets, (r < 2.5).astype(int))
    assert r[d.targets == 1].max() <= 2.5 and r[d.targets == 0].min() >= 3.5
    assert r.max() <= 5.0


def test_xor_labels_follow_quadrant_sign_with_margin_at_noise_0():
    d = generate("xor", n_points=2000, noise=0.0, seed=4)
    x, y = d.points.T
    np.testing.assert_array_equal(d.targets, (x * y > 0).astype(int))
    assert np.abs(d.points).min() >= 0.3


def test_gauss_points_sit_on_their_side_at_noise_0():
    d = generate("gauss", n_points=2000, noise=0.0, seed=4)
    np.testing.assert_array_equal(d.targets, (d.points.sum(axis=1) > 0).astype(int))
    centre = np.where(d.targets[:, None] == 1, 2.0, -2.0)
    assert np.hypot(*(d.points - centre).T).max() <= 3 * np.sqrt(0.5) + 1e-12


@pytest.mark.parametrize("k", [2, 3, 5, 10])
def test_blobs_points_are_nearest_their_own_centre_at_noise_0(k):
    d = generate("blobs_k", n_points=2000, noise=0.0, seed=5, n_classes=k)
    centres = np.array([d.points[d.targets == c].mean(axis=0) for c in range(k)])
    angle = np.pi / 4 + 2 * np.pi * np.arange(k) / k
    np.testing.assert_allclose(centres, 3.5 * np.column_stack((np.cos(angle), np.sin(angle))), atol=0.1)
    dist = np.linalg.norm(d.points[:, None, :] - centres[None], axis=2)
    np.testing.assert_array_equal(np.argmin(dist, axis=1), d.targets)


@pytest.mark.parametrize("name,k", [("spiral", 2), ("spiral_k", 3), ("spiral_k", 10)])
def test_spiral_points_lie_on_their_arm_at_noise_0(name, k):
    d = generate(name, n_points=1000, noise=0.0, seed=6, n_classes=k if name == "spiral_k" else None)
    turns, r0 = (1.75, 0.0) if name == "spiral" else (max(0.5, 3.5 / k), 0.5)
    r = np.hypot(*d.points.T)
    u = (r - r0) / (5.0 - r0)
    assert u.min() >= -1e-12 and u.max() <= 1 + 1e-12
    arm_angle = np.arctan2(d.points[:, 0], d.points[:, 1]) - turns * 2 * np.pi * u   # angle of (sin, cos)
    arm = np.round(np.mod(arm_angle, 2 * np.pi) / (2 * np.pi / k)).astype(int) % k
    expected = np.where(arm == 0, 1, 0) if name == "spiral" else arm
    np.testing.assert_array_equal(d.targets, expected)


def test_moons_are_two_half_circles_at_noise_0():
    d = generate("moons", n_points=1000, noise=0.0, seed=2)
    unit = d.points / 3.5 + [0.5, 0.25]
    upper, lower = unit[d.targets == 0], unit[d.targets == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(*(lower - [1.0, 0.5]).T), 1.0, atol=1e-12)
    assert upper[:, 1].min() >= -1e-12 and lower[:, 1].max() <= 0.5 + 1e-12


def test_regression_targets_follow_their_formulas_at_noise_0():
    plane = generate("reg_plane", n_points=500, noise=0.0, seed=1)
    np.testing.assert_allclose(plane.targets, plane.points.sum(axis=1) / 10.0)
    g = generate("reg_gauss", n_points=2000, noise=0.0, seed=1)
    assert np.abs(g.targets).max() <= 1.0
    # near a positive bump centre the value is close to +1, near a negative one close to -1
    near_pos = np.hypot(g.points[:, 0] - 4, g.points[:, 1] - 2.5) < 0.2
    near_neg = np.hypot(g.points[:, 0] - 0, g.points[:, 1] - 2.5) < 0.2
    assert near_pos.any() and near_neg.any()
    assert (g.targets[near_pos] > 0.89).all() and (g.targets[near_neg] < -0.89).all()
    far = np.min([np.hypot(g.points[:, 0] - cx, g.points[:, 1] - cy)
                  for cx in (-4, 0, 4) for cy in (-2.5, 2.5)], axis=0) >= 2
    np.testing.assert_array_equal(g.targets[far], 0.0)


def _spread(d):
    """Mean distance of each point to its class mean."""
    return np.mean([np.linalg.norm(d.points[d.targets == c] - d.points[d.targets == c].mean(axis=0), axis=1).mean()
                    for c in range(d.n_classes)])


@pytest.mark.parametrize("name", [k for k, d in DATASETS.items() if d.noise_effect == "width"])
def test_noise_widens_blobs(name):
    spreads = [_spread(generate(name, n_points=1000, noise=v, seed=0)) for v in (0.0, 0.25, 0.5)]
    assert spreads[0] < spreads[1] < spreads[2]


@pytest.mark.parametrize("name", [k for k, d in DATASETS.items() if d.noise_effect == "jitter"])
def test_noise_moves_points_off_their_curve(name):
    clean = generate(name, n_points=1000, noise=0.0, seed=0)
    moved = [np.abs(generate(name, n_points=1000, noise=v, seed=0).points - clean.points).mean()
             for v in (0.1, 0.5)]
    assert 0 < moved[0] < moved[1]


def test_label_noise_flips_labels_near_the_boundary():
    def wrong(name, noise):
        d = generate(name, n_points=3000, noise=noise, seed=0)
        x, y = d.points.T
        rule = np.hypot(x, y) < 2.5 if name == "circle" else x * y > 0
        return np.mean(d.targets != rule)
    for name in ("circle", "xor"):
        rates = [wrong(name, v) for v in (0.0, 0.1, 0.5)]
        assert rates[0] == 0 and rates[0] < rates[1] < rates[2] < 0.5


def test_target_matrix_per_task():
    b = generate("circle", n_points=50, seed=0)
    np.testing.assert_array_equal(b.target_matrix(), b.targets[:, None].astype(float))
    m = generate("blobs_k", n_points=50, seed=0, n_classes=4)
    t = m.target_matrix()
    assert t.shape == (50, 4) and m.n_outputs == 4 and t.dtype == np.float64
    np.testing.assert_array_equal(t.sum(axis=1), 1.0)
    np.testing.assert_array_equal(t.argmax(axis=1), m.targets)
    r = generate("reg_plane", n_points=50, seed=0)
    np.testing.assert_array_equal(r.target_matrix(), r.targets[:, None])
    assert r.n_outputs == 1 and b.n_outputs == 1


def test_dataset_arrays_are_read_only():
    d = generate("circle", n_points=20, seed=0)
    with pytest.raises(ValueError):
        d.points[0, 0] = 1.0
    with pytest.raises(ValueError):
        d.targets[0] = 0


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.73, 0.9])
def test_split_is_disjoint_covers_the_set_and_has_the_right_size(fraction):
    d = generate("xor", n_points=501, noise=0.1, seed=0)
    train, test = train_test_split(d, fraction, seed=3)
    assert len(train) == round(501 * fraction) and len(train) + len(test) == 501
    rows = lambda s: {tuple(p) + (t,) for p, t in zip(s.points.tolist(), s.targets.tolist())}
    assert rows(train).isdisjoint(rows(test))
    assert rows(train) | rows(test) == rows(d)
    assert train.task == test.task == d.task and train.n_classes == d.n_classes


def test_split_is_shuffled_and_deterministic_for_its_seed():
    d = generate("blobs_k", n_points=300, seed=0, n_classes=3)
    a, _ = train_test_split(d, 0.5, seed=1)
    b, _ = train_test_split(d, 0.5, seed=1)
    c, _ = train_test_split(d, 0.5, seed=2)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.array_equal(a.points, c.points)
    assert not np.array_equal(a.points, d.points[:150])


def test_split_of_two_points_gives_one_each():
    d = generate("circle", n_points=2, seed=0)
    for fraction in (0.1, 0.9):
        train, test = train_test_split(d, fraction, seed=0)
        assert len(train) == len(test) == 1


def test_data_range_is_square_symmetric_and_covers_points():
    pts = np.array([[1.0, -4.0], [2.5, 3.0]])
    assert data_range(pts, margin=0.5) == ((-4.5, 4.5), (-4.5, 4.5))
    d = generate("gauss", noise=0.5, seed=0)
    (x0, x1), (y0, y1) = data_range(d.points, margin=0.0)
    assert x0 == y0 == -x1 == -y1 and np.abs(d.points).max() == x1
    assert data_range(np.zeros((0, 2)), margin=0.0) == ((-1.0, 1.0), (-1.0, 1.0))


@pytest.mark.parametrize("kwargs,message", [
    (dict(name="circles"), "unknown dataset 'circles'; valid names: circle, xor"),
    (dict(name="circle", n_points=1), "n_points must be in [2, 100000], got 1"),
    (dict(name="circle", n_points=MAX_POINTS + 1), "n_points"),
    (dict(name="circle", n_points=10.5), "n_points must be an integer"),
    (dict(name="circle", noise=0.6), "noise must be in [0.0, 0.5], got 0.6"),
    (dict(name="circle", noise=-0.1), "noise"),
    (dict(name="circle", noise=float("nan")), "noise"),
    (dict(name="circle", n_classes=3), "dataset 'circle' does not take n_classes"),
    (dict(name="reg_plane", n_classes=2), "does not take n_classes"),
    (dict(name="spiral_k", n_classes=1), "n_classes must be in [2, 10], got 1"),
    (dict(name="blobs_k", n_classes=11), "n_classes must be in [2, 10], got 11"),
    (dict(name="blobs_k", n_points=5, n_classes=6), "at least n_classes"),
    (dict(name="circle", seed=-1), "seed must be a non-negative integer"),
])
def test_generate_rejects_bad_input_naming_the_problem(kwargs, message):
    with pytest.raises(ValueError) as info:
        generate(**kwargs)
    assert message in str(info.value)


def test_n_classes_equal_to_the_fixed_count_is_accepted():
    assert generate("circle", n_points=10, n_classes=2).n_classes == 2


@pytest.mark.parametrize("fraction", [0.05, 0.95, float("nan"), "half"])
def test_split_rejects_fraction_out_of_range(fraction):
    with pytest.raises(ValueError, match="train_fraction"):
        train_test_split(generate("circle", n_points=10), fraction, seed=0)


def test_dataset_validates_its_arrays():
    pts = np.zeros((3, 2))
    with pytest.raises(ValueError, match="points must have shape"):
        Dataset(np.zeros((3, 3)), np.zeros(3), "binary", 2)
    with pytest.raises(ValueError, match="targets must have shape"):
        Dataset(pts, np.zeros(4), "binary", 2)
    with pytest.raises(ValueError, match=r"integers in \[0, 1\]"):
        Dataset(pts, [0, 1, 2], "binary", 2)
    with pytest.raises(ValueError, match="task must be one of"):
        Dataset(pts, [0, 1, 1], "ranking", 2)
    with pytest.raises(ValueError, match="n_classes 0"):
        Dataset(pts, [0.1, 0.2, 0.3], "regression", 2)
    with pytest.raises(ValueError, match="NaN or inf"):
        Dataset(np.array([[0.0, np.nan]] * 3), [0, 1, 1], "binary", 2)
    with pytest.raises(ValueError, match="needs a classification set"):
        generate("reg_plane", n_points=10).class_counts()
    assert "Dataset(name='', task='multiclass', n=3, n_classes=3)" == repr(Dataset(pts, [0, 1, 2], "multiclass", 3))
