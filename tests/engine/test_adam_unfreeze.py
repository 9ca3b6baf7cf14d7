"""Adam's bias correction for a layer unfrozen late: each parameter counts its own updates
(``Optimizer.step_offset``), as PyTorch keeps a step per parameter that starts with its first
gradient, and a frozen parameter's moments stand still.

Checked against PyTorch (requires_grad False for k steps, then True), against the first Adam
step worked by hand (m^ = g, v^ = g^2: the step is lr * g / (|g| + eps)), and through
state_dict (a resumed run is the same run, bit for bit)."""
import numpy as np
import pytest

from engine.layers import LayerSpec
from engine.network import NetworkSpec
from engine.trainer import TrainConfig, Trainer

LR, EPS = 0.03, 1e-7


def trainer(optimizer="adam", batch=24, **config):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(np.float64)
    spec = NetworkSpec.for_task(2, [LayerSpec(5, "tanh"), LayerSpec(4, "tanh")], "binary")
    cfg = TrainConfig(optimizer=optimizer, learning_rate=LR, batch_size=batch,
                      optimizer_params={"eps": EPS} if optimizer == "adam" else {}, **config)
    return Trainer(spec, cfg, X, Y, seed=3)


# (layer, trainable) switches before each phase, and the phase's steps
PLANS = {
    "unfrozen late": [((0, False), 4), ((0, True), 5)],
    "trained, frozen, unfrozen": [((1, True), 3), ((1, False), 3), ((1, True), 3)],
}


@pytest.mark.parametrize("plan", sorted(PLANS))
@pytest.mark.parametrize("decay", [0.0, 0.05])
def test_against_pytorch_requires_grad(plan, decay):
    torch = pytest.importorskip("torch")
    t = trainer(weight_decay=decay)
    torch.set_default_dtype(torch.float64)
    layers = [torch.nn.Linear(2, 5), torch.nn.Linear(5, 4), torch.nn.Linear(4, 1)]
    with torch.no_grad():
        for lin, (W, b) in zip(layers, t.spec.views(t.params)):
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b.copy()))
    opt = torch.optim.AdamW([p for lin in layers for p in lin.parameters()], lr=LR, eps=EPS,
                            weight_decay=decay)
    X, Y = (torch.from_numpy(a) for a in (t.X, t.Y))
    for (layer, on), steps in PLANS[plan]:
        t.set_trainable([layer], on)
        for p in layers[layer].parameters():
            p.requires_grad_(on)
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            h = torch.tanh(layers[1](torch.tanh(layers[0](X))))
            torch.nn.functional.binary_cross_entropy_with_logits(layers[2](h), Y).backward()
            opt.step()
        t.run(steps)
    for lin, (W, b) in zip(layers, t.spec.views(t.params)):
        np.testing.assert_allclose(W, lin.weight.detach().numpy().T, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(b, lin.bias.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_first_step_after_unfreezing_is_adams_first_step():
    t = trainer(batch=24)                 # full batch: the step's gradient is the objective's
    t.set_trainable([0], False)
    t.run(6)
    a, b = t.spec.layer_slices()[0]
    before = t.params.copy()
    _, g = t.objective().value_and_grad(before)
    t.set_trainable([0], True)
    t.run(1)
    # m = (1 - b1) g, v = (1 - b2) g^2; bias-corrected at its own t = 1: m^ = g, v^ = g^2
    expected = before[a:b] - LR * g[a:b] / (np.abs(g[a:b]) + EPS)
    np.testing.assert_allclose(t.params[a:b], expected, rtol=1e-12, atol=1e-15)
    # at the global t = 7 it would have been about (1 - b1) / sqrt(1 - b2^7) ~ 1.2 times larger
    assert np.abs(t.params[a:b] - before[a:b]).max() <= LR * (1 + 1e-9)


@pytest.mark.parametrize("precision", ["float64", "float32"])
@pytest.mark.parametrize("scaled", [False, True])
def test_resume_from_state_dict_is_the_same_run(precision, scaled):
    def fresh():
        tr = trainer(batch=5, precision=precision)
        if scaled:
            tr.set_lr_scale([2], 0.5)
        return tr
    t = fresh()
    t.set_trainable([0], False)
    t.run(4)
    t.set_trainable([0], True)
    d = t.state_dict()
    assert d["optimizer_step_offset"].tolist() == [4] * 15 + [0] * 29
    u = fresh()
    u.load_state_dict(d)
    t.run(5)
    u.run(5)
    assert np.array_equal(t.params, u.params)
    assert np.array_equal(t.optimizer.slots, u.optimizer.slots)


def test_no_freezing_keeps_no_offsets_and_bad_offsets_are_refused():
    t = trainer(batch=5)
    t.run(3)
    d = t.state_dict()
    assert "optimizer_step_offset" not in d
    d["optimizer_step_offset"] = np.full(t.spec.n_params, 4)     # more than the 3 updates
    with pytest.raises(ValueError, match="optimizer_step_offset"):
        trainer(batch=5).load_state_dict(d)
