"""Conv, pooling and batch norm, forward and backward, against PyTorch (float64, CPU)."""
import numpy as np
import pytest

from engine.layers import AvgPool2D, BatchNorm, Conv2D, Flatten, LayerSpec, MaxPool2D
from engine.network import NetworkSpec
from engine.trainer import TrainConfig, Trainer

torch = pytest.importorskip("torch")


def _torch_model(spec, params, buffers):
    """The same network in torch, with our parameters and running statistics copied in."""
    mods = []
    shapes = spec.shapes()
    views, bviews = spec.named_views(params), spec.buffer_views(buffers)
    acts = {"linear": None, "relu": torch.nn.ReLU, "tanh": torch.nn.Tanh,
            "sigmoid": torch.nn.Sigmoid}
    for l, layer in enumerate(spec.hidden):
        p, c = views[l], shapes[l][0]
        if layer.kind == "conv2d":
            m = torch.nn.Conv2d(c, layer.filters, layer.kernel_size, layer.stride, layer.pad)
            m.weight.data = torch.from_numpy(p["kernel"].copy())
            m.bias.data = torch.from_numpy(p["bias"].copy())
        elif layer.kind == "maxpool2d":
            m = torch.nn.MaxPool2d(layer.size, layer.step)
        elif layer.kind == "avgpool2d":
            m = torch.nn.AvgPool2d(layer.size, layer.step)
        elif layer.kind == "batchnorm":
            cls = torch.nn.BatchNorm2d if shapes[l][1] * shapes[l][2] > 1 else torch.nn.BatchNorm1d
            m = cls(c, eps=layer.eps, momentum=layer.momentum).double()
            m.weight.data = torch.from_numpy(p["gamma"].copy())
            m.bias.data = torch.from_numpy(p["beta"].copy())
            m.running_mean[:] = torch.from_numpy(bviews[l]["running_mean"])
            m.running_var[:] = torch.from_numpy(bviews[l]["running_var"])
        elif layer.kind == "flatten":
            m = torch.nn.Flatten()
        else:
            m = torch.nn.Linear(c, layer.units)
            m.weight.data = torch.from_numpy(p["kernel"].T.copy())
            m.bias.data = torch.from_numpy(p["bias"].copy())
        mods.append(m)
        if acts.get(layer.activation):
            mods.append(acts[layer.activation]())
    out = torch.nn.Linear(shapes[-2][0], spec.n_outputs)
    out.weight.data = torch.from_numpy(views[-1]["kernel"].T.copy())
    out.bias.data = torch.from_numpy(views[-1]["bias"].copy())
    mods.append(out)
    return torch.nn.Sequential(*mods).double()


def _torch_grad(model):
    return np.concatenate([
        (p.grad.numpy().T if p.grad.ndim == 2 else p.grad.numpy()).ravel()
        for p in model.parameters()])


CASES = {
    "conv_relu_maxpool": ((1, 8, 8), [Conv2D(4, 3, activation="relu"), MaxPool2D(2), Flatten()]),
    "conv_stride_valid_avgpool": ((3, 9, 9), [Conv2D(5, 3, stride=2, padding="valid",
                                                     activation="tanh"),
                                              AvgPool2D(2), Flatten()]),
    "conv_batchnorm": ((2, 6, 6), [Conv2D(4, 5, activation="linear"), BatchNorm(activation="relu"),
                                   MaxPool2D(3, stride=2), Flatten(), LayerSpec(7, "sigmoid")]),
    "dense_batchnorm": ((5, 1, 1), [LayerSpec(6, "linear"), BatchNorm(momentum=0.3,
                                                                      activation="tanh")]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_backward_and_running_statistics_match_torch(name):
    shape, layers = CASES[name]
    spec = NetworkSpec.for_images(shape, layers, 4)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(9, *shape))
    y = rng.integers(0, 4, 9)
    Y = np.eye(4)[y]
    tr = Trainer(spec, TrainConfig(optimizer="sgd", learning_rate=0.05, batch_size=9), X, Y,
                 seed=1)
    model = _torch_model(spec, tr.params, tr.buffers)
    Xt = torch.from_numpy(X if shape[1] * shape[2] > 1 else X.reshape(9, -1))

    # training mode: loss, gradient of every parameter, and the running statistics' move
    model.train()
    loss = torch.nn.functional.cross_entropy(model(Xt), torch.from_numpy(y))
    loss.backward()
    f, g = tr.objective().value_and_grad(tr.params)
    assert f == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(g, _torch_grad(model), rtol=1e-9, atol=1e-12)
    tr.run(1)       # a full-batch SGD step moves the running statistics as torch's step did
    moved = np.concatenate([np.concatenate([m.running_mean.numpy(), m.running_var.numpy()])
                            for m in model if hasattr(m, "running_mean")] or [np.zeros(0)])
    np.testing.assert_allclose(tr.buffers, moved, rtol=1e-12)
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.05 * p.grad
    np.testing.assert_allclose(tr.params, np.concatenate(
        [(p.detach().numpy().T if p.ndim == 2 else p.detach().numpy()).ravel()
         for p in model.parameters()]), rtol=1e-12, atol=1e-15)

    # evaluation mode: the running statistics, no batch dependence
    model.eval()
    with torch.no_grad():
        expected = torch.softmax(model(Xt), dim=1).numpy()
    np.testing.assert_allclose(tr.predict(X), expected, rtol=1e-10, atol=1e-14)
