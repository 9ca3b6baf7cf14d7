"""Loss surfaces against finite differences, the textbook minima and written-out formulas."""
import numpy as np
import pytest

from engine.surfaces import SURFACES, gradient_noise, make_surface

# A few points inside each default box, away from the cliff's face (where the Hessian changes
# over 1e-3 and central differences of step 1e-5 still hold, but less tightly).
POINTS = [(-1.3, 0.7), (0.4, -1.1), (1.7, 1.2), (-0.6, -0.2)]


def fd_gradient(s, x, h=1e-6):
    x = np.array(x, dtype=np.float64)
    return np.array([(s.value(x + h * e) - s.value(x - h * e)) / (2 * h) for e in np.eye(2)])


def fd_hessian(s, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    return np.array([(s.gradient(x + h * e) - s.gradient(x - h * e)) / (2 * h)
                     for e in np.eye(2)]).T


@pytest.mark.parametrize("key", list(SURFACES))
@pytest.mark.parametrize("x", POINTS)
def test_gradient_and_hessian_match_finite_differences(key, x):
    s = SURFACES[key]
    g, H = s.gradient(x), s.hessian(x)
    scale = 1.0 + np.abs(g).max()
    np.testing.assert_allclose(g, fd_gradient(s, x), rtol=1e-6, atol=1e-6 * scale)
    np.testing.assert_allclose(H, fd_hessian(s, x), rtol=1e-5, atol=1e-5 * (1 + np.abs(H).max()))
    np.testing.assert_array_equal(H, H.T)


@pytest.mark.parametrize("x", [(-0.1, 0.3), (0.05, -1.0), (0.2, 0.0)])
def test_the_cliff_face_matches_finite_differences(x):
    s = make_surface("cliff", cliff_height=20.0, steepness=20.0)
    np.testing.assert_allclose(s.gradient(x), fd_gradient(s, x, 1e-7), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(s.hessian(x), fd_hessian(s, x, 1e-7), rtol=1e-4, atol=1e-3)


def test_the_formulas_written_out():
    """Values against the textbook formulas typed in here, not taken from the module."""
    x, y = 0.7, -1.3
    expected = {
        "saddle": x**2 - y**2,
        "quartic_saddle": x**2 + y**4 / 4 - y**2 / 2,
        "valley": 0.5 * (x**2 + 25 * y**2),
        "rosenbrock": (1 - x)**2 + 100 * (y - x**2)**2,
        "beale": (1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2,
        "himmelblau": (x**2 + y - 11)**2 + (x + y**2 - 7)**2,
        "cliff": 20 / (1 + np.exp(20 * x)) + 0.05 * (x - 2)**2 / 2 + y**2 / 2,
    }
    assert set(expected) == set(SURFACES)
    for key, f in expected.items():
        assert SURFACES[key].value((x, y)) == pytest.approx(f, rel=1e-13), key


def test_the_textbook_minima():
    assert SURFACES["rosenbrock"].value((1.0, 1.0)) == 0.0
    assert SURFACES["beale"].value((3.0, 0.5)) == 0.0
    him = SURFACES["himmelblau"]
    assert len(him.minima) == 4
    for m in him.minima:
        assert him.value(m) == pytest.approx(0.0, abs=1e-20)
    # the other three minima to the 6 decimals usually quoted
    quoted = [(-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    for q in quoted:
        assert min(np.abs(np.subtract(m, q)).max() for m in him.minima) < 1e-6


@pytest.mark.parametrize("key", list(SURFACES))
def test_known_minima_and_saddles_are_stationary(key):
    s = SURFACES[key]
    assert len(s.minima) == len(s.minimum_values)
    for m, v in zip(s.minima, s.minimum_values):
        assert np.abs(s.gradient(m)).max() < 1e-12
        assert s.value(m) == pytest.approx(v, abs=1e-12)
        assert np.all(np.linalg.eigvalsh(s.hessian(m)) > 0), "a minimum curves up"
    for p in s.saddles:
        assert np.abs(s.gradient(p)).max() == 0.0
        lo, hi = np.linalg.eigvalsh(s.hessian(p))
        assert lo < 0 < hi, "a saddle curves down one way and up the other"


def test_the_valley_has_the_condition_number_asked_for():
    s = make_surface("valley", condition_number=400.0)
    eig = np.linalg.eigvalsh(s.hessian((0.3, -0.2)))
    assert eig.max() / eig.min() == pytest.approx(400.0)
    assert SURFACES["valley"].params["condition_number"] == 25.0     # the registry unchanged


def test_the_cliff_height_is_the_drop():
    s = make_surface("cliff", cliff_height=7.0)
    drop = s.value((-3.0, 0.0)) - s.value((3.0, 0.0))
    bowl = 0.05 * ((-3 - 2)**2 - (3 - 2)**2) / 2
    assert drop == pytest.approx(7.0 + bowl, rel=1e-9)


@pytest.mark.parametrize("key", list(SURFACES))
def test_values_on_a_grid_equal_the_pointwise_values(key):
    s = SURFACES[key]
    x0, x1, y0, y1 = s.box
    X, Y = np.meshgrid(np.linspace(x0, x1, 7), np.linspace(y0, y1, 5))
    Z = s.values(X, Y)
    assert Z.shape == (5, 7) and Z.dtype == np.float64
    for i in range(5):
        for j in range(7):
            assert Z[i, j] == pytest.approx(s.value((X[i, j], Y[i, j])), rel=1e-14, abs=1e-14)
    assert x0 < s.start[0] < x1 and y0 < s.start[1] < y1


def test_bad_input_is_refused_with_a_message():
    with pytest.raises(ValueError, match="unknown surface 'nope'"):
        make_surface("nope")
    with pytest.raises(ValueError, match="unknown hyperparameter"):
        make_surface("valley", cliff_height=3.0)
    with pytest.raises(ValueError, match="condition_number"):
        make_surface("valley", condition_number=0.5)
    with pytest.raises(ValueError, match="noise_std"):
        make_surface("beale", noise_std=-1.0)
    with pytest.raises(ValueError, match="shape"):
        SURFACES["beale"].value_and_grad(np.zeros(3))
    with pytest.raises(ValueError, match="shape"):
        SURFACES["beale"].values(np.zeros(3), np.zeros(4))


def test_noise_is_keyed_by_seed_step_and_evaluation():
    s = make_surface("beale", noise_std=0.5, seed=11)
    x = np.array([1.0, 1.5])
    s.begin_step(4)
    f, g1 = s.value_and_grad(x)
    _, g2 = s.value_and_grad(x)                      # second evaluation of the step
    s.begin_step(4)
    _, again = s.value_and_grad(x)
    assert f == SURFACES["beale"].value(x)            # the value is exact
    np.testing.assert_array_equal(g1, again)
    assert not np.array_equal(g1, g2)
    np.testing.assert_array_equal(g1, SURFACES["beale"].gradient(x)
                                  + 0.5 * gradient_noise(11, 4, 0))
    assert not np.array_equal(gradient_noise(11, 4, 0), gradient_noise(12, 4, 0))
    np.testing.assert_array_equal(s.hessian(x), SURFACES["beale"].hessian(x))


def test_the_noise_is_standard_normal():
    z = np.array([gradient_noise(5, t, 0) for t in range(4000)]).ravel()
    assert abs(z.mean()) < 0.05
    assert z.std() == pytest.approx(1.0, abs=0.05)
    assert np.mean(np.abs(z) < 1.0) == pytest.approx(0.6827, abs=0.02)
