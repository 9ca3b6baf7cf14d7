"""Layer kinds: what each kind of layer is, in one place per kind.

``LAYER_KINDS`` maps a kind's key to its ``LayerKind`` entry: the spec class (a frozen dataclass
holding the layer's settings), the integer code the compiled kernels dispatch on
(``engine.layer_kernels``), a label and a formula for the UI. Each spec class validates itself and
answers, for an input shape (C, H, W) (a vector of n units is (n, 1, 1)):

- ``output_shape(shape)``: the shape it produces, or a one-line ``ValueError`` saying why this
  layer cannot follow that input (for example a 5x5 kernel on a 4x4 map);
- ``param_shapes(shape)``: its parameters by name, in their order in the flat parameter vector
  (``kernel``/``bias`` for dense and conv, ``gamma``/``beta`` for batch norm);
- ``initial_params(shape, gen)``: those parameters, drawn from a numpy Generator;
- ``buffer_shapes(shape)``: its non-trainable state (batch norm's ``running_mean`` and
  ``running_var``) and ``initial_buffers(shape)``.

Dense (``LayerSpec``) is the first kind; a network of dense layers only keeps its original layout
and kernels (``engine.kernels``).
"""
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from engine.activations import ACTIVATION_PARAM_DEFAULT, ACTIVATIONS
from engine.initializers import init_bias, init_weights

# kind codes in the kernels' geometry table
DENSE, CONV2D, MAXPOOL2D, AVGPOOL2D, FLATTEN, DROPOUT, BATCHNORM = range(7)
MAX_UNITS = 1024
MAX_FILTERS = 256
MAX_KERNEL = 11
PADDINGS = ("same", "valid")


def _check_int(name, v, lo, hi):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
        raise ValueError(f"{name} must be an integer from {lo} to {hi}, got {v!r}")


def _check_activation(v):
    if v not in ACTIVATIONS:
        raise ValueError(f"unknown activation {v!r}; choose one of {sorted(ACTIVATIONS)}")


def _check_rate(name, v):
    if not isinstance(v, (int, float)) or not 0.0 <= v < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {v!r}")


def _shape_text(shape):
    c, h, w = shape
    return f"{c}" if h == w == 1 else f"{c}x{h}x{w}"


class _Kind:
    """Defaults shared by the kinds: no parameters, no buffers, linear activation."""

    kind = ""
    activation = "linear"
    dropout = 0.0

    @property
    def param(self):
        """The activation's shape parameter (leaky-ReLU slope, ELU alpha)."""
        p = getattr(self, "activation_param", None)
        if p is not None:
            return float(p)
        return float(ACTIVATION_PARAM_DEFAULT.get(self.activation, 0.0))

    def param_shapes(self, shape):
        return {}

    def initial_params(self, shape, gen):
        return {}

    def buffer_shapes(self, shape):
        return {}

    def initial_buffers(self, shape):
        return {}

    def n_params(self, shape):
        return int(sum(np.prod(s) for s in self.param_shapes(shape).values()))

    @property
    def label(self):
        return LAYER_KINDS[self.kind].label

    def describe(self):
        return self.label


def _need_image(layer, shape):
    c, h, w = shape
    if h == 1 and w == 1:
        raise ValueError(f"{layer.label} needs an image (channels x height x width) input, "
                         f"not a vector of {c} units")


def _window(what, k, stride, pad, h, w):
    """Output size of a k x k window sliding with ``stride`` over an h x w map padded by pad."""
    if h + 2 * pad < k or w + 2 * pad < k:
        raise ValueError(f"a {k}x{k} {what} does not fit on a {h}x{w} map")
    return (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1


@dataclass(frozen=True)
class LayerSpec(_Kind):
    """A dense (fully connected) layer: ``units`` neurons, an activation and its dropout rate."""

    units: int
    activation: str = "tanh"
    dropout: float = 0.0        # probability of dropping a unit during training
    init: str = "glorot_uniform"
    init_params: dict = field(default_factory=dict)   # e.g. {"scale": 0.01} for random_normal
    bias_init: str = "zeros"
    bias_value: float = 0.0
    activation_param: float | None = None   # leaky-ReLU slope or ELU alpha; None = default
    kind = "dense"

    def __post_init__(self):
        if not isinstance(self.units, (int, np.integer)) or not 1 <= self.units <= MAX_UNITS:
            raise ValueError(f"layer units must be an integer from 1 to {MAX_UNITS}, got {self.units!r}")
        _check_activation(self.activation)
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")

    def output_shape(self, shape):
        if shape[1] != 1 or shape[2] != 1:
            raise ValueError(f"a dense layer takes a vector: put a Flatten between the "
                             f"{_shape_text(shape)} maps and it")
        return (self.units, 1, 1)

    def param_shapes(self, shape):
        return {"kernel": (shape[0], self.units), "bias": (self.units,)}

    def initial_params(self, shape, gen):
        return {"kernel": init_weights(self.init, shape[0], self.units, gen, **self.init_params),
                "bias": init_bias(self.bias_init, self.units, self.bias_value)}

    def describe(self):
        return f"Dense {self.units} {self.activation}" + (f" (drop {self.dropout:g})" if self.dropout else "")


Dense = LayerSpec


@dataclass(frozen=True)
class Conv2D(_Kind):
    """``filters`` k x k filters sliding with ``stride``; padding "same" pads (k-1)/2 pixels on
    each side (odd k), "valid" none. Kernel shape (filters, in_channels, k, k)."""

    filters: int
    kernel_size: int = 3
    stride: int = 1
    padding: str = "same"
    activation: str = "relu"
    dropout: float = 0.0
    init: str = "he_uniform"
    init_params: dict = field(default_factory=dict)
    bias_init: str = "zeros"
    bias_value: float = 0.0
    activation_param: float | None = None
    kind = "conv2d"

    def __post_init__(self):
        _check_int("filters", self.filters, 1, MAX_FILTERS)
        _check_int("kernel_size", self.kernel_size, 1, MAX_KERNEL)
        _check_int("stride", self.stride, 1, 4)
        if self.padding not in PADDINGS:
            raise ValueError(f"padding must be one of {PADDINGS}, got {self.padding!r}")
        if self.padding == "same" and self.kernel_size % 2 == 0:
            raise ValueError(f"'same' padding needs an odd kernel size, got {self.kernel_size}")
        _check_activation(self.activation)
        _check_rate("dropout", self.dropout)

    @property
    def pad(self):
        return (self.kernel_size - 1) // 2 if self.padding == "same" else 0

    def output_shape(self, shape):
        _need_image(self, shape)
        k = self.kernel_size
        h, w = _window(f"kernel ({self.padding} padding)", k, self.stride, self.pad, shape[1], shape[2])
        return (self.filters, h, w)

    def param_shapes(self, shape):
        k = self.kernel_size
        return {"kernel": (self.filters, shape[0], k, k), "bias": (self.filters,)}

    def initial_params(self, shape, gen):
        k, c = self.kernel_size, shape[0]
        kernel_shape = (self.filters, c, k, k)
        w = init_weights(self.init, c * k * k, self.filters * k * k, gen, size=kernel_shape,
                         **self.init_params)
        return {"kernel": w, "bias": init_bias(self.bias_init, self.filters, self.bias_value)}

    def describe(self):
        return (f"Conv {self.filters} {self.kernel_size}x{self.kernel_size}"
                f"{'' if self.stride == 1 else f' /{self.stride}'} {self.padding} {self.activation}")


@dataclass(frozen=True)
class _Pool(_Kind):
    size: int = 2
    stride: int | None = None      # None: the window size (windows do not overlap)

    def __post_init__(self):
        _check_int("pool size", self.size, 1, 8)
        if self.stride is not None:
            _check_int("pool stride", self.stride, 1, 8)

    @property
    def step(self):
        return self.size if self.stride is None else int(self.stride)

    def output_shape(self, shape):
        _need_image(self, shape)
        h, w = _window("pooling window", self.size, self.step, 0, shape[1], shape[2])
        return (shape[0], h, w)

    def describe(self):
        return f"{self.label} {self.size}x{self.size}"


@dataclass(frozen=True)
class MaxPool2D(_Pool):
    """The largest value in each size x size window, per channel."""
    kind = "maxpool2d"


@dataclass(frozen=True)
class AvgPool2D(_Pool):
    """The mean of each size x size window, per channel."""
    kind = "avgpool2d"


@dataclass(frozen=True)
class Flatten(_Kind):
    """C x H x W maps as one vector of C*H*W units, in (channel, row, column) order."""
    kind = "flatten"

    def output_shape(self, shape):
        return (shape[0] * shape[1] * shape[2], 1, 1)


@dataclass(frozen=True)
class Dropout(_Kind):
    """Drops each unit with probability ``rate`` while training (inverted: survivors scaled by
    1/(1-rate)); the identity at evaluation."""

    rate: float = 0.5
    kind = "dropout"

    def __post_init__(self):
        _check_rate("dropout rate", self.rate)

    @property
    def dropout(self):
        return float(self.rate)

    def output_shape(self, shape):
        return tuple(shape)

    def describe(self):
        return f"Dropout {self.rate:g}"


@dataclass(frozen=True)
class BatchNorm(_Kind):
    """Batch normalisation per channel (per unit for a vector), then an activation.

    Training: x^ = (x - mean_batch) / sqrt(var_batch + eps), y = gamma x^ + beta, and the running
    statistics move: r <- (1 - momentum) r + momentum * batch statistic (the running variance
    takes the unbiased batch variance, as PyTorch does). Evaluation uses the running statistics."""

    momentum: float = 0.1
    eps: float = 1e-5
    activation: str = "linear"
    activation_param: float | None = None
    kind = "batchnorm"

    def __post_init__(self):
        if not isinstance(self.momentum, (int, float)) or not 0.0 < self.momentum <= 1.0:
            raise ValueError(f"batch-norm momentum must be in (0, 1], got {self.momentum!r}")
        if not isinstance(self.eps, (int, float)) or not 0.0 < self.eps <= 1.0:
            raise ValueError(f"batch-norm eps must be in (0, 1], got {self.eps!r}")
        _check_activation(self.activation)

    def output_shape(self, shape):
        return tuple(shape)

    def param_shapes(self, shape):
        return {"gamma": (shape[0],), "beta": (shape[0],)}

    def initial_params(self, shape, gen):
        return {"gamma": np.ones(shape[0]), "beta": np.zeros(shape[0])}

    def buffer_shapes(self, shape):
        return {"running_mean": (shape[0],), "running_var": (shape[0],)}

    def initial_buffers(self, shape):
        return {"running_mean": np.zeros(shape[0]), "running_var": np.ones(shape[0])}

    def describe(self):
        return "BatchNorm" + ("" if self.activation == "linear" else f" {self.activation}")


class LayerKind(NamedTuple):
    """A registry entry: the spec class, the kernel's kind code, a label and a formula."""
    key: str
    spec: type
    code: int
    label: str
    formula: str


LAYER_KINDS = {e.key: e for e in (
    LayerKind("dense", LayerSpec, DENSE, "Dense", "a = f(W^T x + b)"),
    LayerKind("conv2d", Conv2D, CONV2D, "Conv2D",
              "a[o,y,x] = f(b[o] + sum_c,i,j K[o,c,i,j] x[c, s*y+i-p, s*x+j-p])"),
    LayerKind("maxpool2d", MaxPool2D, MAXPOOL2D, "Max pool",
              "a[c,y,x] = max_i,j x[c, s*y+i, s*x+j]"),
    LayerKind("avgpool2d", AvgPool2D, AVGPOOL2D, "Average pool",
              "a[c,y,x] = mean_i,j x[c, s*y+i, s*x+j]"),
    LayerKind("flatten", Flatten, FLATTEN, "Flatten", "a[(c*H+y)*W+x] = x[c,y,x]"),
    LayerKind("dropout", Dropout, DROPOUT, "Dropout", "a = m x / (1-p), m ~ Bernoulli(1-p)"),
    LayerKind("batchnorm", BatchNorm, BATCHNORM, "Batch norm",
              "a = f(gamma (x - mean) / sqrt(var + eps) + beta)"),
)}


def layer_from_config(config):
    """A layer spec from ``{"kind": key, **settings}`` (what a file stores)."""
    config = dict(config)
    key = config.pop("kind", None)
    if key not in LAYER_KINDS:
        raise ValueError(f"unknown layer kind {key!r}; choose one of {sorted(LAYER_KINDS)}")
    try:
        return LAYER_KINDS[key].spec(**config)
    except TypeError as e:
        raise ValueError(f"bad settings for a {LAYER_KINDS[key].label} layer: {e}") from None


def layer_config(layer):
    """``{"kind": key, **settings}`` for a layer spec (the inverse of ``layer_from_config``)."""
    from dataclasses import asdict
    return {"kind": layer.kind, **asdict(layer)}
