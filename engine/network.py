"""Network description and the flat parameter layout.

A network is a stack of layers (``engine.layers``: dense, conv, pooling, flatten, dropout, batch
norm) and a dense output layer fitted to the task. All parameters live in one flat float64
array, layer after layer, each layer's parameters in its own order: ``[W0, b0, W1, b1, ...]``
for dense layers, each ``W_l`` stored row-major with shape (n_in, n_out) so that a layer
computes ``z = a_prev @ W + b``; a conv kernel (filters, channels, k, k) then its bias; batch
norm's gamma then beta. ``views(params)`` gives per-layer numpy views into it; saving, loading,
optimizers and kernels all see one vector. Non-trainable state (batch norm's running
statistics) lives in a second flat array, ``buffers``, laid out the same way.

A network of dense layers only on vector inputs keeps the kernels of ``engine.kernels``; any
other runs through ``engine.layer_kernels``.
"""
from dataclasses import dataclass, field, replace

import numpy as np

from engine.activations import OUTPUT_ACTIVATIONS
from engine.layers import LAYER_KINDS, LayerSpec  # noqa: F401  (LayerSpec: the dense kind)

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
#: more layers for networks of other kinds (conv, batch norm and pooling come in groups)
MAX_LAYERS = 32
MAX_UNITS = 1024
#: the most inputs of an image network (channels x height x width)
MAX_IMAGE_INPUTS = 3 * 64 * 64
_SPEC_CLASSES = tuple(k.spec for k in LAYER_KINDS.values())


@dataclass(frozen=True)
class NetworkSpec:
    """The whole architecture: inputs, hidden layers, and an output layer fitted to the task.

    hidden: layer specs of any kind in ``engine.layers.LAYER_KINDS`` (``LayerSpec`` is dense).
    input_shape: (channels, height, width) for image inputs (n_inputs = C*H*W), None for a
    vector of n_inputs features. The output layer is dense, so the last hidden layer must give
    a vector (a Flatten after conv or pooling maps)."""

    n_inputs: int
    hidden: tuple = ()
    n_outputs: int = 1
    output_activation: str = "sigmoid"
    loss: str = "bce"
    output_init: str = "glorot_uniform"
    output_init_params: dict = field(default_factory=dict)
    input_shape: tuple | None = None

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(self.hidden))
        for h in self.hidden:
            if not isinstance(h, _SPEC_CLASSES):
                raise ValueError(f"a hidden layer must be a layer spec of engine.layers, got {h!r}")
        if self.input_shape is not None:
            shape = tuple(self.input_shape)
            if len(shape) != 3 or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in shape):
                raise ValueError(f"input_shape must be (channels, height, width), got {self.input_shape!r}")
            object.__setattr__(self, "input_shape", tuple(int(v) for v in shape))
            if not 1 <= int(np.prod(shape)) <= MAX_IMAGE_INPUTS:
                raise ValueError(f"an image input has at most {MAX_IMAGE_INPUTS} values, got "
                                 f"{'x'.join(map(str, shape))}")
            if self.n_inputs != int(np.prod(shape)):
                raise ValueError(f"n_inputs must be C*H*W = {int(np.prod(shape))} for input_shape "
                                 f"{shape}, got {self.n_inputs!r}")
        elif not isinstance(self.n_inputs, (int, np.integer)) or not 1 <= self.n_inputs <= MAX_UNITS:
            raise ValueError(f"n_inputs must be from 1 to {MAX_UNITS}, got {self.n_inputs!r}")
        limit = MAX_HIDDEN_LAYERS if self.is_dense else MAX_LAYERS
        if len(self.hidden) > limit:
            raise ValueError(f"at most {limit} hidden layers, got {len(self.hidden)}")
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
        if not self.is_dense:
            shapes = self.shapes()          # raises, naming the layer, on a bad combination
            c, h, w = shapes[-2]
            if h != 1 or w != 1:
                raise ValueError(f"the output layer is dense: put a Flatten after the last "
                                 f"{c}x{h}x{w} maps")

    @classmethod
    def for_task(cls, n_inputs, hidden, task, n_classes=2, loss=None, input_shape=None):
        """The output layer and loss that fit a task: binary -> 1 sigmoid unit + BCE,
        multiclass -> K softmax units + softmax CE, regression -> 1 linear unit + MSE.
        ``loss="mse"`` on a binary task gives a sigmoid output trained with MSE."""
        extra = {} if input_shape is None else {"input_shape": tuple(input_shape)}
        if task == "binary":
            loss = loss or "bce"
            return cls(n_inputs, hidden, 1, "sigmoid", loss, **extra)
        if task == "multiclass":
            if loss not in (None, "softmax_ce"):
                raise ValueError("a multi-class task is trained with softmax cross-entropy")
            return cls(n_inputs, hidden, int(n_classes), "softmax", "softmax_ce", **extra)
        if task == "regression":
            if loss not in (None, "mse"):
                raise ValueError("a regression task is trained with mean squared error")
            return cls(n_inputs, hidden, 1, "linear", "mse", **extra)
        raise ValueError(f"unknown task {task!r}; choose one of {TASKS}")

    @classmethod
    def for_images(cls, input_shape, layers, n_classes):
        """An image classifier: ``layers`` on (C, H, W) inputs, then n_classes softmax units
        trained with softmax cross-entropy (a binary task for n_classes == 2 stays softmax)."""
        shape = tuple(int(v) for v in input_shape)
        return cls(int(np.prod(shape)), tuple(layers), int(n_classes), "softmax", "softmax_ce",
                   input_shape=shape)

    # -- layout ---------------------------------------------------------------------------
    @property
    def is_dense(self):
        """True for dense layers only on vector inputs (the original, fastest kernels)."""
        return self.input_shape is None and all(type(h) is LayerSpec for h in self.hidden)

    @property
    def image_shape(self):
        """(C, H, W) of the input; (n_inputs, 1, 1) for a vector."""
        return self.input_shape if self.input_shape is not None else (self.n_inputs, 1, 1)

    def _output_layer(self):
        return LayerSpec(self.n_outputs, "linear", init=self.output_init,
                         init_params=self.output_init_params)

    def shapes(self):
        """[(C, H, W)]: the input's shape, then each layer's output shape (output layer last);
        a vector of n units is (n, 1, 1). ValueError naming the layer that cannot follow."""
        out = [self.image_shape]
        for i, h in enumerate(self.hidden):
            try:
                out.append(tuple(int(v) for v in h.output_shape(out[-1])))
            except ValueError as e:
                raise ValueError(f"layer {i + 1} ({h.describe()}): {e}") from None
        out.append((self.n_outputs, 1, 1))
        return out

    @property
    def layers(self):
        """The hidden layer specs then the output layer (a dense spec of n_outputs units)."""
        return (*self.hidden, self._output_layer())

    def param_layout(self):
        """[{name: (offset, shape)}] per layer (output last): where each parameter lives."""
        out, off = [], 0
        shapes = self.shapes()
        for layer, shape in zip(self.layers, shapes[:-1]):
            entry = {}
            for name, pshape in layer.param_shapes(shape).items():
                entry[name] = (off, tuple(pshape))
                off += int(np.prod(pshape))
            out.append(entry)
        return out

    def buffer_layout(self):
        """[{name: (offset, shape)}] per layer: batch norm's running_mean and running_var."""
        out, off = [], 0
        for layer, shape in zip(self.layers, self.shapes()[:-1]):
            entry = {}
            for name, bshape in layer.buffer_shapes(shape).items():
                entry[name] = (off, tuple(bshape))
                off += int(np.prod(bshape))
            out.append(entry)
        return out

    @property
    def n_buffers(self):
        return sum(int(np.prod(s)) for e in self.buffer_layout() for _, s in e.values())

    def initial_buffers(self):
        """float64 (n_buffers,): running means 0 and running variances 1."""
        buf = np.zeros(self.n_buffers)
        for layer, shape, entry in zip(self.layers, self.shapes(), self.buffer_layout()):
            for name, value in layer.initial_buffers(shape).items():
                off, s = entry[name]
                buf[off:off + int(np.prod(s))] = np.ravel(value)
        return buf

    def buffer_views(self, buffers):
        """[{name: array view}] per layer into the flat ``buffers``."""
        return [{n: buffers[o:o + int(np.prod(s))].reshape(s) for n, (o, s) in e.items()}
                for e in self.buffer_layout()]

    @property
    def sizes(self):
        """Units per layer, inputs first: (n_inputs, h1, ..., n_outputs); for other kinds each
        layer's output size C*H*W."""
        if self.is_dense:
            return (self.n_inputs, *(h.units for h in self.hidden), self.n_outputs)
        return tuple(int(np.prod(s)) for s in self.shapes())

    def layer_shapes(self):
        """[(n_in, n_out), ...] for every dense layer, the output layer last."""
        if self.is_dense:
            s = self.sizes
            return [(s[i], s[i + 1]) for i in range(len(s) - 1)]
        return [e["kernel"][1] for layer, e in zip(self.layers, self.param_layout())
                if layer.kind == "dense"]

    @property
    def n_params(self):
        if self.is_dense:
            return sum(i * o + o for i, o in self.layer_shapes())
        return sum(int(np.prod(s)) for e in self.param_layout() for _, s in e.values())

    def offsets(self):
        """[(w_offset, b_offset), ...] into the flat parameter vector, per dense layer."""
        if not self.is_dense:
            return [(e["kernel"][0], e["bias"][0]) for layer, e in
                    zip(self.layers, self.param_layout()) if layer.kind == "dense"]
        out, off = [], 0
        for i, o in self.layer_shapes():
            out.append((off, off + i * o))
            off += i * o + o
        return out

    def views(self, params):
        """Per layer, a tuple of views into the flat ``params``: for a dense network
        [(W (n_in, n_out), b (n_out,)), ...]; for others one tuple per layer in its
        parameters' order (conv (kernel (O, C, k, k), bias (O,)), batch norm (gamma, beta),
        pooling, flatten and dropout ())."""
        if self.is_dense:
            out = []
            for (i, o), (w, b) in zip(self.layer_shapes(), self.offsets()):
                out.append((params[w:w + i * o].reshape(i, o), params[b:b + o]))
            return out
        return [tuple(v.values()) for v in self.named_views(params)]

    def named_views(self, params):
        """[{name: view}] per layer (output last): "kernel" and "bias" for dense and conv
        layers, "gamma" and "beta" for batch norm, {} for the others."""
        return [{n: params[o:o + int(np.prod(s))].reshape(s) for n, (o, s) in e.items()}
                for e in self.param_layout()]

    def layer_slices(self):
        """[(start, stop)] per layer (output last): its parameters in the flat vector."""
        out = []
        for e in self.param_layout():
            if e:
                start = min(o for o, _ in e.values())
                stop = max(o + int(np.prod(s)) for o, s in e.values())
                out.append((start, stop))
            else:
                out.append((0, 0) if not out else (out[-1][1], out[-1][1]))
        return out

    def weight_mask(self):
        """float64 (n_params,): 1 on weights (dense and conv kernels), 0 on biases and batch
        norm's gamma and beta (regularisers skip them)."""
        m = np.zeros(self.n_params)
        if self.is_dense:
            for (i, o), (w, _) in zip(self.layer_shapes(), self.offsets()):
                m[w:w + i * o] = 1.0
            return m
        for e in self.param_layout():
            if "kernel" in e:
                o, s = e["kernel"]
                m[o:o + int(np.prod(s))] = 1.0
        return m

    def initial_parameters(self, gen):
        """float64 (n_params,) drawn from the numpy Generator ``gen``, layer after layer."""
        params = np.zeros(self.n_params)
        for layer, shape, entry in zip(self.layers, self.shapes(), self.param_layout()):
            for name, value in layer.initial_params(shape, gen).items():
                off, s = entry[name]
                params[off:off + int(np.prod(s))] = np.ravel(value)
        return params

    def kernel_tables(self):
        """The integer and float tables the kernels read.

        Dense networks (``engine.kernels``):
        layers_i : int64 (L, 5)  rows of (n_in, n_out, w_offset, activation code, layer kind)
        layers_f : float64 (L, 2) rows of (activation parameter, dropout rate)
        Others (``engine.layer_kernels``): gi int64 (L, N_G), gf float64 (L, N_F), the columns
        G_* (kind, activation, parameter offset, input C H W, output C H W, kernel, stride,
        padding, buffer offset) and F_* (activation parameter, dropout, momentum, eps).
        """
        from engine.activations import ACTIVATIONS as A
        if not self.is_dense:
            return self.geometry_tables()
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

    def geometry_tables(self):
        """(gi, gf): the tables of ``engine.layer_kernels`` for any network, dense ones too
        (the Trainer runs large dense layers there, through BLAS)."""
        from engine import layer_kernels as G
        from engine.activations import ACTIVATIONS as A
        layers, shapes = self.layers, self.shapes()
        L = len(layers)
        gi = np.zeros((L, G.N_G), np.int64)
        gf = np.zeros((L, G.N_F), np.float64)
        params, buffers = self.param_layout(), self.buffer_layout()
        for l, layer in enumerate(layers):
            row = gi[l]
            row[G.G_KIND] = LAYER_KINDS[layer.kind].code
            row[G.G_ACT] = (OUTPUT_ACTIVATIONS[self.output_activation] if l == L - 1
                            else A[layer.activation])
            row[G.G_POFF] = min((o for o, _ in params[l].values()), default=0)
            row[G.G_CIN], row[G.G_HIN], row[G.G_WIN] = shapes[l]
            row[G.G_COUT], row[G.G_HOUT], row[G.G_WOUT] = shapes[l + 1]
            if layer.kind == "conv2d":
                row[G.G_K], row[G.G_STRIDE], row[G.G_PAD] = layer.kernel_size, layer.stride, layer.pad
            elif layer.kind in ("maxpool2d", "avgpool2d"):
                row[G.G_K], row[G.G_STRIDE] = layer.size, layer.step
            row[G.G_BOFF] = min((o for o, _ in buffers[l].values()), default=0)
            gf[l, G.F_PARAM] = layer.param if l < L - 1 else 0.0
            gf[l, G.F_DROP] = layer.dropout if l < L - 1 else 0.0
            if layer.kind == "batchnorm":
                gf[l, G.F_MOM], gf[l, G.F_EPS] = layer.momentum, layer.eps
        return gi, gf

    def with_hidden(self, hidden):
        return replace(self, hidden=tuple(hidden))

    def __repr__(self):
        if self.is_dense:
            layers = " -> ".join(f"{h.units} {h.activation}" + (f" (drop {h.dropout:g})" if h.dropout else "")
                                 for h in self.hidden)
            return (f"NetworkSpec({self.n_inputs} inputs -> {layers + ' -> ' if layers else ''}"
                    f"{self.n_outputs} {self.output_activation}, loss={self.loss}, {self.n_params} params)")
        shapes = self.shapes()
        parts = [f"{h.describe()} [{'x'.join(map(str, s)) if s[1] * s[2] > 1 else s[0]}]"
                 for h, s in zip(self.hidden, shapes[1:])]
        return (f"NetworkSpec({'x'.join(map(str, shapes[0]))} inputs -> {' -> '.join(parts) + ' -> ' if parts else ''}"
                f"{self.n_outputs} {self.output_activation}, loss={self.loss}, {self.n_params} params)")
