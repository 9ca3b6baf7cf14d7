"""engine.step_update: the blocked, threaded update after the gradient gives the numbers of the
pass-by-pass step (slices' sum, frozen mask, penalty, clip, decay, optimizer, layer rate,
restore) and of the textbook formulas, whatever the thread count; a layer with rate 1 takes
the unscaled update exactly."""
import math

import numba
import numpy as np
import pytest

from engine import step_update as SU
from engine.kernels import (CLIP_NORM, L1, L2, N_REG, WEIGHT_DECAY, clip_gradient,
                            decay_parameters, regularize)
from engine.layers import LayerSpec
from engine.network import NetworkSpec
from engine.optimizers import (ADADELTA, ADAGRAD, ADAM, MOMENTUM, N_HYPER, N_SLOTS, NESTEROV,
                               RMSPROP, SGD, apply_update_at)
from engine.trainer import TrainConfig, Trainer

HYPER = {SGD: [], MOMENTUM: [0.9], NESTEROV: [0.9], ADAGRAD: [1e-7], ADADELTA: [0.95, 1e-6],
         RMSPROP: [0.9, 1e-7], ADAM: [0.9, 0.999, 1e-7, 1.0]}


def problem(n, parts, seed=0):
    g = np.random.default_rng(seed)
    return dict(params=g.normal(size=n), grad=g.normal(size=n), extra=g.normal(size=(parts - 1, n)),
                slots=np.abs(g.normal(size=(N_SLOTS, n))), wmask=(g.random(n) < 0.9) * 1.0)


def reference(code, pb, lr, t, reg, rate, toff):
    """The step pass by pass over all parameters, in the order train_steps took them."""
    p, slots = pb["params"].copy(), pb["slots"].copy()
    grad = pb["grad"].copy()
    for row in pb["extra"]:
        grad += row
    moves = (rate != 0.0) * 1.0
    grad *= moves
    _, gsq = regularize(p, grad, pb["wmask"] * moves, reg)
    clip_gradient(grad, gsq, reg[CLIP_NORM])
    old, keep, keep_slots = p.copy(), p.copy(), slots.copy()
    decay_parameters(p, lr * reg[WEIGHT_DECAY])
    hyper = np.zeros(N_HYPER)
    hyper[:len(HYPER[code])] = HYPER[code]
    apply_update_at(code, p, grad, slots, hyper, lr, t, toff)
    s = (rate != 0.0) & (rate != 1.0)
    p[s] = old[s] + rate[s] * (p[s] - old[s])
    p[rate == 0.0], slots[:, rate == 0.0] = keep[rate == 0.0], keep_slots[:, rate == 0.0]
    return p, slots, gsq


def fused(code, pb, lr, t, reg, rate, toff, threads=True):
    p, slots, grad = pb["params"].copy(), pb["slots"].copy(), pb["grad"].copy()
    hyper = np.zeros(N_HYPER)
    hyper[:len(HYPER[code])] = HYPER[code]
    moves = (rate != 0.0) * 1.0
    scaled = bool(((rate != 0.0) & (rate != 1.0)).any())
    frozen = bool((rate == 0.0).any())
    gsq, fin = SU.update_parameters(p, grad, pb["extra"], slots, (code, hyper, toff), reg, lr, t,
                                    lr * reg[WEIGHT_DECAY], moves, True, pb["wmask"] * moves,
                                    rate, scaled, np.empty_like(p), frozen, threads,
                                    np.zeros((2, SU.n_blocks(p.size))))
    return p, slots, gsq, fin


def rates(n, seed=1):
    """Layers of a few thousand parameters each at rate 1, 0 (frozen), 0.3 and 2."""
    r = np.ones(n)
    edges = np.linspace(0, n, 6).astype(int)
    for (a, b), v in zip(zip(edges[:-1], edges[1:]), (1.0, 0.0, 0.3, 1.0, 2.0)):
        r[a:b] = v
    return r


@pytest.mark.parametrize("code", sorted(HYPER))
def test_the_blocked_step_is_the_pass_by_pass_step_bit_for_bit(code):
    n = 2 * SU.BLOCK + 777          # three blocks, the last one short
    pb = problem(n, parts=3)
    reg = np.zeros(N_REG)
    reg[L1], reg[L2], reg[WEIGHT_DECAY] = 1e-3, 1e-2, 0.1
    toff = np.zeros(0, np.int64) if code != ADAM else np.repeat([0, 2], [SU.BLOCK + 5, n - SU.BLOCK - 5])
    r = rates(n)
    p_ref, s_ref, gsq_ref = reference(code, pb, 0.01, 5, reg, r, toff)
    p, s, gsq, fin = fused(code, pb, 0.01, 5, reg, r, toff)
    assert np.array_equal(p, p_ref) and np.array_equal(s, s_ref)
    assert gsq == pytest.approx(gsq_ref, rel=1e-13) and fin == 0.0


@pytest.mark.parametrize("code", [SGD, ADAM])
def test_clipping_scales_the_gradient_by_its_global_norm(code):
    n = 2 * SU.BLOCK + 5
    pb = problem(n, parts=2, seed=3)
    reg = np.zeros(N_REG)
    reg[CLIP_NORM] = 1.0            # the gradient's norm is ~ sqrt(2 n): it clips
    p_ref, s_ref, gsq_ref = reference(code, pb, 0.05, 1, reg, np.ones(n), np.zeros(0, np.int64))
    p, s, gsq, _ = fused(code, pb, 0.05, 1, reg, np.ones(n), np.zeros(0, np.int64))
    # the norm is summed by blocks: the clipping factor may differ in its last bits
    np.testing.assert_allclose(p, p_ref, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(s, s_ref, rtol=1e-13, atol=1e-15)
    assert gsq == pytest.approx(gsq_ref, rel=1e-13)


def test_sgd_with_penalties_and_decay_is_the_textbook_step():
    """Hand-worked: x' = x - lr wd x - lr (g + e + l2 x + l1 sign x) on weights, x - lr wd x -
    lr (g + e) on a bias; a frozen parameter stays; rate 0.5 halves the step."""
    x = np.array([1.0, -2.0, 0.5, 3.0, 4.0])
    g = np.array([0.5, -1.0, 2.0, 1.0, -0.25])
    e = np.array([[0.25, 0.5, -1.0, 0.0, 0.75]])
    wmask = np.array([1.0, 1.0, 0.0, 1.0, 1.0])         # parameter 2 is a bias
    rate = np.array([1.0, 1.0, 1.0, 0.0, 0.5])          # 3 frozen, 4 at half rate
    lr, wd, l1, l2 = 0.1, 0.5, 0.01, 0.2
    expect = []
    for i in range(5):
        d = g[i] + e[0, i] + wmask[i] * (l2 * x[i] + l1 * math.copysign(1.0, x[i]))
        step = -lr * wd * x[i] - lr * d
        expect.append(x[i] if rate[i] == 0 else x[i] + rate[i] * step)
    reg = np.zeros(N_REG)
    reg[L1], reg[L2], reg[WEIGHT_DECAY] = l1, l2, wd
    pb = dict(params=x, grad=g, extra=e, slots=np.zeros((N_SLOTS, 5)), wmask=wmask)
    p, _, gsq, fin = fused(SGD, pb, lr, 1, reg, rate, np.zeros(0, np.int64))
    np.testing.assert_allclose(p, expect, rtol=1e-14)
    d = [g[i] + e[0, i] + wmask[i] * (l2 * x[i] + l1 * math.copysign(1.0, x[i]))
         if rate[i] else 0.0 for i in range(5)]
    assert gsq == pytest.approx(sum(v * v for v in d), rel=1e-14) and fin == 0.0


def test_the_result_does_not_depend_on_the_thread_count_or_on_threads_at_all():
    n = 5 * SU.BLOCK + 3
    pb = problem(n, parts=2, seed=7)
    reg = np.zeros(N_REG)
    reg[L2], reg[CLIP_NORM] = 1e-2, 1.0
    r = rates(n)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = fused(ADAM, pb, 0.01, 3, reg, r, np.zeros(0, np.int64))
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = fused(ADAM, pb, 0.01, 3, reg, r, np.zeros(0, np.int64))
    finally:
        numba.set_num_threads(threads)
    serial = fused(ADAM, pb, 0.01, 3, reg, r, np.zeros(0, np.int64), threads=False)
    for a, b, c in zip(one, many, serial):
        assert np.array_equal(a, b) and np.array_equal(a, c)


def test_finite_sum_flags_inf_and_nan_and_does_not_overflow():
    assert SU.finite_sum(np.array([1e308, 1e308, -3.0])) == 0.0
    assert math.isnan(SU.finite_sum(np.array([1.0, np.inf])))
    assert math.isnan(SU.finite_sum(np.array([np.nan, 1.0])))
    assert SU.finite_sum(np.zeros(0)) == 0.0


def test_a_layer_at_rate_1_takes_the_unscaled_update_exactly():
    """One step (the gradient is then taken at the same parameters either way): with layer
    scales (1, 1, 0.25) the first two layers' parameters are the unscaled run's bit for bit and
    the last layer moved a quarter of the way; both runs split their batch alike."""
    g = np.random.default_rng(0)
    X = g.uniform(-1, 1, (256, 2))
    Y = (X[:, 0] * X[:, 1] > 0).astype(float).reshape(-1, 1)
    spec = NetworkSpec.for_task(2, [LayerSpec(300, "tanh"), LayerSpec(300, "tanh")], "binary")
    cfg = dict(optimizer="adam", learning_rate=0.01, batch_size=128, weight_decay=0.1)
    plain = Trainer(spec, TrainConfig(**cfg), X, Y)
    scaled = Trainer(spec, TrainConfig(**cfg, layer_scales=(1.0, 1.0, 0.25)), X, Y)
    assert scaled._split[0] == plain._split[0]
    x0 = plain.params.copy()
    plain.run(1)
    scaled.run(1)
    (a0, b0), (a1, b1), (a2, b2) = spec.layer_slices()
    assert np.array_equal(scaled.params[:b1], plain.params[:b1])
    np.testing.assert_allclose(scaled.params[a2:b2] - x0[a2:b2],
                               0.25 * (plain.params[a2:b2] - x0[a2:b2]), rtol=1e-9, atol=1e-18)


def test_float32_updates_run_in_float32_and_match_float64_to_its_rounding():
    """Adam and momentum on float32 arrays: the numbers of numpy's float32 arithmetic in the
    kernel's order, bit for bit (no float64 intermediates), and the float64 update to within
    float32 rounding."""
    g = np.random.default_rng(5)
    x, grad = g.normal(size=1000), g.normal(size=1000)
    f = np.float32
    b1, b2, e, lr = f(0.9), f(0.999), f(1e-7), f(0.01)
    for code, hyper in ((ADAM, [0.9, 0.999, 1e-7, 1.0]), (MOMENTUM, [0.9])):
        h = np.zeros(N_HYPER)
        h[:len(hyper)] = hyper
        p32, s32 = x.astype(f), np.full((N_SLOTS, 1000), 0.5, f)
        p64, s64 = x.copy(), np.full((N_SLOTS, 1000), 0.5)
        apply_update_at(code, p32, grad.astype(f), s32, h, 0.01, 3, np.zeros(0, np.int64))
        apply_update_at(code, p64, grad, s64, h, 0.01, 3, np.zeros(0, np.int64))
        g32, m, v = grad.astype(f), np.full(1000, f(0.5)), np.full(1000, f(0.5))
        if code == ADAM:
            m = b1 * m + (f(1) - b1) * g32
            v = b2 * v + (f(1) - b2) * g32 * g32
            d1, d2 = f(1.0 - 0.9 ** 3), f(1.0 - 0.999 ** 3)
            expect = x.astype(f) - lr * (m / d1) / (np.sqrt(v / d2) + e)
        else:
            m = f(0.9) * m + g32
            expect = x.astype(f) - lr * m
        assert expect.dtype == f and np.array_equal(p32, expect)
        np.testing.assert_allclose(p32, p64, rtol=2e-6, atol=1e-6)
