"""Convergence on seeded data with sensible defaults: every first-order optimizer reaches the
issue's accuracy on each data set; L-BFGS and CG at full batch; Newton on a tiny network."""
import numpy as np
import pytest

from engine import datasets as D
from engine.features import make_features
from engine.network import LayerSpec, NetworkSpec
from engine.normalization import Standardizer
from engine.trainer import TrainConfig, Trainer

LEARNING_RATES = {"sgd": 0.3, "momentum": 0.03, "nesterov": 0.03, "adagrad": 0.3,
                  "adadelta": 1.0, "rmsprop": 0.01, "adam": 0.02, "adamw": 0.02,
                  "momentum+decay": 0.03}
# AdamW is Adam with decoupled weight decay, and the decay works with every optimizer: it is
# lr * weight_decay per step, so at these learning rates 1e-3 is a mild setting (PyTorch's 0.01
# default assumes lr ~ 1e-3 and keeps the spiral from forming its large weights)
WITH_DECAY = {"adamw": ("adam", 1e-3), "momentum+decay": ("momentum", 1e-3)}

# data set -> (generator kwargs, features, hidden widths, steps, required test score)
CASES = {
    "circle": (dict(noise=0.05), ("x1", "x2"), (8, 8), 3000, 0.97),
    "xor": (dict(noise=0.05), ("x1", "x2"), (8, 8), 3000, 0.97),
    "gauss": (dict(noise=0.1), ("x1", "x2"), (4,), 1000, 0.97),
    "spiral": (dict(noise=0.05), ("x1", "x2"), (16, 16), 20000, 0.95),
    "spiral_k": (dict(noise=0.05, n_classes=3), ("x1", "x2"), (16, 16), 20000, 0.90),
    "reg_plane": (dict(noise=0.05), ("x1", "x2"), (8,), 3000, 0.95),
}


def build(name, gen_kw, features, hidden, seed=0, n=600):
    ds = D.generate(name, n_points=n, seed=seed, **gen_kw)
    train, test = D.train_test_split(ds, 0.5, seed)
    std = Standardizer().fit(make_features(train.points, features))
    X = std.transform(make_features(train.points, features))
    Xt = std.transform(make_features(test.points, features))
    spec = NetworkSpec.for_task(len(features), [LayerSpec(h, "tanh") for h in hidden], ds.task,
                                n_classes=max(ds.n_classes, 2))
    return spec, X, train.target_matrix(), Xt, test.target_matrix()


def score(trainer, Xt, Yt):
    """Test accuracy for classification, R^2 for regression."""
    loss, acc = trainer.evaluate(Xt, Yt)
    return acc if acc is not None else 1.0 - loss / np.var(Yt)


@pytest.mark.parametrize("optimizer", sorted(LEARNING_RATES))
@pytest.mark.parametrize("dataset", sorted(CASES))
def test_first_order_optimizers_learn_every_data_set(dataset, optimizer):
    gen_kw, features, hidden, steps, required = CASES[dataset]
    spec, X, Y, Xt, Yt = build(dataset, gen_kw, features, hidden)
    lr = LEARNING_RATES[optimizer]
    optimizer, decay = WITH_DECAY.get(optimizer, (optimizer, 0.0))
    tr = Trainer(spec, TrainConfig(optimizer=optimizer, learning_rate=lr, weight_decay=decay,
                                   batch_size=10), X, Y, seed=1)
    result = tr.run(steps)
    assert not result.diverged
    assert score(tr, Xt, Yt) >= required


@pytest.mark.parametrize("method", ["lbfgs", "cg"])
@pytest.mark.parametrize("dataset", ["circle", "xor", "gauss", "reg_plane"])
def test_lbfgs_and_cg_learn_at_full_batch(dataset, method):
    gen_kw, features, hidden, _, required = CASES[dataset]
    spec, X, Y, Xt, Yt = build(dataset, gen_kw, features, hidden)
    # full-batch methods drive the training loss to zero and fit the label noise; a little L2
    # is the sensible default that keeps them honest on the test set
    tr = Trainer(spec, TrainConfig(optimizer=method, batch_size=len(X), l2=1e-3), X, Y, seed=1)
    result = tr.run(300)
    assert not result.diverged
    assert score(tr, Xt, Yt) >= required
    assert result.losses[-1] < result.losses[0]


def test_newton_learns_on_a_tiny_network():
    spec, X, Y, Xt, Yt = build("xor", dict(noise=0.05), ("x1", "x2"), (4,))
    assert spec.n_params == 17
    tr = Trainer(spec, TrainConfig(optimizer="newton", batch_size=len(X), l2=1e-3), X, Y, seed=1)
    result = tr.run(60)
    assert not result.diverged
    assert score(tr, Xt, Yt) >= 0.97
