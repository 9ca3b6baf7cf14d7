"""engine.shapes.make_shapes: the synthetic shapes image set."""
import numpy as np
import pytest

from engine.shapes import SHAPES, make_shapes


def test_shapes_dtypes_and_range():
    X, y, names = make_shapes(50, size=20, noise=0.3, jitter=2, seed=0)
    assert X.shape == (50, 1, 20, 20) and X.dtype == np.float32
    assert y.shape == (50,) and y.dtype == np.int64
    assert names == tuple(SHAPES)
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert set(np.unique(y)) <= set(range(len(names)))


def test_same_seed_same_bytes_other_seed_differs():
    a = make_shapes(40, seed=3)
    b = make_shapes(40, seed=3)
    c = make_shapes(40, seed=4)
    assert a[0].tobytes() == b[0].tobytes() and a[1].tobytes() == b[1].tobytes()
    assert a[0].tobytes() != c[0].tobytes()


def test_a_long_run_is_deterministic_and_every_image_is_drawn():
    a = make_shapes(5000, size=16, noise=0, seed=1)
    b = make_shapes(5000, size=16, noise=0, seed=1)
    assert a[0].tobytes() == b[0].tobytes()
    assert (a[0].sum(axis=(1, 2, 3)) > 8).all()      # a line at size 16 is about 13 px of ink


@pytest.mark.parametrize("n", [8, 17, 803])
def test_labels_are_balanced(n):
    _, y, names = make_shapes(n, seed=2)
    counts = np.bincount(y, minlength=len(names))
    assert counts.sum() == n and counts.max() - counts.min() <= 1


def test_labels_are_shuffled():
    _, y, _ = make_shapes(80, seed=0)
    assert not np.array_equal(y, np.arange(80) % 8)


def test_a_subset_of_classes_labels_in_the_given_order():
    X, y, names = make_shapes(30, classes=("circle", "square", "cross"), noise=0, jitter=0)
    assert names == ("circle", "square", "cross")
    assert set(y) == {0, 1, 2}
    # a circle touches no corner region of its bounding box; a square's outline fills its corners
    circle_ink = X[y == 0].mean(axis=0)[0]
    square_ink = X[y == 1].mean(axis=0)[0]
    assert not np.allclose(circle_ink, square_ink)


def nearest_mean_accuracy(train, test):
    (Xa, ya, names), (Xb, yb, _) = train, test
    k = len(names)
    means = np.stack([Xa[ya == c].reshape(-1, Xa[0].size).mean(axis=0) for c in range(k)])
    flat = Xb.reshape(len(Xb), -1)
    distance = ((flat[:, None, :] - means[None]) ** 2).sum(axis=2)
    return float(np.mean(distance.argmin(axis=1) == yb))


@pytest.mark.parametrize("size", [16, 20, 28])
def test_each_class_is_distinguishable_by_a_nearest_mean_classifier(size):
    train = make_shapes(800, size=size, noise=0, jitter=0, seed=10)
    test = make_shapes(400, size=size, noise=0, jitter=0, seed=11)
    assert nearest_mean_accuracy(train, test) > 0.9


def test_shuffled_labels_are_not_distinguishable():
    # the classifier check can fail: with labels that mean nothing it is near chance (1/8)
    Xa, ya, names = make_shapes(800, noise=0, jitter=0, seed=10)
    test = make_shapes(400, noise=0, jitter=0, seed=11)
    shuffled = np.random.default_rng(0).permutation(ya)
    assert nearest_mean_accuracy((Xa, shuffled, names), test) < 0.4


@pytest.mark.parametrize("name", list(SHAPES))
@pytest.mark.parametrize("size", [16, 28])
def test_without_noise_or_jitter_the_ink_is_centred(name, size):
    X, _, _ = make_shapes(12, size=size, noise=0, jitter=0, seed=5, classes=(name, "cross" if name == "circle" else "circle"))
    rows, cols = np.mgrid[0:size, 0:size]
    centre = (size - 1) / 2
    for image in X[:, 0]:
        ink = image.sum()
        assert ink > size                      # something was drawn
        assert abs((image * rows).sum() / ink - centre) <= 1.0
        assert abs((image * cols).sum() / ink - centre) <= 1.0


def test_jitter_moves_the_ink():
    X, _, _ = make_shapes(64, size=20, noise=0, jitter=4, seed=5, classes=("circle", "cross"))
    cols = np.arange(20)
    centroid = (X[:, 0].sum(axis=1) * cols).sum(axis=1) / X[:, 0].sum(axis=(1, 2))
    assert np.abs(centroid - 9.5).max() > 1.0


def test_noise_adds_variation_to_the_background():
    clean, _, _ = make_shapes(20, noise=0, seed=1)
    noisy, _, _ = make_shapes(20, noise=0.2, seed=1)
    assert (clean[:, 0, 0, 0] == 0).all()
    assert noisy[:, 0, 0, 0].max() > 0


def test_shapes_stay_inside_the_image():
    X, _, _ = make_shapes(400, size=16, noise=0, jitter=4, seed=7)
    border = np.concatenate([X[:, 0, 0, :], X[:, 0, -1, :], X[:, 0, :, 0], X[:, 0, :, -1]], axis=1)
    assert border.max() < 0.5


@pytest.mark.parametrize("size", range(16, 29))
def test_sizes_16_to_28_are_accepted(size):
    X, _, _ = make_shapes(8, size=size)
    assert X.shape == (8, 1, size, size)


@pytest.mark.parametrize("kwargs, words", [
    ({"size": 15}, "size must be in [16, 28], got 15"),
    ({"size": 29}, "size must be in [16, 28], got 29"),
    ({"size": 20.0}, "size must be an integer"),
    ({"noise": -0.1}, "noise must be in"),
    ({"noise": float("nan")}, "noise must be in"),
    ({"jitter": 5}, "jitter must be in"),
    ({"seed": -1}, "seed must be a non-negative integer"),
    ({"seed": True}, "seed must be a non-negative integer"),
    ({"classes": ("circle", "hexagon")}, "unknown shape class 'hexagon'"),
    ({"classes": ("circle",)}, "at least 2 different shapes"),
    ({"classes": ("circle", "circle")}, "at least 2 different shapes"),
    ({"n": 5}, "n (5) must be at least the number of classes (8)"),
    ({"n": 1}, "n must be in"),
])
def test_bad_arguments_are_refused_with_a_clear_message(kwargs, words):
    args = {"n": 16, **kwargs}
    with pytest.raises(ValueError) as info:
        make_shapes(**args)
    assert words in str(info.value)
    assert "\n" not in str(info.value)
