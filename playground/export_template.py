"""The text of the standalone PyTorch script that ``playground.export.export_pytorch`` writes.

``SCRIPT`` holds the whole script, with four placeholders that ``pytorch_script`` fills in:
``@TITLE@`` (the network's title), ``@NAME@`` (the export name: the script and its NPZ),
``@USAGE@`` (how to call it on points or on images, ``POINTS_USAGE`` or ``IMAGES_USAGE``) and
``@SETTINGS@`` (the layers, optimizer, schedule and counters as Python assignments). The script
needs only numpy and torch; this module only holds the text. Its second half, the optimizers,
schedule and training loop, is ``playground.export_training.TRAINING``.
"""
from playground.export_training import TRAINING

SCRIPT = r'''"""@TITLE@: a network exported from NN Playground.

It needs numpy and torch, and @NAME@.npz beside it (weights, optimizer state, input scaling,
training and test data).

    python @NAME@.py                       continue training 100 epochs, print the losses
    python @NAME@.py --epochs 500 --device cuda --save trained.pt
    python @NAME@.py --evaluate            the test loss and accuracy of the exported weights
@USAGE@
Training continues where the playground stopped, with the same layers (dense, conv, pooling,
flatten, dropout, batch norm with its running statistics and momentum), optimizer,
hyperparameters, learning-rate schedule, L1/L2 penalties on the weights (not the biases),
gradient clipping, decoupled weight decay, max-norm, frozen layers and per-layer learning-rate
factors, so it can go on from here on bigger hardware (wrap the model in
DistributedDataParallel for several GPUs), with the same augmentation of the training
images. The batch order, dropout masks and augmentation draws come from PyTorch's random
numbers.
"""
import argparse
import math
import pathlib

import numpy as np
import torch
from torch import nn

HERE = pathlib.Path(__file__).resolve().parent
WEIGHTS = HERE / "@NAME@.npz"

@SETTINGS@
DTYPE = getattr(torch, PRECISION)
torch.set_default_dtype(DTYPE)  # the number type the playground trained in

FEATURE_FUNCTIONS = {
    "x1": lambda x1, x2: x1, "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1, "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin x1": lambda x1, x2: np.sin(x1), "sin x2": lambda x1, x2: np.sin(x2),
}


class Softplus(nn.Module):
    """log(1 + e^z), computed as the playground does."""

    def forward(self, z):
        return torch.relu(z) + torch.log1p(torch.exp(-z.abs()))


def activation(name, param):
    return {"linear": nn.Identity, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
            "leaky_relu": lambda: nn.LeakyReLU(param), "softplus": Softplus,
            "elu": lambda: nn.ELU(param), "swish": nn.SiLU}[name]()


def block(layer):
    """One playground layer as a small nn.Sequential: the layer itself (Linear, Conv2d,
    pooling, Flatten, Dropout or BatchNorm), then its activation and its dropout, if any."""
    kind = layer["kind"]
    if kind == "dense":
        core = nn.Linear(layer["n_in"], layer["units"])
    elif kind == "conv2d":
        core = nn.Conv2d(layer["in_channels"], layer["filters"], layer["kernel_size"],
                         stride=layer["stride"], padding=layer["padding"])
    elif kind == "maxpool2d":
        core = nn.MaxPool2d(layer["size"], stride=layer["stride"])
    elif kind == "avgpool2d":
        core = nn.AvgPool2d(layer["size"], stride=layer["stride"])
    elif kind == "flatten":
        core = nn.Flatten()
    elif kind == "dropout":
        core = nn.Dropout(layer["rate"])
    elif kind == "batchnorm":    # per channel of maps (2d) or per unit of a vector (1d)
        norm = nn.BatchNorm2d if layer["maps"] else nn.BatchNorm1d
        core = norm(layer["channels"], eps=layer["eps"], momentum=layer["momentum"])
    else:
        raise ValueError(f"unknown layer kind {kind!r}")
    parts = [nn.Flatten(), core] if layer.get("flatten_first") else [core]
    if layer.get("activation", "linear") != "linear":
        parts.append(activation(layer["activation"], layer.get("param", 0.0)))
    if layer.get("dropout", 0.0) > 0:
        parts.append(nn.Dropout(layer["dropout"]))
    return nn.Sequential(*parts)


def build_model():
    """The network as nn.Sequential, one block per playground layer (the output layer last);
    it returns the output layer's logits (pre-activation). Frozen layers do not train."""
    model = nn.Sequential(*(block(layer) for layer in LAYERS))
    for layer, part in zip(LAYERS, model):
        if layer.get("frozen"):
            part.requires_grad_(False)
    return model


PARAMETER_MODULES = (nn.Linear, nn.Conv2d, nn.BatchNorm1d, nn.BatchNorm2d)


def parameter_layers(model):
    """[(playground layer index, module)] for the layers with parameters (dense, conv, batch
    norm), in the order of the playground's flat parameter vector."""
    found = []
    for i, part in enumerate(model):
        core = [m for m in part if isinstance(m, PARAMETER_MODULES)]
        found += [(i, core[0])] if core else []
    return found


def linear_layers(model):
    return [m for _, m in parameter_layers(model) if isinstance(m, nn.Linear)]


def weight_layers(model):
    """The layers whose weights the penalties and max-norm act on: dense and conv kernels."""
    return [m for _, m in parameter_layers(model) if isinstance(m, (nn.Linear, nn.Conv2d))]


def load_weights(model, path=WEIGHTS):
    """Copy the playground's weights (and batch norm's running statistics) into ``model``;
    returns it."""
    arrays = np.load(path, allow_pickle=False)
    with torch.no_grad():
        for i, layer in parameter_layers(model):
            layer.weight.copy_(torch.from_numpy(arrays[f"layer{i}.weight"]))
            layer.bias.copy_(torch.from_numpy(arrays[f"layer{i}.bias"]))
            if isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
                layer.running_mean.copy_(torch.from_numpy(arrays[f"layer{i}.running_mean"]))
                layer.running_var.copy_(torch.from_numpy(arrays[f"layer{i}.running_var"]))
    return model


def inputs(x, path=WEIGHTS):
    """Network inputs from 2-D points (n, 2): their features, then the scaling the playground
    fitted on its training data; or, for an image network, images (n, C, H, W) (or rows of
    C*H*W pixels) in [0, 1], used as they are."""
    if INPUT_SHAPE is not None:
        x = np.asarray(x, dtype=np.float64).reshape(-1, *INPUT_SHAPE)
        return torch.from_numpy(np.ascontiguousarray(x)).to(DTYPE)
    arrays = np.load(path, allow_pickle=False)
    p = np.asarray(x, dtype=np.float64).reshape(-1, 2)
    x = np.stack([FEATURE_FUNCTIONS[f](p[:, 0], p[:, 1]) for f in FEATURES], axis=1)
    return torch.from_numpy((x - arrays["mean"]) / arrays["std"]).to(DTYPE)


def output(logits):
    if OUTPUT_ACTIVATION == "sigmoid":
        return torch.sigmoid(logits)
    if OUTPUT_ACTIVATION == "softmax":
        return torch.softmax(logits, dim=1)
    if OUTPUT_ACTIVATION == "tanh":
        return torch.tanh(logits)
    return logits


def predict(model, x):
    """The network's outputs (n, N_OUTPUTS) as numpy, in evaluation mode (no dropout, batch
    norm from its running statistics), at 2-D points or for images: probability of class 1,
    class probabilities, or the predicted value."""
    model.eval()
    with torch.no_grad():
        x = inputs(x).to(next(model.parameters()).device)
        return output(model(x)).cpu().numpy()


def data_loss(logits, y):
    """Mean loss of a batch, from the logits as the playground computes it."""
    if LOSS == "bce":
        return nn.functional.binary_cross_entropy_with_logits(logits, y)
    if LOSS == "softmax_ce":
        return nn.functional.cross_entropy(logits, y)    # y: one-hot rows
    return nn.functional.mse_loss(output(logits), y)


def penalty(model):
    """L1 and L2 penalties on the dense and conv weights (not the biases, nor batch norm's
    scale and shift): l2/2 sum w^2 + l1 sum |w|."""
    total = 0.0
    for layer in weight_layers(model):
        if L2:
            total = total + 0.5 * L2 * (layer.weight ** 2).sum()
        if L1:
            total = total + L1 * layer.weight.abs().sum()
    return total


''' + TRAINING

POINTS_USAGE = """    python @NAME@.py --predict 1.5 -2.0    the network's output at the point (1.5, -2.0)

Or import it:

    from @NAME@ import build_model, load_weights, predict
    model = load_weights(build_model())
    print(predict(model, [[1.5, -2.0]]))
"""

IMAGES_USAGE = """
Or import it:

    from @NAME@ import build_model, load_weights, predict
    model = load_weights(build_model())
    print(predict(model, images))     # images (n, C, H, W) in [0, 1] -> class probabilities
"""
