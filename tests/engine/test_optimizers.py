"""Optimizer kernels against the textbook equations, worked in plain Python arithmetic."""
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from engine import optimizers as opt
from engine.kernels import decay_parameters
from engine.optimizers import (ADADELTA, ADAGRAD, ADAM, MOMENTUM, N_HYPER, N_SLOTS, NESTEROV,
                               OPTIMIZERS, RMSPROP, SGD, apply_update, optimizer_from_config)

X0 = [1.0, -2.0, 0.5]
GRADS = [[0.5, -1.0, 2.0], [0.3, 0.4, -1.5], [-0.2, 0.8, 1.0]]
LR = 0.1


def run_kernel(name, grads, lr=LR, x0=X0, weight_decay=0.0, **hyper):
    """Apply the optimizer to x0 for each gradient in turn; return the final param and slots.
    With ``weight_decay``, each update is preceded by the training loop's decoupled decay
    (``name="adam"`` with it is AdamW)."""
    o = OPTIMIZERS[name](**hyper)
    param = np.array(x0, dtype=np.float64)
    o.build(param.size)
    for g in grads:
        decay_parameters(param, lr * weight_decay)
        o.update_step(np.array(g, dtype=np.float64), param, lr)
    return param, o


def close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-15)


# --- textbook references: one float at a time, no numpy, no kernels ------------------------------

def ref_sgd(x, gs, lr):
    for g in gs:
        x = x - lr * g
    return x


def ref_momentum(x, gs, lr, rho):
    v = 0.0
    for g in gs:
        v = rho * v + g           # V_{t+1} = gamma V_t + grad f(x_t)
        x = x - lr * v            # x_{t+1} = x_t - alpha V_{t+1}
    return x


def ref_nesterov_course(x, gs, lr, rho):
    """Course form, with gs[k] the gradient at the look-ahead x_k + rho v_k; returns x + rho v."""
    v = 0.0
    for g in gs:
        v = rho * v - lr * g      # V_{t+1} = gamma V_t - alpha grad f(x_t + gamma V_t)
        x = x + v                 # x_{t+1} = x_t + V_{t+1}
    return x + rho * v


def ref_adagrad(x, gs, lr, eps):
    grad_squared = 0.0
    for g in gs:
        grad_squared += g * g
        x -= lr * g / (math.sqrt(grad_squared) + eps)
    return x


def ref_adadelta(x, gs, lr, rho, eps):
    eg2 = edx2 = 0.0
    for g in gs:
        eg2 = rho * eg2 + (1 - rho) * g * g
        dx = -(math.sqrt(edx2 + eps) / math.sqrt(eg2 + eps)) * g
        edx2 = rho * edx2 + (1 - rho) * dx * dx
        x += lr * dx
    return x


def ref_rmsprop(x, gs, lr, rho, eps):
    grad_squared = 0.0
    for g in gs:
        grad_squared = rho * grad_squared + (1 - rho) * g * g
        x -= lr * g / (math.sqrt(grad_squared) + eps)
    return x


def ref_adam(x, gs, lr, beta1, beta2, eps, bias_correction, weight_decay=0.0):
    first = second = 0.0
    for t, g in enumerate(gs, start=1):
        first = beta1 * first + (1 - beta1) * g
        second = beta2 * second + (1 - beta2) * g * g
        if bias_correction:
            first_b = first / (1 - beta1 ** t)
            second_b = second / (1 - beta2 ** t)
        else:
            first_b, second_b = first, second
        x = x - lr * weight_decay * x - lr * first_b / (math.sqrt(second_b) + eps)
    return x


def expected(ref, steps, *args):
    return [ref(X0[i], [g[i] for g in GRADS[:steps]], LR, *args) for i in range(3)]


# --- one step: closed forms --------------------------------------------------------------------

def test_one_step_closed_forms():
    g = GRADS[0]
    x = X0
    p, _ = run_kernel("sgd", [g])
    close(p, [x[i] - LR * g[i] for i in range(3)])
    p, _ = run_kernel("momentum", [g], momentum=0.9)          # v1 = g
    close(p, [x[i] - LR * g[i] for i in range(3)])
    p, _ = run_kernel("nesterov", [g], momentum=0.9)          # v1 = -lr g; x~1 = x0 + 1.9 v1
    close(p, [x[i] - 1.9 * LR * g[i] for i in range(3)])
    p, _ = run_kernel("adagrad", [g], eps=1e-7)
    close(p, [x[i] - LR * g[i] / (abs(g[i]) + 1e-7) for i in range(3)])
    p, _ = run_kernel("rmsprop", [g], rho=0.9, eps=1e-7)     # cache = 0.1 g^2
    close(p, [x[i] - LR * g[i] / (math.sqrt(0.1) * abs(g[i]) + 1e-7) for i in range(3)])
    p, _ = run_kernel("adadelta", [g], rho=0.95, eps=1e-6)   # E[g^2] = 0.05 g^2, E[dx^2] = 0
    close(p, [x[i] - LR * math.sqrt(1e-6) / math.sqrt(0.05 * g[i] ** 2 + 1e-6) * g[i]
              for i in range(3)])
    p, _ = run_kernel("adam", [g])                            # m^ = g, v^ = g^2
    close(p, [x[i] - LR * g[i] / (abs(g[i]) + 1e-7) for i in range(3)])
    p, _ = run_kernel("adam", [g], bias_correction=False)     # m = 0.1 g, v = 0.001 g^2
    close(p, [x[i] - LR * 0.1 * g[i] / (math.sqrt(0.001) * abs(g[i]) + 1e-7) for i in range(3)])
    p, _ = run_kernel("adam", [g], weight_decay=0.01)         # AdamW
    close(p, [x[i] - LR * 0.01 * x[i] - LR * g[i] / (abs(g[i]) + 1e-7) for i in range(3)])
    p, _ = run_kernel("sgd", [g], weight_decay=0.5)           # decay before the step
    close(p, [x[i] - LR * 0.5 * x[i] - LR * g[i] for i in range(3)])


# --- one and three steps against the references --------------------------------------------------

CASES = [
    ("sgd", {}, ref_sgd, ()),
    ("momentum", {"momentum": 0.9}, ref_momentum, (0.9,)),
    ("momentum", {"momentum": 0.5}, ref_momentum, (0.5,)),
    ("nesterov", {"momentum": 0.9}, ref_nesterov_course, (0.9,)),
    ("adagrad", {"eps": 1e-7}, ref_adagrad, (1e-7,)),
    ("adagrad", {"eps": 0.5}, ref_adagrad, (0.5,)),
    ("adadelta", {"rho": 0.95, "eps": 1e-6}, ref_adadelta, (0.95, 1e-6)),
    ("adadelta", {"rho": 0.5, "eps": 0.1}, ref_adadelta, (0.5, 0.1)),
    ("rmsprop", {"rho": 0.9, "eps": 1e-7}, ref_rmsprop, (0.9, 1e-7)),
    ("rmsprop", {"rho": 0.5, "eps": 0.3}, ref_rmsprop, (0.5, 0.3)),
    ("adam", {}, ref_adam, (0.9, 0.999, 1e-7, True)),
    ("adam", {"bias_correction": False}, ref_adam, (0.9, 0.999, 1e-7, False)),
    ("adam", {"beta1": 0.5, "beta2": 0.8, "eps": 0.2}, ref_adam, (0.5, 0.8, 0.2, True)),
    ("adam", {"weight_decay": 0.1}, ref_adam, (0.9, 0.999, 1e-7, True, 0.1)),       # AdamW
    ("adam", {"weight_decay": 0.1, "bias_correction": False}, ref_adam,
     (0.9, 0.999, 1e-7, False, 0.1)),
]


@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize("name, hyper, ref, args", CASES)
def test_matches_textbook(name, hyper, ref, args, steps):
    p, o = run_kernel(name, GRADS[:steps], **hyper)
    close(p, expected(ref, steps, *args))
    assert o.iterations == steps


def test_eps_is_outside_the_square_root():
    """With g = eps the step is lr g / (|g| + eps) = lr/2, not lr g / sqrt(g^2 + eps)."""
    g = [1e-7, -1e-7, 1e-7]
    p, _ = run_kernel("adagrad", [g])
    close(p, [X0[i] - LR * g[i] / (1e-7 + 1e-7) for i in range(3)])    # half of lr * sign(g)
    p, _ = run_kernel("adam", [g])
    close(p, [X0[i] - LR * g[i] / (1e-7 + 1e-7) for i in range(3)])


def test_adam_bias_correction_makes_constant_gradient_steps_constant():
    g = [0.5, -1.0, 2.0]
    p, _ = run_kernel("adam", [g] * 10)
    np.testing.assert_allclose(p, [X0[i] - 10 * LR * g[i] / (abs(g[i]) + 1e-7) for i in range(3)],
                               rtol=1e-9, atol=1e-12)
    # Without it, m = (1 - b1^t) g and v = (1 - b2^t) g^2: the first step is 0.1/sqrt(0.001) =
    # 3.16 times too large, because the second moment starts even nearer zero than the first.
    q, _ = run_kernel("adam", [g] * 10, bias_correction=False)
    steps = [[LR * (1 - 0.9 ** t) * g[i] / (math.sqrt(1 - 0.999 ** t) * abs(g[i]) + 1e-7)
              for i in range(3)] for t in range(1, 11)]
    close(q, [X0[i] - sum(s[i] for s in steps) for i in range(3)])
    assert steps[0][0] / (LR * np.sign(g[0])) > 3.1


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_weight_decay_is_decoupled_from_the_gradient(name):
    """Zero gradient: every optimizer's step is 0 (Adam's 0/(0 + eps)), so only
    x <- (1 - lr wd) x remains, and the decay never enters the slots (unlike L2)."""
    p, o = run_kernel(name, [[0.0, 0.0, 0.0]] * 5, weight_decay=0.2)
    close(p, [x * (1 - LR * 0.2) ** 5 for x in X0])
    assert np.all(o.slots == 0.0)
    a, _ = run_kernel(name, GRADS)
    w, _ = run_kernel(name, GRADS, weight_decay=0.0)
    assert np.array_equal(a, w)


@pytest.mark.parametrize("name, hyper, ref, args",
                         [c for c in CASES if "weight_decay" not in c[1]])
def test_one_step_with_weight_decay_is_the_decay_then_the_textbook_step(name, hyper, ref, args):
    """x1 = ref(x0 - lr wd x0, g0): the decay uses the parameters the gradient was taken at,
    then each optimizer's own first step (from empty slots) follows its textbook form."""
    p, _ = run_kernel(name, GRADS[:1], weight_decay=0.3, **hyper)
    close(p, [ref(X0[i] - LR * 0.3 * X0[i], [GRADS[0][i]], LR, *args) for i in range(3)])


def test_momentum_zero_is_sgd():
    a, _ = run_kernel("momentum", GRADS, momentum=0.0)
    b, _ = run_kernel("sgd", GRADS)
    close(a, b)


def test_nesterov_equals_course_form_on_a_quadratic():
    """f(x) = 1/2 sum a_i x_i^2. Course: v <- rho v - lr grad f(x + rho v); x <- x + v.
    The kernel stores x~ = x + rho v and sees grad f(x~); the iterates must agree at every step."""
    a = np.array([1.0, 10.0, 0.1])
    rho, lr = 0.9, 0.05
    x = np.array([1.0, -1.0, 2.0])
    v = np.zeros(3)
    xt = x.copy()
    slots = np.zeros((N_SLOTS, 3))
    hyper = opt.Nesterov(momentum=rho).hyper_vector()
    for t in range(1, 61):
        v = rho * v - lr * (a * (x + rho * v))
        x = x + v
        apply_update(NESTEROV, xt, a * xt, slots, hyper, lr, t)
        np.testing.assert_allclose(xt, x + rho * v, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(slots[0], v, rtol=1e-12, atol=1e-14)
    assert np.all(np.abs(x) < 0.5)   # and it converges


@njit
def _train(code, param, grads, slots, hyper, lr):
    for k in range(grads.shape[0]):
        apply_update(code, param, grads[k], slots, hyper, lr, k + 1)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_apply_update_from_another_njit_function(name):
    o = OPTIMIZERS[name]()
    param = np.array(X0)
    slots = np.zeros((N_SLOTS, 3))
    _train(o.code, param, np.array(GRADS), slots, o.hyper_vector(), LR)
    expect, o2 = run_kernel(name, GRADS)
    assert np.array_equal(param, expect)
    assert np.array_equal(slots, o2.slots)


def test_apply_update_on_views_of_a_flat_vector():
    flat = np.arange(10.0)
    slots = np.zeros((N_SLOTS, 10))
    h = opt.Adam().hyper_vector()
    apply_update(ADAM, flat[2:5], np.ones(3), slots[:, 2:5], h, 0.1, 1)
    close(flat, [0, 1, 2 - 0.1 / (1 + 1e-7), 3 - 0.1 / (1 + 1e-7), 4 - 0.1 / (1 + 1e-7),
                 5, 6, 7, 8, 9])
    assert np.all(slots[:, :2] == 0) and np.all(slots[:, 5:] == 0)


def test_unknown_code_raises():
    with pytest.raises(ValueError):
        apply_update(99, np.zeros(2), np.zeros(2), np.zeros((N_SLOTS, 2)), np.zeros(N_HYPER),
                     0.1, 1)


def test_codes_and_hyper_layout():
    assert (SGD, MOMENTUM, NESTEROV, ADAGRAD, ADADELTA, RMSPROP, ADAM) == tuple(range(7))
    assert [c.code for c in OPTIMIZERS.values()] == list(range(7))
    assert list(OPTIMIZERS) == ["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop",
                                "adam"]
    h = opt.Adam(beta1=0.8, beta2=0.99, eps=1e-8, bias_correction=False).hyper_vector()
    assert h.dtype == np.float64 and h.shape == (N_HYPER,)
    assert list(h) == [0.8, 0.99, 1e-8, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert list(opt.RMSProp().hyper_vector()[:2]) == [0.9, 1e-7]
    assert opt.Adam().hyper["eps"] == 1e-7 and opt.AdaGrad().hyper["eps"] == 1e-7


def test_every_hyper_has_default_range_and_doc():
    for cls in OPTIMIZERS.values():
        for h in cls.HYPERPARAMS:
            assert h.doc and h.low <= h.high
            assert h.check(h.default) == h.default


# --- validation --------------------------------------------------------------------------------

BAD = [(name, h.name, v) for name, cls in OPTIMIZERS.items() for h in cls.HYPERPARAMS
       for v in ([0.5, 2.0, -1.0, "1", None] if h.kind == "bool" else
                 [h.low - 0.5, h.high + 0.5, float("nan"), float("inf"), "0.5", None, True]
                 + ([h.low] if not h.low_inclusive else [])
                 + ([h.high] if not h.high_inclusive else []))]


@pytest.mark.parametrize("name, key, value", BAD)
def test_invalid_hyper_raises_naming_it(name, key, value):
    with pytest.raises(ValueError, match=key) as info:
        OPTIMIZERS[name](**{key: value})
    spec = next(h for h in OPTIMIZERS[name].HYPERPARAMS if h.name == key)
    assert spec.range_text() in str(info.value)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_unknown_hyper_raises(name):
    with pytest.raises(ValueError, match="learning_rate"):
        OPTIMIZERS[name](learning_rate=0.1)


def test_boundaries_and_bool_forms():
    assert opt.Momentum(momentum=0).hyper["momentum"] == 0.0
    assert opt.RMSProp(rho=0).hyper["rho"] == 0.0
    assert opt.Adam(bias_correction=0).hyper["bias_correction"] is False
    assert opt.Adam(bias_correction=1.0).hyper["bias_correction"] is True
    assert opt.Adam(beta1=np.float32(0.5)).hyper["beta1"] == 0.5


def test_update_step_checks_arrays():
    o = opt.Adam()
    with pytest.raises(ValueError):
        o.update_step(np.zeros(3), np.zeros(4), 0.1)
    with pytest.raises(ValueError):
        o.update_step(np.zeros(3, dtype=np.float32), np.zeros(3, dtype=np.float32), 0.1)
    o.build(3)
    with pytest.raises(ValueError):
        o.update_step(np.zeros(4), np.zeros(4), 0.1)
    with pytest.raises(ValueError):
        o.build(-1)


def test_build_resets_state():
    p, o = run_kernel("adam", GRADS)
    assert o.iterations == 3 and np.any(o.slots != 0)
    o.build(3)
    assert o.iterations == 0 and o.slots.shape == (N_SLOTS, 3) and np.all(o.slots == 0)


# --- config ------------------------------------------------------------------------------------

def test_config_round_trip_and_repr():
    o = opt.Adam(beta1=0.8, bias_correction=False)
    cfg = o.get_config()
    assert cfg == {"name": "adam", "beta1": 0.8, "beta2": 0.999, "eps": 1e-7,
                   "bias_correction": False}
    again = optimizer_from_config(json.loads(json.dumps(cfg)))
    assert type(again) is opt.Adam and again.get_config() == cfg
    assert np.array_equal(again.hyper_vector(), o.hyper_vector())
    assert repr(o) == "Adam(beta1=0.8, beta2=0.999, eps=1e-07, bias_correction=False)"
    assert cfg["name"] == "adam"        # from_config did not consume the caller's dict


def test_from_config_errors():
    with pytest.raises(ValueError, match="unknown optimizer"):
        optimizer_from_config({"name": "lion"})
    with pytest.raises(ValueError):
        optimizer_from_config({"momentum": 0.9})
    with pytest.raises(ValueError, match="momentum"):
        optimizer_from_config({"name": "momentum", "momentum": 1.5})
    with pytest.raises(ValueError):
        opt.Adam.from_config({"name": "sgd"})


def _value(h):
    if h.kind == "bool":
        return st.booleans()
    return st.floats(h.low, h.high, exclude_min=not h.low_inclusive,
                     exclude_max=not h.high_inclusive, allow_nan=False)


@st.composite
def _configs(draw):
    name = draw(st.sampled_from(list(OPTIMIZERS)))
    hypers = {h.name: draw(_value(h)) for h in OPTIMIZERS[name].HYPERPARAMS}
    return {"name": name, **hypers}


@settings(max_examples=200, deadline=None)
@given(_configs())
def test_any_valid_config_round_trips(cfg):
    o = optimizer_from_config(cfg)
    assert o.get_config() == cfg
    assert optimizer_from_config(json.loads(json.dumps(o.get_config()))).get_config() == cfg
