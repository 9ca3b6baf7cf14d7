"""Learning-rate schedules against their formulas; the kernel and lr_at agree exactly."""
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from engine import schedules as sch
from engine.schedules import (CONSTANT, COSINE, EXPONENTIAL, INVERSE_TIME, LINEAR, N_SCHED,
                              SCHEDULES, STEP, schedule_from_config, schedule_lr)

LR0 = 0.3
STEPS = [0, 1, 2, 7, 24, 25, 26, 99, 100, 249, 250, 251, 1000, 2499, 2500, 2501, 10**6]
SPE = 25   # steps per epoch


def formula(name, t, hp, lr0=LR0, spe=SPE):
    """The textbook formulas, in plain Python."""
    if name == "constant":
        return lr0
    if name == "step":
        return lr0 * hp["factor"] ** ((t // spe) // hp["every_epochs"])
    if name == "exponential":
        return lr0 * math.exp(-hp["k"] * t)
    if name == "inverse_time":
        return lr0 / (1 + hp["k"] * t)
    if name == "linear":
        tau, lr_tau = hp["decay_steps"], hp["end_fraction"] * lr0
        a = min(t, tau) / tau
        return (1 - a) * lr0 + a * lr_tau
    if name == "cosine":
        T, lr_min = hp["decay_steps"], hp["min_fraction"] * lr0
        return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * min(t, T) / T)) / 2
    raise AssertionError(name)


HPS = [
    ("constant", {}),
    ("step", {}),
    ("step", {"factor": 0.1, "every_epochs": 4}),
    ("exponential", {}),
    ("exponential", {"k": 0.01}),
    ("inverse_time", {}),
    ("inverse_time", {"k": 0.5}),
    ("linear", {}),
    ("linear", {"decay_steps": 100, "end_fraction": 0.2}),
    ("cosine", {}),
    ("cosine", {"decay_steps": 250, "min_fraction": 0.1}),
]


@pytest.mark.parametrize("name, hp", HPS)
def test_matches_formula_at_several_steps(name, hp):
    s = SCHEDULES[name](**hp)
    got = s.lr_at(np.array(STEPS), SPE, LR0)
    want = [formula(name, t, s.hyper) for t in STEPS]
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("name, hp", HPS)
def test_kernel_equals_lr_at_exactly(name, hp):
    s = SCHEDULES[name](**hp)
    h = s.hyper_vector()
    kernel = [schedule_lr(s.code, LR0, h, t, t // SPE) for t in STEPS]
    assert np.array_equal(s.lr_at(np.array(STEPS), SPE, LR0), kernel)
    assert all(s.lr_at(t, SPE, LR0) == k for t, k in zip(STEPS, kernel))


def test_worked_values():
    """Hand-checked landmarks of each curve."""
    step = sch.StepDecay(factor=0.5, every_epochs=2)           # halve every 2 epochs of 25 steps
    assert list(step.lr_at(np.array([0, 49, 50, 99, 100, 150]), 25)) == [1, 1, .5, .5, .25, .125]
    assert sch.ExponentialDecay(k=0.1).lr_at(10, 1, 2.0) == pytest.approx(2 / math.e, rel=1e-15)
    assert sch.InverseTimeDecay(k=0.5).lr_at(2, 1, 2.0) == pytest.approx(1.0, rel=1e-15)
    lin = sch.LinearDecay(decay_steps=100, end_fraction=0.01)   # course: lr_tau = 1% of lr0
    assert list(lin.lr_at(np.array([0, 50, 100, 101, 5000]), 10, 1.0)) == \
        pytest.approx([1.0, 0.505, 0.01, 0.01, 0.01], rel=1e-14)
    cos = sch.CosineDecay(decay_steps=100, min_fraction=0.2)
    assert list(cos.lr_at(np.array([0, 50, 100, 200]), 10, 1.0)) == \
        pytest.approx([1.0, 0.6, 0.2, 0.2], rel=1e-14)
    assert cos.lr_at(100, 10, 1.0) == 0.2 and lin.lr_at(100, 10) == 0.01   # exact at the end


@njit
def _curve(code, lr0, hp, n, spe):
    out = np.empty(n)
    for t in range(n):
        out[t] = schedule_lr(code, lr0, hp, t, t // spe)
    return out


@pytest.mark.parametrize("name, hp", HPS)
def test_schedule_lr_callable_from_njit(name, hp):
    s = SCHEDULES[name](**hp)
    assert np.array_equal(_curve(s.code, LR0, s.hyper_vector(), 3000, SPE),
                          s.lr_at(np.arange(3000), SPE, LR0))


def test_unknown_code_raises():
    with pytest.raises(ValueError):
        schedule_lr(42, 0.1, np.zeros(N_SCHED), 0, 0)


def test_codes_and_registry():
    assert (CONSTANT, STEP, EXPONENTIAL, INVERSE_TIME, LINEAR, COSINE) == tuple(range(6))
    assert list(SCHEDULES) == ["constant", "step", "exponential", "inverse_time", "linear",
                               "cosine"]
    assert [c.code for c in SCHEDULES.values()] == list(range(6))
    h = sch.LinearDecay(decay_steps=300, end_fraction=0.05).hyper_vector()
    assert h.dtype == np.float64 and list(h) == [300.0, 0.05, 0.0, 0.0]
    for cls in SCHEDULES.values():
        for hyper in cls.HYPERPARAMS:
            assert hyper.doc and hyper.check(hyper.default) == hyper.default


def test_lr_at_shapes_and_input_checks():
    s = sch.CosineDecay()
    assert isinstance(s.lr_at(5, 10), float)
    assert s.lr_at(np.arange(6).reshape(2, 3), 10).shape == (2, 3)
    assert s.lr_at(np.array([], dtype=np.int64), 10).shape == (0,)
    for bad_steps in (np.array([1.5]), np.array([-1]), -3):
        with pytest.raises(ValueError):
            s.lr_at(bad_steps, 10)
    for bad_spe in (0, 2.5, True):
        with pytest.raises(ValueError):
            s.lr_at(5, bad_spe)
    with pytest.raises(ValueError):
        s.lr_at(5, 10, float("nan"))


BAD = [(name, h.name, v) for name, cls in SCHEDULES.items() for h in cls.HYPERPARAMS
       for v in [h.low - 0.5, h.high + 1, float("nan"), float("inf"), "1", None, True]
       + ([h.low] if not h.low_inclusive else []) + ([2.5] if h.kind == "int" else [])]


@pytest.mark.parametrize("name, key, value", BAD)
def test_invalid_hyper_raises_naming_it(name, key, value):
    with pytest.raises(ValueError, match=key) as info:
        SCHEDULES[name](**{key: value})
    spec = next(h for h in SCHEDULES[name].HYPERPARAMS if h.name == key)
    assert spec.range_text() in str(info.value)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_unknown_hyper_raises(name):
    with pytest.raises(ValueError, match="lr0"):
        SCHEDULES[name](lr0=0.1)


def test_config_round_trip_and_repr():
    s = sch.StepDecay(factor=0.25, every_epochs=3.0)      # integral floats (from JSON) are ints
    cfg = s.get_config()
    assert cfg == {"name": "step", "factor": 0.25, "every_epochs": 3}
    assert isinstance(cfg["every_epochs"], int)
    again = schedule_from_config(json.loads(json.dumps(cfg)))
    assert type(again) is sch.StepDecay and again.get_config() == cfg
    assert repr(s) == "StepDecay(factor=0.25, every_epochs=3)"
    with pytest.raises(ValueError, match="unknown schedule"):
        schedule_from_config({"name": "warmup"})
    with pytest.raises(ValueError):
        schedule_from_config({"factor": 0.5})
    with pytest.raises(ValueError):
        sch.CosineDecay.from_config({"name": "linear"})


def _value(h):
    if h.kind == "int":
        return st.integers(int(h.low), int(h.high))
    return st.floats(h.low, h.high, exclude_min=not h.low_inclusive,
                     exclude_max=not h.high_inclusive, allow_nan=False)


@st.composite
def _cases(draw):
    name = draw(st.sampled_from(list(SCHEDULES)))
    hp = {h.name: draw(_value(h)) for h in SCHEDULES[name].HYPERPARAMS}
    steps = draw(st.lists(st.integers(0, 10**7), min_size=1, max_size=20))
    return name, hp, sorted(steps), draw(st.integers(1, 1000)), draw(st.floats(1e-5, 10.0))


@settings(max_examples=300, deadline=None)
@given(_cases())
def test_any_valid_schedule_follows_its_formula_and_never_increases(case):
    name, hp, steps, spe, lr0 = case
    s = SCHEDULES[name](**hp)
    got = s.lr_at(np.array(steps), spe, lr0)
    want = [formula(name, t, s.hyper, lr0, spe) for t in steps]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)
    assert np.all(np.diff(got) <= 1e-15 * lr0) and np.all(got <= lr0) and np.all(got >= 0)
    assert schedule_from_config(s.get_config()).get_config() == s.get_config()
