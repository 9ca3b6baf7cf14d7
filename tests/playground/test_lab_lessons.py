"""Each optimizer-lab lesson's claim, checked from the races of its own lab setup."""
import math

import numpy as np
import pytest

from playground.lab import LabSetup, Racer, run_lab
from playground.lab_lessons import LAB_LESSONS, STABILITY_KAPPA
from playground.lesson_spec import Lesson

LESSONS = {lesson.name: lesson for lesson in LAB_LESSONS}


def races(name, **changes):
    setup = LabSetup.from_dict(LESSONS[name].lab).with_changes(**changes)
    return {r.label: p for r, p in zip(setup.racers, run_lab(setup))}, setup


def step_lengths(path):
    return np.linalg.norm(np.diff(path.xy, axis=0), axis=1)


def test_there_are_six_lab_lessons_each_a_valid_lab_setup():
    assert len(LAB_LESSONS) == 6 and len(LESSONS) == 6
    for lesson in LAB_LESSONS:
        assert isinstance(lesson, Lesson) and lesson.is_lab and lesson.changes == {}
        assert lesson.title and lesson.look_at and lesson.formula and lesson.try_next
        setup = LabSetup.from_dict(lesson.lab)
        assert setup.to_dict() == lesson.lab
        assert all(p.diverged_at == -1 for p in run_lab(setup)) or \
            lesson.name == "lab_stability_limit"


def test_momentum_gets_lower_than_sgd_in_the_valley_in_the_same_steps():
    paths, setup = races("lab_momentum_valley")
    sgd, momentum, nesterov = paths["SGD"], paths["Momentum"], paths["Nesterov"]
    lr = {r.label: r.config["learning_rate"] for r in setup.racers}
    assert lr["SGD"] == lr["Momentum"] == lr["Nesterov"]
    assert len(sgd.losses) == len(momentum.losses) == setup.steps + 1
    assert momentum.losses[-1] < sgd.losses[-1] / 10
    assert nesterov.losses[-1] < sgd.losses[-1] / 10


def test_plain_gd_on_the_axis_stays_in_the_saddle():
    paths, setup = races("lab_saddle_escape")
    assert setup.start[1] == 0.0 and setup.noise_std == 0.0
    for path in paths.values():
        assert np.all(path.xy[:, 1] == 0.0)                 # never leaves the axis
        assert np.linalg.norm(path.xy[-1]) < 0.05           # ends at the saddle point
        assert abs(path.losses[-1]) < 1e-3                  # its loss stuck at f(0, 0) = 0


@pytest.mark.parametrize("changes", [{"noise_std": 0.05}, {"noise_std": 0.05, "seed": 7},
                                     {"start": (-1.5, 1e-3)}])
def test_noise_or_a_tiny_offset_escapes_the_saddle(changes):
    paths, _ = races("lab_saddle_escape", **changes)
    for path in paths.values():
        assert abs(path.xy[-1, 1]) > 0.5
        assert path.losses[-1] < -0.25                      # well below the saddle's 0


def test_adagrads_steps_fade_like_one_over_sqrt_t_and_rmsprops_do_not():
    paths, setup = races("lab_adagrad_fades")
    lr = {r.label: r.config["learning_rate"] for r in setup.racers}
    ada, rms = step_lengths(paths["AdaGrad"]), step_lengths(paths["RMSProp"])
    t = np.arange(1, len(ada) + 1)
    scaled = ada * np.sqrt(t) / ada[0]                     # constant if exactly 1/sqrt(t)
    assert np.all((scaled[:100] > 0.75) & (scaled[:100] <= 1.0 + 1e-9))
    assert ada[-1] < 0.05 * ada[0]
    assert np.all(rms[25:] > 0.9 * lr["RMSProp"])          # about eta, step after step
    assert paths["RMSProp"].xy[-1, 0] > 0.0 > paths["AdaGrad"].xy[-1, 0]   # off the cliff


def test_adam_without_bias_correction_steps_about_3x_then_6x_too_far():
    paths, setup = races("lab_adam_bias")
    beta1, beta2 = (setup.racers[0].config[k] for k in ("beta1", "beta2"))
    assert (beta1, beta2) == (0.9, 0.999)
    ratio = step_lengths(paths["Adam, no bias corr."]) / step_lengths(paths["Adam"])
    assert ratio[0] == pytest.approx((1 - beta1) / math.sqrt(1 - beta2), rel=1e-3)   # 3.16
    assert ratio[0] == pytest.approx(3.16, abs=0.01)
    assert 5.5 < ratio[:20].max() < 7.0 and 6 <= int(ratio[:20].argmax()) <= 12       # ~6x


def test_newton_reaches_the_minimum_of_a_quadratic_in_one_or_two_steps():
    paths, setup = races("lab_newton_quadratic")
    newton, sgd = paths["Newton"], paths["SGD"]
    f0 = newton.losses[0]
    assert newton.losses[1] < 1e-5 * f0 and newton.losses[2] < 1e-12 * f0
    assert np.allclose(newton.xy[2], (0.0, 0.0), atol=1e-6)
    assert sgd.losses[2] > 0.1 * f0 and sgd.losses[-1] > 0.05 * f0
    for name in ("L-BFGS", "Conjugate gradient"):     # curvature from gradients: a few more
        assert paths[name].losses[2] > 1e-12 * f0 and paths[name].losses[-1] < 1e-6 * f0
    for kappa in (2.0, 1e3):          # whatever the condition number
        paths, _ = races("lab_newton_quadratic", surface_params={"condition_number": kappa})
        assert paths["Newton"].losses[2] < 1e-12 * paths["Newton"].losses[0]


@pytest.mark.parametrize("kappa", [STABILITY_KAPPA, 4.0, 40.0])
def test_gd_converges_below_two_over_lambda_max_and_diverges_above(kappa):
    lam = kappa                                 # the valley's Hessian is diag(1, kappa)
    racers = (Racer("sgd", {"learning_rate": 0.95 * 2 / lam}, "below"),
              Racer("sgd", {"learning_rate": 1.05 * 2 / lam}, "above"))
    paths, _ = races("lab_stability_limit", racers=racers, steps=400,
                     surface_params={"condition_number": kappa})
    assert paths["below"].losses[-1] < 1e-3 * paths["below"].losses[0]
    assert paths["above"].losses[-1] > 1e3 * paths["above"].losses[0] \
        or paths["above"].diverged_at >= 0


def test_the_stability_lessons_own_rates_sit_either_side_of_the_limit():
    paths, setup = races("lab_stability_limit")
    assert setup.surface_params["condition_number"] == STABILITY_KAPPA
    limit = 2 / STABILITY_KAPPA
    assert abs(paths["GD η = 0.1"].xy[1, 1]) < 1e-12     # 1 - eta lambda = 0: y gone at once
    assert abs(paths["GD η = 0.19"].xy[1, 1]) > 0.5      # zigzags: 1 - 1.9 = -0.9
    for r in setup.racers:
        path = paths[r.label]
        if r.config["learning_rate"] < limit:
            assert path.losses[-1] < path.losses[0] / 100
        else:
            assert path.losses[-1] > path.losses[0] * 100
