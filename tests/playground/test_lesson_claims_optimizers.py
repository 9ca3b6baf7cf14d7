"""What the learning-rate, gradient-descent and optimizer lessons teach, on their own settings."""
import numpy as np
import pytest

from engine.optimizers import Adam
from lesson_runs import column, gradient, lesson, run

SEEDS = (1, 2, 3)


def eigenvalues(r) -> np.ndarray:
    """Eigenvalues of the loss's Hessian at the current parameters, ascending."""
    return np.linalg.eigvalsh(r.trainer.objective().hessian(r.trainer.params))


# ---- learning rate: too small, too large, right -------------------------------------------------
def test_the_learning_rate_limit_is_two_over_the_largest_curvature():
    r = run("learning_rate")
    assert r.trainer.steps_per_epoch == 1                  # full batch: plain gradient descent
    limit = 2.0 / eigenvalues(r).max()
    assert 0.85 < limit < lesson("learning_rate").show_me["learning_rate"]    # as the text says
    start = r.history.last("train_loss")
    below = run("learning_rate", 500, learning_rate=0.97 * limit)
    above = run("learning_rate", 500, learning_rate=1.03 * limit)
    assert below.history.last("train_loss") < 1e-6 * start
    assert above.diverged or above.history.last("train_loss") > 1e6 * start


def test_too_small_crawls_right_converges_too_large_diverges():
    start = run("learning_rate").history.last("train_loss")
    small = run("learning_rate", 200)
    assert small.values["learning_rate"] == 0.001
    assert 0.25 * start < small.history.last("train_loss") < start
    right = run("learning_rate", 200, learning_rate=0.3)
    assert right.history.last("train_loss") < 1e-10
    large = run("learning_rate", 1000, show_me=True)
    assert large.values["learning_rate"] == 1.2
    assert large.diverged


# ---- SGD, mini-batch, full batch ----------------------------------------------------------------
def test_smaller_batches_learn_more_per_epoch():
    losses = []
    for batch in (1, 10, 200):
        r = run("batch_size", batch_size=batch)
        r.train_epochs(5)
        assert r.trainer.epoch == 5
        losses.append(r.history.last("train_loss"))
    assert losses[0] < losses[1] < losses[2]


def test_one_example_updates_are_noisy_and_the_full_batch_is_smooth():
    sgd = column(run("batch_size", 1000), "train_loss")
    full = run("batch_size", 1000, show_me=True)
    assert full.trainer.steps_per_epoch == 1
    assert np.mean(np.diff(sgd) > 0) > 0.1          # the loss often goes up after a frame
    assert (np.diff(column(full, "train_loss")) < 0).all()


# ---- momentum and Nesterov in a long valley -----------------------------------------------------
def test_the_valley_is_long_and_narrow():
    r = run("momentum_valley")
    ev = eigenvalues(r)
    assert ev.max() / ev.min() > 100
    assert r.values["learning_rate"] * ev.max() < 2        # SGD is stable, only slow


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov"])
def test_momentum_goes_further_down_the_valley_than_sgd(optimizer):
    sgd = run("momentum_valley", 300).history.last("train_loss")
    eta = lesson("momentum_valley").changes["learning_rate"]
    other = run("momentum_valley", 300, optimizer=optimizer, learning_rate=eta)
    assert other.history.last("train_loss") < 1e-2 * sgd


def test_show_me_is_momentum_at_the_same_rate():
    r = run("momentum_valley", show_me=True)
    assert r.values["optimizer"] == "momentum"
    assert r.values["learning_rate"] == lesson("momentum_valley").changes["learning_rate"]


# ---- AdaGrad against RMSProp ------------------------------------------------------------------
def step_sizes(r, windows: int = 30, every: int = 100) -> np.ndarray:
    """‖Δw‖ over each window of ``every`` steps."""
    out = []
    for _ in range(windows):
        before = r.trainer.params.copy()
        r.train(every)
        out.append(np.linalg.norm(r.trainer.params - before))
    return np.array(out)


@pytest.mark.parametrize("seed", SEEDS)
def test_adagrad_steps_fade_where_rmsprop_keeps_them(seed):
    adagrad = run("adagrad_rmsprop", seed=seed)
    rmsprop = run("adagrad_rmsprop", show_me=True, seed=seed)
    assert (adagrad.values["optimizer"], rmsprop.values["optimizer"]) == ("adagrad", "rmsprop")
    a, b = step_sizes(adagrad), step_sizes(rmsprop)
    assert a[-1] < 0.1 * a[0]
    assert b[-1] > 0.3 * b[0]
    assert rmsprop.history.last("train_loss") < 0.7 * adagrad.history.last("train_loss")


# ---- Adam with and without bias correction ----------------------------------------------------
def test_adams_first_step_without_bias_correction_is_3_2_times_larger():
    steps = {}
    for correct in (True, False):
        r = run("adam_bias", optimizer_params={"bias_correction": correct})
        assert r.trainer.steps_per_epoch == 1            # full batch: the step of g itself
        g, before = gradient(r), r.trainer.params.copy()
        r.train(1)
        steps[correct] = r.trainer.params - before
        eta = r.values["learning_rate"]
        b1, b2, eps = 0.9, 0.999, 1e-7
        # t = 1: m = (1 - β₁)g, v = (1 - β₂)g²; corrected m̂ = g, v̂ = g²
        expected = (eta * g / (np.abs(g) + eps) if correct else
                    eta * (1 - b1) * g / (np.sqrt(1 - b2) * np.abs(g) + eps))
        np.testing.assert_allclose(steps[correct], -expected, rtol=1e-7, atol=1e-14)
    big = np.abs(gradient(run("adam_bias"))) > 1e-2       # where ε is negligible
    assert big.sum() >= 20
    ratio = np.abs(steps[False][big]) / np.abs(steps[True][big])
    np.testing.assert_allclose(ratio, (1 - 0.9) / np.sqrt(1 - 0.999), rtol=1e-3)   # 3.162


def test_without_bias_correction_the_steps_grow_to_about_6_5_times_by_step_10():
    # a constant gradient: the step ratio is (1 - β₁ᵗ) / √(1 - β₂ᵗ), 6.54 at t = 10
    sizes = {}
    for correct in (True, False):
        opt, x = Adam(bias_correction=correct), np.zeros(1)
        for _ in range(10):
            before = x.copy()
            opt.update_step(np.ones(1), x, 0.01)
        sizes[correct] = float(before[0] - x[0])
    assert sizes[False] / sizes[True] == pytest.approx((1 - 0.9 ** 10) / np.sqrt(1 - 0.999 ** 10),
                                                       rel=1e-4)
    assert 6.3 < sizes[False] / sizes[True] < 6.7


def test_show_me_turns_the_bias_correction_off():
    assert run("adam_bias").values["optimizer_params"]["bias_correction"] is True
    assert run("adam_bias", show_me=True).values["optimizer_params"]["bias_correction"] is False


# ---- learning-rate decay ------------------------------------------------------------------------
@pytest.mark.parametrize("schedule, params, formula", [
    ("linear", None, None),
    ("step", {"factor": 0.5, "every_epochs": 2}, lambda t, e, lr: lr * 0.5 ** (e // 2)),
    ("exponential", {"k": 1e-3}, lambda t, e, lr: lr * np.exp(-1e-3 * t)),
    ("inverse_time", {"k": 1e-3}, lambda t, e, lr: lr / (1 + 1e-3 * t)),
])
def test_each_schedule_follows_its_formula(schedule, params, formula):
    if params is None:       # the lesson's own: the notes' linear decay to ε_τ = 1% at τ
        r = run("lr_decay")
        tau = r.values["schedule_params"]["decay_steps"]
        end = r.values["schedule_params"]["end_fraction"]

        def formula(t, e, lr):
            a = np.minimum(t, tau) / tau
            return (1 - a) * lr + a * end * lr
    else:
        r = run("lr_decay", schedule=schedule, schedule_params=params)
    lrs = r.trainer.run(5000).learning_rates
    t = np.arange(5000)
    expected = formula(t, t // r.trainer.steps_per_epoch, r.values["learning_rate"])
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)


def minimum_loss() -> float:
    r = run("lr_decay", optimizer="lbfgs", learning_rate=1.0, batch_size=200,
            schedule="constant")
    r.train(50)
    return r.history.last("train_loss")


@pytest.mark.parametrize("seed", SEEDS)
def test_decay_settles_at_the_minimum_where_a_constant_rate_keeps_jumping(seed):
    best = minimum_loss()
    decayed = run("lr_decay", 4000, seed=seed).history.last("train_loss") - best
    constant = run("lr_decay", 4000, show_me=True, seed=seed)
    assert constant.values["schedule"] == "constant"
    assert 0 <= decayed < 1e-3
    assert constant.history.last("train_loss") - best > 10 * decayed


# ---- Newton, L-BFGS, conjugate gradient --------------------------------------------------------
def gradient_norms(optimizer, iterations, learning_rate=1.0):
    r = run("second_order", optimizer=optimizer, learning_rate=learning_rate)
    norms = []
    for _ in range(iterations):
        r.train(1)
        norms.append(float(np.linalg.norm(gradient(r))))
    return norms, r.history.last("train_loss")


def test_second_order_methods_land_on_the_minimum_in_a_few_iterations():
    newton, newton_loss = gradient_norms("newton", 10)
    lbfgs, lbfgs_loss = gradient_norms("lbfgs", 20)
    cg, cg_loss = gradient_norms("cg", 20)
    sgd, sgd_loss = gradient_norms("sgd", 30, learning_rate=0.5)
    assert newton[-1] < 1e-8 and lbfgs[-1] < 1e-5 and cg[-1] < 1e-5
    assert abs(lbfgs_loss - newton_loss) < 1e-8 and abs(cg_loss - newton_loss) < 1e-8
    assert sgd[-1] > 1e-2 and sgd_loss > newton_loss + 1e-2


def test_the_second_order_lesson_is_full_batch_and_its_show_me_is_lbfgs():
    r = run("second_order", show_me=True)
    assert r.values["optimizer"] == "lbfgs" and r.trainer.config.second_order


# ---- exploding gradients and clipping -----------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_exploding_gradients_diverge_and_clipping_tames_them(seed):
    r = run("exploding_clip", seed=seed)
    assert np.linalg.norm(gradient(r)) > 1e3
    r.train(20)
    assert r.diverged

    clipped = run("exploding_clip", show_me=True, seed=seed)
    start = clipped.history.last("train_loss")
    clipped.train(1000)
    assert not clipped.diverged
    assert clipped.history.last("train_loss") < 1e-3 * start


def test_a_clipped_step_is_exactly_eta_times_c_long():
    r = run("exploding_clip", show_me=True)
    before = r.trainer.params.copy()
    r.train(1)
    eta, c = r.values["learning_rate"], r.values["clip_norm"]
    assert np.linalg.norm(r.trainer.params - before) == pytest.approx(eta * c, rel=1e-9)
