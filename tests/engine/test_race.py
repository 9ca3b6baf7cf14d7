"""The optimizer race against steps worked by hand and the course's claims."""
import math

import numpy as np
import pytest

from engine.race import RACERS, race
from engine.schedules import SCHEDULES
from engine.surfaces import SURFACES, make_surface


def step_lengths(path):
    return np.linalg.norm(np.diff(path.xy, axis=0), axis=1)


def test_one_sgd_step_on_the_valley_is_x_minus_lr_grad():
    # f = (x^2 + 25 y^2) / 2 at (-4, 1): grad = (x, 25 y) = (-4, 25)
    p = race("valley", "sgd", {"learning_rate": 0.01}, (-4.0, 1.0), 1)
    np.testing.assert_array_equal(p.xy[1], [-4.0 - 0.01 * -4.0, 1.0 - 0.01 * 25.0])
    np.testing.assert_array_equal(p.grads[0], [-4.0, 25.0])
    assert p.losses[0] == 0.5 * (16 + 25) and p.lrs[0] == 0.01
    assert p.xy.shape == (2, 2) and p.losses.shape == (2,) and p.diverged_at == -1


def test_momentum_slots_are_the_velocity_worked_by_hand():
    p = race("valley", "momentum", {"learning_rate": 0.01, "momentum": 0.9}, (-4.0, 1.0), 2)
    g0, g1 = p.grads
    np.testing.assert_array_equal(p.slots[0, 0], g0)                    # v1 = g0
    np.testing.assert_allclose(p.slots[1, 0], 0.9 * g0 + g1, rtol=1e-15)  # v2 = rho v1 + g1
    np.testing.assert_allclose(p.xy[2], p.xy[0] - 0.01 * g0 - 0.01 * (0.9 * g0 + g1))
    np.testing.assert_array_equal(g1, SURFACES["valley"].gradient(p.xy[1]))
    assert p.slot_names == ("velocity",)


def test_adam_slots_are_the_moments():
    p = race("rosenbrock", "adam", {"learning_rate": 0.01}, None, 1)
    g = p.grads[0]
    np.testing.assert_allclose(p.slots[0, 0], 0.1 * g, rtol=1e-15)
    np.testing.assert_allclose(p.slots[0, 1], 0.001 * g * g, rtol=1e-12)
    assert p.slot_names == ("first moment", "second moment")


@pytest.mark.parametrize("kappa", [25.0, 100.0])
def test_momentum_gets_lower_than_sgd_down_a_long_valley(kappa):
    """The course: momentum solves poor conditioning. Same rate (stable for SGD), same steps."""
    s = make_surface("valley", condition_number=kappa)
    lr = 1.0 / kappa
    sgd = race(s, "sgd", {"learning_rate": lr}, None, 200)
    mom = race(s, "momentum", {"learning_rate": lr, "momentum": 0.9}, None, 200)
    assert mom.losses[-1] < 0.01 * sgd.losses[-1]


@pytest.mark.parametrize("kappa", [25.0, 1000.0])
def test_newton_solves_a_quadratic_in_one_step(kappa):
    s = make_surface("valley", condition_number=kappa)
    p = race(s, "newton", {"damping": 0.0}, (-4.0, 1.0), 1)
    np.testing.assert_allclose(p.xy[1], [0.0, 0.0], atol=1e-12)
    assert p.losses[1] < 1e-20


@pytest.mark.parametrize("factor,converges", [(1.9, True), (2.1, False)])
def test_the_stability_limit_of_sgd_is_two_over_lambda_max(factor, converges):
    s = make_surface("valley", condition_number=25.0)       # lambda_max = 25
    p = race(s, "sgd", {"learning_rate": factor / 25.0}, None, 600)
    if converges:
        assert p.losses[-1] < 1e-10 * p.losses[0]
    else:
        assert p.losses[-1] > 1e10 * p.losses[0]
        # across the valley y <- (1 - lr * 25) y = -1.1 y exactly, the sign flipping each step
        assert p.xy[1, 1] == pytest.approx(-1.1 * p.xy[0, 1])


def test_adam_without_bias_correction_takes_a_larger_first_step():
    """With m = v = 0 at the start, m_1 = (1 - b1) g and v_1 = (1 - b2) g^2: without the
    correction the step is lr (1 - b1) / sqrt(1 - b2) = 3.16 lr per coordinate (for b1 = 0.9,
    b2 = 0.999); with it, lr. The course's 'Adam (almost)' starts too fast."""
    cfg = {"learning_rate": 0.01, "eps": 1e-12}
    full = race("beale", "adam", cfg, None, 1)
    almost = race("beale", "adam_no_bias", cfg, None, 1)
    step_full = np.abs(full.xy[1] - full.xy[0])
    step_almost = np.abs(almost.xy[1] - almost.xy[0])
    np.testing.assert_allclose(step_full, [0.01, 0.01], rtol=1e-9)
    np.testing.assert_allclose(step_almost / step_full, 0.1 / math.sqrt(0.001), rtol=1e-9)


def test_adamw_decays_the_weights_before_the_adam_step():
    x0 = np.array([2.0, 1.0])
    cfg = {"learning_rate": 0.01, "eps": 1e-12, "weight_decay": 0.5}
    p = race("rosenbrock", "adamw", cfg, x0, 1)
    g = SURFACES["rosenbrock"].gradient(x0)
    np.testing.assert_allclose(p.xy[1], x0 - 0.01 * 0.5 * x0 - 0.01 * np.sign(g), rtol=1e-12)


def test_a_schedule_sets_the_rate_of_each_step():
    sched = {"name": "exponential", "k": 0.05}
    p = race("valley", "sgd", {"learning_rate": 0.02}, None, 30, schedule=sched)
    expected = SCHEDULES["exponential"](k=0.05).lr_at(np.arange(30), 1, 0.02)
    np.testing.assert_array_equal(p.lrs, expected)
    np.testing.assert_allclose(p.xy[1:], p.xy[:-1] - p.lrs[:, None] * p.grads, rtol=1e-15)


def test_clipping_bounds_the_step_off_the_cliff():
    cliff = make_surface("cliff", cliff_height=20.0, steepness=20.0)
    free = race(cliff, "sgd", {"learning_rate": 0.1}, None, 200)
    clipped = race(cliff, "sgd", {"learning_rate": 0.1}, None, 200, clip=1.0)
    assert step_lengths(free).max() > 5.0                       # the exploding step
    assert step_lengths(clipped).max() <= 0.1 * (1 + 1e-12)      # lr * clip
    assert np.linalg.norm(clipped.grads, axis=1).max() <= 1.0 + 1e-12
    assert clipped.losses[-1] < clipped.losses[0]                # it still gets down


def test_a_noisy_race_repeats_bit_for_bit_and_depends_on_the_seed():
    noisy = make_surface("himmelblau", noise_std=2.0)
    for name in ("sgd", "adam", "lbfgs"):
        cfg = {} if name == "lbfgs" else {"learning_rate": 0.01}
        a = race(noisy, name, cfg, None, 50, seed=3)
        b = race(noisy, name, cfg, None, 50, seed=3)
        c = race(noisy, name, cfg, None, 50, seed=4)
        exact = race("himmelblau", name, cfg, None, 50)
        np.testing.assert_array_equal(a.xy, b.xy)
        np.testing.assert_array_equal(a.grads, b.grads)
        assert not np.array_equal(a.xy, c.xy), name
        assert not np.array_equal(a.xy, exact.xy), name


@pytest.mark.parametrize("name", ["newton", "lbfgs", "cg"])
def test_the_second_order_methods_reach_rosenbrocks_minimum(name):
    p = race("rosenbrock", name, {}, None, 100)
    assert p.losses[np.isfinite(p.losses)][-1] < 1e-12
    assert p.n_evals.sum() > 0 and np.isnan(p.lrs).all()


@pytest.mark.parametrize("surface", list(SURFACES))
@pytest.mark.parametrize("name", list(RACERS))
def test_every_racer_runs_on_every_surface(surface, name):
    p = race(surface, name, {}, None, 20)
    assert p.xy.shape == (21, 2) and p.losses.shape == (21,) and p.grads.shape == (20, 2)
    assert p.slots.shape == (20, 2, 2) and p.n_evals.shape == (20,)
    last = 20 if p.diverged_at < 0 else p.diverged_at
    np.testing.assert_array_equal(p.xy[0], SURFACES[surface].start)
    assert np.all(np.isfinite(p.xy[:last]))


def test_the_saddle_is_left_by_the_unstable_direction():
    p = race("saddle", "sgd", {"learning_rate": 0.1}, (-1.5, 0.01), 30)
    assert abs(p.xy[-1, 0]) < 1e-2 and abs(p.xy[-1, 1]) > 1.0     # x -> 0, y grows by 1.2^t
    assert p.xy[-1, 1] == pytest.approx(0.01 * 1.2 ** 30, rel=1e-12)


def test_bad_input_is_refused_with_a_message():
    with pytest.raises(ValueError, match="unknown optimizer 'adamax'"):
        race("beale", "adamax", {}, None, 5)
    with pytest.raises(ValueError, match="unknown surface"):
        race("nope", "sgd", {}, None, 5)
    with pytest.raises(ValueError, match="steps"):
        race("beale", "sgd", {}, None, -1)
    with pytest.raises(ValueError, match="start"):
        race("beale", "sgd", {}, (1.0, math.nan), 5)
    with pytest.raises(ValueError, match="first-order"):
        race("beale", "newton", {}, None, 5, clip=1.0)
    with pytest.raises(ValueError, match="learning_rate"):
        race("beale", "sgd", {"learning_rate": -0.1}, None, 5)
    with pytest.raises(ValueError, match="momentum"):
        race("beale", "momentum", {"momentum": 1.5}, None, 5)
    with pytest.raises(ValueError, match="clip"):
        race("beale", "sgd", {}, None, 5, clip=-1.0)


def test_lbfgs_settles_in_a_minimum_of_the_quartic_saddle_and_leaves_the_plain_one():
    settled = race("quartic_saddle", "lbfgs", {}, None, 40)
    assert settled.diverged_at == -1
    np.testing.assert_allclose(settled.xy[-1], [0.0, 1.0], atol=1e-9)   # y started above 0
    assert settled.losses[-1] == pytest.approx(-0.25)
    gone = race("saddle", "lbfgs", {}, None, 40)                       # f -> -inf
    assert gone.diverged_at > 0 and np.isnan(gone.xy[-1]).all()


def test_a_race_leaves_the_surface_it_was_given_as_it_was():
    noisy = make_surface("beale", noise_std=1.0, seed=2)
    noisy.begin_step(7)
    _, before = noisy.value_and_grad(np.array([1.0, 1.0]))
    race(noisy, "sgd", {"learning_rate": 0.001}, None, 10, seed=5)
    race(noisy, "sgd", {"learning_rate": 0.001}, None, 10, seed=None)
    noisy.begin_step(7)
    _, after = noisy.value_and_grad(np.array([1.0, 1.0]))
    np.testing.assert_array_equal(before, after)
    assert noisy.seed == 2
    with pytest.raises(ValueError, match="seed"):
        race(noisy, "sgd", {}, None, 3, seed=-1)
