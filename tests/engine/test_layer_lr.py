"""Per-layer learning rates (Trainer.set_lr_scale, engine.layer_lr) and frozen layers.

Checked three ways: a scale s on every layer is the base rate times s (for every first-order
optimizer, Nesterov's included), one full-batch step of a network with two scales against the
update worked by hand from the gradient, and against PyTorch parameter groups."""
import numpy as np
import pytest

from engine.layers import BatchNorm, Conv2D, Flatten, LayerSpec, MaxPool2D
from engine.network import NetworkSpec
from engine.trainer import TrainConfig, Trainer

FIRST_ORDER = ["sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam"]


def points(n=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, (X[:, :1] * X[:, 1:] > 0).astype(np.float64)


def dense_trainer(optimizer="sgd", lr=0.05, batch=8, **config):
    X, Y = points()
    spec = NetworkSpec.for_task(2, [LayerSpec(5, "tanh"), LayerSpec(4, "tanh")], "binary")
    return Trainer(spec, TrainConfig(optimizer=optimizer, learning_rate=lr, batch_size=batch,
                                     **config), X, Y, seed=3)


def image_trainer(optimizer="adam", lr=0.01, **config):
    rng = np.random.default_rng(1)
    X = rng.uniform(size=(12, 1, 6, 6))
    Y = np.eye(3)[np.arange(12) % 3]
    spec = NetworkSpec.for_images((1, 6, 6), [Conv2D(3, 3), BatchNorm(), MaxPool2D(2),
                                              Flatten(), LayerSpec(5, "relu")], 3)
    return Trainer(spec, TrainConfig(optimizer=optimizer, learning_rate=lr, batch_size=4,
                                     **config), X, Y, seed=2)


def every_layer(trainer):
    return range(len(trainer.spec.layer_slices()))


@pytest.mark.parametrize("optimizer", FIRST_ORDER)
def test_one_scale_on_every_layer_is_the_base_rate_times_it(optimizer):
    scaled, plain = dense_trainer(optimizer, lr=0.05, weight_decay=0.01), \
        dense_trainer(optimizer, lr=0.05 * 0.3, weight_decay=0.01)
    scaled.set_lr_scale(every_layer(scaled), 0.3)
    a, b = scaled.run(25), plain.run(25)
    np.testing.assert_allclose(scaled.params, plain.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.losses, b.losses, rtol=1e-9)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_in_an_image_network_too(optimizer):
    scaled, plain = image_trainer(optimizer, lr=0.02), image_trainer(optimizer, lr=0.02 * 2.5)
    scaled.set_lr_scale(every_layer(scaled), 2.5)
    scaled.run(9), plain.run(9)
    np.testing.assert_allclose(scaled.params, plain.params, rtol=1e-8, atol=1e-11)
    np.testing.assert_allclose(scaled.buffers, plain.buffers, rtol=1e-8, atol=1e-11)


def full_batch_gradient(trainer):
    return trainer.objective().value_and_grad(trainer.params.copy())[1]


def test_one_sgd_step_moves_each_layer_by_its_own_rate():
    t = dense_trainer("sgd", lr=0.1, batch=24)
    t.set_lr_scale([0], 0.25)
    t.set_lr_scale([2], 4.0)
    start, g = t.params.copy(), full_batch_gradient(t)
    rate = np.full(start.size, 0.1)
    (a0, b0), _, (a2, b2) = t.spec.layer_slices()
    rate[a0:b0], rate[a2:b2] = 0.1 * 0.25, 0.1 * 4.0
    t.run(1)
    np.testing.assert_allclose(t.params, start - rate * g, rtol=1e-12, atol=1e-15)


def test_one_adam_step_is_each_rate_times_the_sign_of_the_gradient():
    """Adam's first step: m^ = g, v^ = g^2, so x <- x - lr_i g / (|g| + eps)."""
    t = dense_trainer("adam", lr=0.01, batch=24)
    t.set_lr_scale([1], 0.1)
    start, g = t.params.copy(), full_batch_gradient(t)
    rate = np.full(start.size, 0.01)
    a, b = t.spec.layer_slices()[1]
    rate[a:b] = 0.001
    t.run(1)
    np.testing.assert_allclose(t.params, start - rate * g / (np.abs(g) + 1e-7), rtol=1e-10,
                               atol=1e-15)


def test_frozen_layers_stay_frozen_beside_scaled_ones_with_every_constraint():
    t = image_trainer("adam", lr=0.05, weight_decay=0.1, max_norm=0.5, l2=0.01, clip_norm=1.0)
    t.set_trainable([0], False)
    t.set_lr_scale([4], 0.2)
    (a, b) = t.spec.layer_slices()[0]
    before = t.params[a:b].copy()
    t.run(12)
    np.testing.assert_array_equal(t.params[a:b], before)
    W = t.spec.views(t.params)[4][0]
    assert np.linalg.norm(W.reshape(W.shape[0], -1), axis=0).max() <= 0.5 + 1e-12 or \
        np.linalg.norm(W.reshape(-1, W.shape[-1]), axis=0).max() <= 0.5 + 1e-12
    assert t.layer_lr_scales()[4] == 0.2 and t.layer_lr_scales()[2] == 1.0


def test_a_scaled_run_is_the_same_however_it_is_chunked():
    one, two = image_trainer(), image_trainer()
    for t in (one, two):
        t.set_lr_scale([0, 1], 0.1)
    one.run(10)
    two.run(3), two.run(7)
    np.testing.assert_array_equal(one.params, two.params)
    np.testing.assert_array_equal(one.optimizer.slots, two.optimizer.slots)


def test_second_order_methods_refuse_a_scale_and_keep_frozen_layers_frozen():
    t = dense_trainer("lbfgs", batch=24)
    with pytest.raises(ValueError, match="second-order"):
        t.set_lr_scale([0], 0.5)
    t.set_trainable([0], False)
    a, b = t.spec.layer_slices()[0]
    before = t.params[a:b].copy()
    t.run(3)
    np.testing.assert_array_equal(t.params[a:b], before)
    s = dense_trainer("sgd")
    s.set_lr_scale([1], 0.5)
    with pytest.raises(ValueError, match="second-order"):
        s.set_config(TrainConfig(optimizer="cg"))
    with pytest.raises(ValueError, match="> 0"):
        s.set_lr_scale([1], 0.0)


# ---- PyTorch parameter groups ------------------------------------------------------------------
TORCH = {   # ours -> (torch class, torch kwargs)
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9}),
    "adagrad": ("Adagrad", {"eps": 1e-7}),
    "adadelta": ("Adadelta", {"rho": 0.95, "eps": 1e-6}),
    "rmsprop": ("RMSprop", {"alpha": 0.9, "eps": 1e-7}),
    "adam": ("AdamW", {"eps": 1e-7, "weight_decay": 0.05}),
}


@pytest.mark.parametrize("optimizer", sorted(TORCH))
def test_against_pytorch_parameter_groups(optimizer):
    torch = pytest.importorskip("torch")
    decay = 0.05 if optimizer == "adam" else 0.0
    t = dense_trainer(optimizer, lr=0.03, batch=24, weight_decay=decay)
    scales = (0.1, 1.0, 3.0)
    for layer, s in enumerate(scales):
        t.set_lr_scale([layer], s)
    torch.set_default_dtype(torch.float64)
    layers = [torch.nn.Linear(2, 5), torch.nn.Linear(5, 4), torch.nn.Linear(4, 1)]
    with torch.no_grad():
        for lin, (W, b) in zip(layers, t.spec.views(t.params)):
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b.copy()))
    name, kwargs = TORCH[optimizer]
    opt = getattr(torch.optim, name)([{"params": lin.parameters(), "lr": 0.03 * s}
                                      for lin, s in zip(layers, scales)], **kwargs)
    X, Y = (torch.from_numpy(a) for a in (t.X, t.Y))
    for _ in range(6):
        opt.zero_grad()
        h = torch.tanh(layers[1](torch.tanh(layers[0](X))))
        torch.nn.functional.binary_cross_entropy_with_logits(layers[2](h), Y).backward()
        opt.step()
    t.run(6)
    for lin, (W, b) in zip(layers, t.spec.views(t.params)):
        np.testing.assert_allclose(W, lin.weight.detach().numpy().T, rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(b, lin.bias.detach().numpy(), rtol=1e-7, atol=1e-10)


# --- what a training call reads of trainable and lr_scale is kept between calls -------------

def _moved(trainer, steps=3):
    """Per layer of spec.layers: whether any of its parameters moved in ``steps`` steps."""
    before = trainer.params.copy()
    trainer.run(steps)
    return [bool((trainer.params[a:b] != before[a:b]).any()) if b > a else None
            for a, b in trainer.spec.layer_slices()]


def test_the_kept_rates_follow_every_verb_that_changes_them():
    tr = dense_trainer("adam", lr=0.05)
    assert _moved(tr) == [True, True, True]
    tr.set_trainable([1], False)                 # after runs: the kept rates must not be stale
    assert _moved(tr) == [True, False, True]
    tr.set_trainable([1], True)
    tr.set_trainable([0, 2], False)
    assert _moved(tr) == [False, True, False]
    tr.set_trainable([0, 2], True)
    assert _moved(tr) == [True, True, True]


def test_a_layer_rate_set_after_runs_takes_effect_at_the_next_call():
    a, b = dense_trainer("sgd", batch=24), dense_trainer("sgd", batch=24)
    a.run(2), b.run(2)
    a.set_lr_scale([0], 0.5)                     # SGD: the step is linear in the rate
    p_a, p_b = a.params.copy(), b.params.copy()
    a.run(1), b.run(1)
    lo, hi = a.spec.layer_slices()[0]
    np.testing.assert_allclose(a.params[lo:hi] - p_a[lo:hi], 0.5 * (b.params[lo:hi] - p_b[lo:hi]),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a.params[hi:] - p_a[hi:], b.params[hi:] - p_b[hi:], rtol=1e-12,
                               atol=1e-15)


def test_loading_a_state_dict_brings_its_frozen_layers_with_it():
    src = dense_trainer("adam")
    src.set_trainable([0], False)
    src.run(4)
    dst = dense_trainer("adam")
    dst.run(2)                                   # kept rates: nothing frozen
    dst.load_state_dict(src.state_dict())
    assert dst.frozen_layers() == [0]
    np.testing.assert_array_equal(dst.optimizer.step_offset, src.optimizer.step_offset)
    assert _moved(dst) == [False, True, True]


def test_a_config_with_layer_scales_replaces_the_kept_rates():
    tr = dense_trainer("sgd")
    tr.run(2)
    tr.set_config(TrainConfig(optimizer="sgd", learning_rate=0.05, batch_size=8,
                              layer_scales=(1.0, 0.0, 1.0)))
    assert tr.frozen_layers() == [1]
    assert _moved(tr) == [True, False, True]
    tr.set_config(TrainConfig(optimizer="sgd", learning_rate=0.05, batch_size=8))
    assert tr.frozen_layers() == [] and _moved(tr) == [True, True, True]


def test_the_public_arrays_cannot_be_written_behind_the_trainers_back():
    tr = dense_trainer("adam")
    for name in ("trainable", "lr_scale"):
        with pytest.raises(ValueError):
            getattr(tr, name)[0] = 0.0
    with pytest.raises(ValueError):
        tr.optimizer.step_offset[0] = 3
    mask = np.ones(tr.spec.n_params)
    lo, hi = tr.spec.layer_slices()[0]
    mask[lo:hi] = 0.0
    tr.trainable = mask                          # a whole array is taken as a copy
    mask[:] = 0.0
    assert tr.frozen_layers() == [0]
    assert _moved(tr) == [False, True, True]
    with pytest.raises(ValueError, match="shape"):
        tr.lr_scale = np.ones(3)
    with pytest.raises(ValueError, match="whole numbers"):
        tr.optimizer.step_offset = -np.ones(tr.spec.n_params, np.int64)


def test_counting_skipped_updates_by_runs_matches_the_mask():
    from engine.optimizers import Adam
    rng = np.random.default_rng(5)
    by_mask, by_runs = Adam(), Adam()
    by_mask.build(40), by_runs.build(40)
    for _ in range(5):
        frozen = rng.uniform(size=40) < 0.4
        n = int(rng.integers(0, 4))
        by_mask.sat_out(frozen, n)
        edges = np.diff(frozen.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
        by_runs.sat_out_runs(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), n)
        np.testing.assert_array_equal(by_runs.step_offset, by_mask.step_offset)
        np.testing.assert_array_equal(by_runs.offsets(), by_mask.offsets())
    with pytest.raises(ValueError, match=">= 0"):
        by_runs.sat_out(np.ones(40, bool), -1)
