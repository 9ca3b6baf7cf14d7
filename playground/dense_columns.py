"""The hidden layers of a 2-D point network as the builder shows them: one column per dense
layer, each with an optional batch normalization after it.

A point network's experiment layers are dense layers, each optionally followed by one
"batchnorm" layer (``fields.Layer.batch_norm``) that normalizes that dense layer's activations
over the batch before the next layer sees them (the course: "automatically give a layer
zero-mean, unit-variance so that the next layer gets normalized input"):

    x̂ = (x − μ_B) / √(σ²_B + ε),   y = γ x̂ + β,

one (γ, β) and one running mean and variance per neuron. A batch norm first (before any dense
layer) would only normalize the inputs again, which the data's Normalize setting does; two in a
row would normalize what is normalized already: both are refused (``explain``).

Everything here is a pure function of the layers tuple; ``Experiment`` validates with
``explain`` and keeps point layers with ``kept``; the network view maps its columns with
``columns`` and builds its edits with the other functions (each a new layers tuple for
``experiment.set("layers", ...)``).
"""
from __future__ import annotations

from typing import NamedTuple

from playground.fields import LAYER_KIND_LABELS, Layer

#: The layer kinds a 2-D point network holds.
POINT_KINDS = ("dense", "batchnorm")
MOMENTUM_RANGE = (0.0, 1.0)      # exclusive, inclusive: the engine's rule


class Column(NamedTuple):
    """One dense layer of the builder: its index in the experiment's layers and that of the
    batch norm after it (None when it has none)."""
    layer: int
    norm: int | None

    @property
    def has_norm(self) -> bool:
        return self.norm is not None


def columns(layers: tuple) -> list[Column]:
    """[Column] for every dense layer, input side first (a batch norm goes with the dense
    layer just before it)."""
    out: list[Column] = []
    for i, layer in enumerate(layers):
        if layer.kind == "dense":
            out.append(Column(i, None))
        elif layer.kind == "batchnorm" and out and out[-1].layer == i - 1:
            out[-1] = Column(out[-1].layer, i)
    return out


def explain(layers: tuple, index: int) -> str | None:
    """Why the batch norm at ``layers[index]`` cannot stand there in a point network (None
    when it can): it must follow a dense layer and have a momentum in (0, 1]."""
    n = index + 1
    layer = layers[index]
    if index == 0 or layers[index - 1].kind != "dense":
        where = ("with no layer before it" if index == 0 else
                 f"after a {LAYER_KIND_LABELS.get(layers[index - 1].kind, 'other')} layer")
        return (f"Layer {n} is a batch-norm layer {where}: in a network of 2-D points batch "
                f"norm follows a dense layer and normalizes its activations (turn it on in "
                f"that layer's header).")
    low, high = MOMENTUM_RANGE
    m = layer.momentum
    if isinstance(m, bool) or not isinstance(m, (int, float)) or not low < m <= high:
        return (f"Layer {n}: the batch-norm momentum must be above {low:g} and at most "
                f"{high:g}, not {m!r}.")
    return None


def kept(layers: tuple) -> tuple:
    """The layers a point network keeps of ``layers`` (after a change of data set): the dense
    layers, each with the batch norm that directly followed it."""
    out: list = []
    for layer in layers:
        if layer.kind == "dense" or (layer.kind == "batchnorm" and out
                                     and out[-1].kind == "dense"):
            out.append(layer)
    return tuple(out)


def with_batch_norm(layers: tuple, column: int, on: bool, momentum: float = 0.1) -> tuple:
    """``layers`` with the dense layer of builder column ``column`` (0: the first hidden one)
    normalized (``on``) or not; a batch norm already there keeps its momentum."""
    col = columns(layers)[column]
    items = list(layers)
    if on and not col.has_norm:
        items.insert(col.layer + 1, Layer.batch_norm(momentum))
    elif not on and col.has_norm:
        del items[col.norm]
    return tuple(items)


def with_momentum(layers: tuple, column: int, momentum: float) -> tuple:
    """``layers`` with the momentum of column ``column``'s batch norm set to ``momentum``."""
    col = columns(layers)[column]
    if not col.has_norm:
        raise ValueError(f"hidden layer {column + 1} has no batch norm")
    items = list(layers)
    items[col.norm] = items[col.norm].with_(momentum=momentum)
    return tuple(items)


def with_column_added(layers: tuple) -> tuple:
    """``layers`` and one more column like the last one (its batch norm too); a dense layer of
    the default settings when there is none."""
    cols = columns(layers)
    if not cols:
        return tuple(layers) + (Layer(),)
    last = cols[-1]
    extra = [layers[last.layer]] + ([layers[last.norm]] if last.has_norm else [])
    return tuple(layers) + tuple(extra)


def with_last_column_removed(layers: tuple) -> tuple:
    """``layers`` without the last column (the dense layer and its batch norm)."""
    cols = columns(layers)
    if not cols:
        return tuple(layers)
    return tuple(layers[:cols[-1].layer])



def weight_views(spec, params):
    """[(W (n_in, n_out), b (n_out,))] views into ``params`` of every dense layer of the
    engine NetworkSpec ``spec``, the output layer last: the links and bias squares the network
    view draws. A batch norm's gamma and beta are not among them (they scale and shift the
    normalized activations; they are trained, not typed)."""
    if spec.is_dense:
        return spec.views(params)
    return [(views["kernel"], views["bias"])
            for layer, views in zip(spec.layers, spec.named_views(params))
            if layer.kind == "dense"]
