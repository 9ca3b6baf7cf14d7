"""The optimizer-lab lessons: six races on 2-D loss surfaces, each showing one idea of the course.

``LAB_LESSONS`` declares them as ``playground.lesson_spec.Lesson`` with ``lab`` set to a
``playground.lab_setup.LabSetup`` dict (``changes`` empty); ``playground.lessons`` lists them
with the experiment lessons and opens them in the lab window. What each one claims is checked
headlessly from its races by ``tests/playground/test_lab_lessons.py``.

Symbols are the course's: η the learning rate, ρ momentum, β₁ β₂ Adam's decays, H the Hessian.
"""
from __future__ import annotations

from playground.lab_setup import LabSetup, Racer
from playground.lesson_spec import Lesson


def _lab(surface, start, racers, steps, **changes) -> dict:
    return LabSetup(surface=surface, start=start, racers=tuple(racers), steps=steps,
                    **changes).to_dict()


def _r(optimizer, label=None, **config) -> Racer:
    return Racer.make(optimizer, config, label=label)


#: The stability lesson's valley: curvatures 1 and KAPPA, so lambda_max = KAPPA, 2/lambda = 0.2.
STABILITY_KAPPA = 10.0

LAB_LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "lab_momentum_valley", "Momentum in a long valley (lab)", "Momentum",
        look_at="A valley 25 times steeper across than along. SGD's small rate crawls along "
                "the floor; momentum adds up the gradients that agree (along the valley) and "
                "cancels those that flip (across it), so with the same η it gets much lower in "
                "the same 100 steps. Nesterov looks ahead and overshoots less.",
        formula="v ← ρv + ∇f(x) ;  x ← x − ηv      (SGD: x ← x − η∇f(x))",
        try_next="Raise the condition number κ to 100: SGD slows further, momentum hardly. "
                 "Then set ρ to 0.99 and watch it overshoot.",
        lab=_lab("valley", (-4.0, 1.0), [_r("sgd", learning_rate=0.03),
                                        _r("momentum", learning_rate=0.03),
                                        _r("nesterov", learning_rate=0.03)], 100,
                 surface_params={"condition_number": 25.0}),
    ),
    Lesson(
        "lab_saddle_escape", "Escaping a saddle point (lab)", "Gradient descent",
        look_at="f = x² − y² started exactly on the x axis: the gradient has no y part, so "
                "plain gradient descent walks straight into the saddle point (0, 0) and stays "
                "there, its loss stuck at 0. The way down (along y) is never found.",
        formula="∇f = (2x, −2y) : at y = 0 it has no y part ;  y ← (1 + 2η) y grows if y ≠ 0",
        try_next="Move the gradient-noise slider a little (0.05): stochastic gradients knock "
                 "the point off the axis and it runs down the saddle. Or click just off the axis.",
        lab=_lab("saddle", (-1.5, 0.0), [_r("sgd", learning_rate=0.05),
                                        _r("momentum", learning_rate=0.02)], 80),
    ),
    Lesson(
        "lab_adagrad_fades", "AdaGrad's steps fade, RMSProp's do not (lab)", "Adaptive methods",
        look_at="On the gentle slope of a plateau the gradient hardly changes. AdaGrad divides "
                "by the square root of the sum of all squared gradients, which keeps growing: "
                "its step shrinks like 1/√t and it stalls far from the cliff. RMSProp's leaky "
                "average forgets, so its step stays about η and it walks on.",
        formula="AdaGrad: c ← c + g² ;  RMSProp: c ← βc + (1 − β)g² ;  x ← x − η g / (√c + ε)",
        try_next="Open the step-by-step view on AdaGrad: its cache only grows. Give AdaGrad "
                 "10× the rate: it goes further, but still slows down.",
        lab=_lab("cliff", (-4.0, 0.5), [_r("adagrad", learning_rate=0.02),
                                       _r("rmsprop", learning_rate=0.02)], 300),
    ),
    Lesson(
        "lab_adam_bias", "Adam's bias correction (lab)", "Adaptive methods",
        look_at="Both moments start at zero. Without correction the first step is "
                "η(1 − β₁)g / √((1 − β₂)g²) = η(1 − β₁)/√(1 − β₂) ≈ 3.2η instead of η, and the "
                "factor grows to about 6× by the tenth step before it settles: 'Adam (almost)' "
                "takes its first steps far too large.",
        formula="m′ = m / (1 − β₁ᵗ) ,  v′ = v / (1 − β₂ᵗ) ;  x ← x − η m′ / (√v′ + ε)",
        try_next="Open the step-by-step view on both and compare their first steps. Set β₂ to "
                 "0.99: the uncorrected first step is then only 1×.",
        lab=_lab("valley", (-4.0, 1.0), [_r("adam", learning_rate=0.01),
                                        _r("adam_no_bias", learning_rate=0.01)], 100,
                 surface_params={"condition_number": 10.0}),
    ),
    Lesson(
        "lab_newton_quadratic", "Newton's method on a quadratic (lab)", "Second-order methods",
        look_at="On a quadratic the second-order Taylor expansion is exact, so Newton's step "
                "θ − H⁻¹∇J lands on the minimum: here in one step (two with its small "
                "damping), whatever the condition number. SGD is still on its way after 10. "
                "L-BFGS and CG build the curvature up from gradients and need a few more.",
        formula="J(θ) ≈ J(θ₀) + (θ − θ₀)ᵀ∇J + ½(θ − θ₀)ᵀH(θ − θ₀)  ⇒  θ* = θ₀ − H⁻¹∇J(θ₀)",
        try_next="Switch the surface to Rosenbrock: not a quadratic, Newton needs several "
                 "steps, but far fewer than the first-order methods.",
        lab=_lab("valley", (-4.0, 1.0), [_r("newton"), _r("lbfgs"), _r("cg"),
                                        _r("sgd", learning_rate=0.03)], 10,
                 surface_params={"condition_number": 50.0}),
    ),
    Lesson(
        "lab_stability_limit", "The stability limit η < 2/λ_max (lab)", "Learning rate",
        look_at="Along a direction of curvature λ, a gradient step multiplies the distance to "
                "the minimum by (1 − ηλ). Here λ_max = κ = 10: with η = 0.19 < 2/λ_max = 0.2 "
                "the steep direction zigzags but shrinks; with η = 0.21 it zigzags and grows, "
                "and the run diverges. η = 0.1 = 1/λ_max removes the steep direction in one step.",
        formula="x ← (1 − ηλ) x  converges iff |1 − ηλ| < 1  ⇔  η < 2/λ",
        try_next="Change the condition number κ: the limit moves to 2/κ. Set a rate just "
                 "under it and watch how long the zigzag takes to die out.",
        lab=_lab("valley", (-4.0, 1.0), [_r("sgd", "GD η = 0.1", learning_rate=0.1),
                                        _r("sgd", "GD η = 0.19", learning_rate=0.19),
                                        _r("sgd", "GD η = 0.21", learning_rate=0.21)], 60,
                 surface_params={"condition_number": STABILITY_KAPPA}),
    ),
)
