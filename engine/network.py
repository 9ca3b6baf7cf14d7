"""Network description and the flat parameter layout.

A network is a stack of dense layers. All parameters live in one flat float64 array,
``[W0, b0, W1, b1, ...]``, each ``W_l`` stored row-major with shape (n_in, n_out) so that a
layer computes ``z = a_prev @ W + b``. ``views(params)`` gives per-layer numpy views into it;
saving, loading, optimizers and kernels all see one vector.
"""
from dataclasses import dataclass, field, replace

import numpy as np

from engine.activations import ACTIVATIONS, ACTIVATION_PARAM_DEFAULT, OUTPUT_ACTIVATIONS

MSE, BCE, SOFTMAX_CE = 0, 1, 2
#: Layer kinds in the kernels' layer table. Convolution, pooling and batch normalisation will
#: take the next codes; a kernel dispatches on the kind the way it does on the activation.
DENSE = 0
LOSSES = {"mse": MSE, "bce": BCE, "softmax_ce": SOFTMAX_CE}
LOSS_LABELS = {"mse": "Mean squared error", "bce": "Binary cross-entropy",
               "softmax_ce": "Softmax cross-entropy"}
#: Which output activation each loss works with (BCE and softmax CE are computed from logits).
LOSS_OUTPUTS = {"bce": ("sigmoid",), "softmax_ce": ("softmax",),
                "mse": ("linear", "sigmoid", "tanh")}
TASKS = ("binary", "multiclass", "regression")
MAX_HIDDEN_LAYERS = 16
MAX_UNITS = 1024


@dataclass(frozen=True)
class LayerSpec:
    """One hidden layer: ``units`` neurons, an activation and its own dropout rate."""

    units: int
    activation: str = "tanh"
    dropout: float = 0.0        # probability of dropping a unit during training
    init: str = "glorot_uniform"
    init_params: dict = field(default_factory=dict)   # e.g. {"scale": 0.01} for random_normal
    bias_init: str = "zeros"
    bias_value: float = 0.0
    activation_param: float | None = None   # leaky-ReLU slope or ELU alpha; None = default

    def __post_init__(self):
        if not isinstance(self.units, (int, np.integer)) or not 1 <= self.units <= MAX_UNITS:
            raise ValueError(f"layer units must be an integer from 1 to {MAX_UNITS}, got {self.units!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; choose one of {sorted(ACTIVATIONS)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")

    @property
    def param(self):
        if self.activation_param is not None:
            return float(self.activation_param)
        return float(ACTIVATION_PARAM_DEFAULT.get(self.activation, 0.0))


@dataclass(frozen=True)
class NetworkSpec:
    """The whole architecture: inputs, hidden layers, and an output layer fitted to the task."""

    n_inputs: int
    hidden: tuple = ()
    n_outputs: int = 1
    output_activation: str = "sigmoid"
    loss: str = "bce"
    output_init: str = "glorot_uniform"
    output_init_params: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(self.hidden))
        if not isinstance(self.n_inputs, (int, np.integer)) or not 1 <= self.n_inputs <= MAX_UNITS:
            raise ValueError(f"n_inputs must be from 1 to {MAX_UNITS}, got {self.n_inputs!r}")
        if len(self.hidden) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(self.hidden)}")
        if not 1 <= self.n_outputs <= MAX_UNITS:
            raise ValueError(f"n_outputs must be from 1 to {MAX_UNITS}, got {self.n_outputs!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of {sorted(LOSSES)}")
        if self.output_activation not in LOSS_OUTPUTS[self.loss]:
            raise ValueError(
                f"{LOSS_LABELS[self.loss]} needs a {' or '.join(LOSS_OUTPUTS[self.loss])} output, "
                f"not {self.output_activation!r}")
        if self.loss == "softmax_ce" and self.n_outputs < 2:
            raise ValueError("softmax cross-entropy needs at least 2 output units (one per class)")
        if self.loss == "bce" and self.n_outputs != 1:
            raise ValueError("binary cross-entropy needs exactly 1 sigmoid output unit")

    @classmethod
    def for_task(cls, n_inputs, hidden, task, n_classes=2, loss=None):
        """The output layer and loss that fit a task: binary -> 1 sigmoid unit + BCE,
        multiclass -> K softmax units + softmax CE, regression -> 1 linear unit + MSE.
        ``loss="mse"`` on a binary task gives a sigmoid output trained with MSE."""
        if task == "binary":
            loss = loss or "bce"
            return cls(n_inputs, hidden, 1, "sigmoid", loss)
        if task == "multiclass":
            if loss not in (None, "softmax_ce"):
                raise ValueError("a multi-class task is trained with softmax cross-entropy")
            return cls(n_inputs, hidden, int(n_classes), "softmax", "softmax_ce")
        if task == "regression":
            if loss not in (None, "mse"):
                raise ValueError("a regression task is trained with mean squared error")
            return cls(n_inputs, hidden, 1, "linear", "mse")
        raise ValueError(f"unknown task {task!r}; choose one of {TASKS}")

    # -- layout ---------------------------------------------------------------------------
    @property
    def sizes(self):
        """Units per layer, inputs first: (n_inputs, h1, ..., n_outputs)."""
        return (self.n_inputs, *(h.units for h in self.hidden), self.n_outputs)

    def layer_shapes(self):
        """[(n_in, n_out), ...] for every dense layer, the output layer last."""
        s = self.sizes
        return [(s[i], s[i + 1]) for i in range(len(s) - 1)]

    @property
    def n_params(self):
        return sum(i * o + o for i, o in self.layer_shapes())

    def offsets(self):
        """[(w_offset, b_offset), ...] into the flat parameter vector."""
        out, off = [], 0
        for i, o in self.layer_shapes():
            out.append((off, off + i * o))
            off += i * o + o
        return out

    def views(self, params):
        """[(W (n_in, n_out), b (n_out,)), ...] as views into the flat ``params``."""
        out = []
        for (i, o), (w, b) in zip(self.layer_shapes(), self.offsets()):
            out.append((params[w:w + i * o].reshape(i, o), params[b:b + o]))
        return out

    def weight_mask(self):
        """float64 (n_params,): 1 on weights, 0 on biases (regularisers skip biases)."""
        m = np.zeros(self.n_params)
        for (i, o), (w, _) in zip(self.layer_shapes(), self.offsets()):
            m[w:w + i * o] = 1.0
        return m

    def kernel_tables(self):
        """The integer and float tables the kernels read.

        layers_i : int64 (L, 5)  rows of (n_in, n_out, w_offset, activation code, layer kind)
        layers_f : float64 (L, 2) rows of (activation parameter, dropout rate)
        """
        from engine.activations import ACTIVATIONS as A
        L = len(self.hidden) + 1
        li = np.zeros((L, 5), np.int64)
        lf = np.zeros((L, 2), np.float64)
        for l, ((i, o), (w, _)) in enumerate(zip(self.layer_shapes(), self.offsets())):
            li[l, :3] = (i, o, w)
            li[l, 4] = DENSE
            if l < len(self.hidden):
                h = self.hidden[l]
                li[l, 3] = A[h.activation]
                lf[l] = (h.param, h.dropout)
            else:
                li[l, 3] = OUTPUT_ACTIVATIONS[self.output_activation]
        return li, lf

    def with_hidden(self, hidden):
        return replace(self, hidden=tuple(hidden))

    def __repr__(self):
        layers = " -> ".join(f"{h.units} {h.activation}" + (f" (drop {h.dropout:g})" if h.dropout else "")
                             for h in self.hidden)
        return (f"NetworkSpec({self.n_inputs} inputs -> {layers + ' -> ' if layers else ''}"
                f"{self.n_outputs} {self.output_activation}, loss={self.loss}, {self.n_params} params)")
