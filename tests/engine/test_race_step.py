"""One way to take a step: every optimizer's ``step(objective, x)`` (first order through
``Optimizer.step``, second order through ``SecondOrderMethod.step``), and the race built on it."""
import math

import numpy as np
import pytest

from engine.optimizers import OPTIMIZERS
from engine.race import RACERS, race
from engine.second_order import SECOND_ORDER, FunctionObjective, StepInfo
from engine.surfaces import SURFACES, make_surface

A = np.array([[3.0, 1.0], [1.0, 2.0]])
B = np.array([1.0, -1.0])


def quadratic():
    """f = x'Ax/2 - b'x, gradient Ax - b, Hessian A."""
    return FunctionObjective(lambda x: (0.5 * x @ A @ x - B @ x, A @ x - B), lambda x: A)


def test_sgd_step_is_x_minus_lr_grad_and_leaves_x_alone():
    x = np.array([2.0, -1.0])
    before = x.copy()
    info = OPTIMIZERS["sgd"]().step(quadratic(), x, 0.1)
    assert isinstance(info, StepInfo) and not info.diverged and info.n_evals == 1
    g = A @ before - B
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(info.x_new, before - 0.1 * g, rtol=1e-15)
    np.testing.assert_array_equal(info.grad, g)
    assert info.f == pytest.approx(0.5 * before @ A @ before - B @ before)
    assert info.alpha == 0.1 and math.isnan(info.f_new) and math.isnan(info.grad_norm)


def test_clipping_and_weight_decay_come_before_the_update_as_in_training():
    x = np.array([2.0, -1.0])
    g = A @ x - B                                           # (4, 1), norm sqrt(17)
    info = OPTIMIZERS["sgd"]().step(quadratic(), x, 0.1, clip=1.0, weight_decay=0.5)
    clipped = g / math.sqrt(17.0)
    np.testing.assert_allclose(info.grad, clipped, rtol=1e-15)
    np.testing.assert_allclose(info.x_new, x - 0.1 * 0.5 * x - 0.1 * clipped, rtol=1e-15)


def test_repeated_steps_are_update_step_with_its_counter():
    objective = quadratic()
    by_step, by_update = OPTIMIZERS["adam"](), OPTIMIZERS["adam"]()
    x = y = np.array([2.0, -1.0])
    for _ in range(5):
        x = by_step.step(objective, x, 0.05).x_new
        y = y.copy()
        by_update.update_step(A @ y - B, y, 0.05)
    np.testing.assert_array_equal(x, y)
    assert by_step.iterations == 5
    # the first Adam step is lr in each coordinate (bias corrected, sign of the gradient)
    first = OPTIMIZERS["adam"]().step(objective, np.array([2.0, -1.0]), 0.05)
    np.testing.assert_allclose(first.x_new, [2.0 - 0.05, -1.0 - 0.05], rtol=1e-6)   # g = (4, 1)


def test_a_non_finite_gradient_or_an_overflowing_step_is_reported_as_diverged():
    bad = FunctionObjective(lambda x: (float("inf"), np.array([1.0, 0.0])))
    x = np.array([1.0, 1.0])
    info = OPTIMIZERS["momentum"]().step(bad, x, 0.1)
    assert info.diverged and math.isinf(info.f) and np.array_equal(info.x_new, x)
    steep = FunctionObjective(lambda x: (0.0, np.array([1e308, 0.0])))
    info = OPTIMIZERS["sgd"]().step(steep, x, 1e10)
    assert info.diverged and not np.all(np.isfinite(info.x_new))


@pytest.mark.parametrize("lr", [-0.1, float("nan"), True, "0.1"])
def test_a_bad_rate_is_refused(lr):
    with pytest.raises(ValueError, match="lr"):
        OPTIMIZERS["sgd"]().step(quadratic(), np.zeros(2), lr)


@pytest.mark.parametrize("name", list(RACERS))
def test_every_racer_takes_its_steps_through_step_objective_x(name):
    """The race is a loop of ``step(surface, x)`` calls, first and second order alike."""
    engine_name, fixed = RACERS[name]
    surface = make_surface("rosenbrock")
    x = np.array(SURFACES["rosenbrock"].start)
    if engine_name in SECOND_ORDER:
        method, kwargs = SECOND_ORDER[engine_name](**fixed), {}
    else:
        wd = fixed.get("weight_decay", 0.0)
        settings = {k: v for k, v in fixed.items() if k != "weight_decay"}
        method, kwargs = OPTIMIZERS[engine_name](**settings), {"lr": 0.001, "weight_decay": wd}
    points = [x]
    for t in range(15):
        surface.begin_step(t)
        info = method.step(surface, points[-1], **kwargs)
        assert isinstance(info, StepInfo) and not info.diverged
        assert info.f == pytest.approx(surface.value(points[-1]))
        np.testing.assert_allclose(info.grad, surface.gradient(points[-1]), rtol=1e-12)
        points.append(info.x_new)
    config = {} if engine_name in SECOND_ORDER else {"learning_rate": 0.001}
    path = race("rosenbrock", name, config, None, 15)
    np.testing.assert_array_equal(path.xy, np.array(points))


def test_second_order_steps_report_where_they_started():
    objective = quadratic()
    x0 = np.array([2.0, -1.0])
    info = SECOND_ORDER["newton"](damping=0.0).step(objective, x0)
    assert info.f == pytest.approx(0.5 * x0 @ A @ x0 - B @ x0)
    np.testing.assert_allclose(info.grad, A @ x0 - B)
    np.testing.assert_allclose(info.x_new, np.linalg.solve(A, B), atol=1e-12)   # one step
