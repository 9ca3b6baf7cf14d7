"""The data pipeline and network of an image experiment (data set "digits", "shapes", or
"mnist" / "fashion_mnist" where the download cache holds them: the first n_points images of
their training part; nothing is downloaded here, a missing download is a ValueError saying so).

Images are used as they come ([0, 1] pixels, no features, no standardizer): the network input
is each image flattened in (channel, row, column) order, X (n, C*H*W); targets are one-hot.
There is no 2-D boundary grid: ``PreparedData.supports_boundary`` is False for this modality.
Layer shapes are the engine's (``NetworkSpec.shapes``); nothing here re-computes them.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.layers import AvgPool2D, BatchNorm, Conv2D, Flatten, LayerSpec, MaxPool2D
from engine.network import NetworkSpec
from playground import catalog
from playground import image_data as image_data_module
from playground.image_data import DOWNLOADED_SOURCES, ImageData, digits_data, shapes_data
from playground.pipeline import PreparedData

MODALITY = "images"


def image_data(values: dict) -> ImageData:
    """The whole image set the data fields describe (the same bytes for the same fields)."""
    name = values["dataset"]
    if name == "digits":
        return digits_data()
    if name == "shapes":
        return shapes_data(n=values["n_points"], noise=values["noise"], seed=values["data_seed"])
    if image_data_module.is_imported(name):    # the user's images, held by the experiment file
        return image_data_module.imported_set(name)
    if name in DOWNLOADED_SOURCES:      # the first n_points training images, from the cache
        from playground import downloads
        return downloads.downloaded_data(name, "train", limit=values["n_points"],
                                         download=False)
    raise ValueError(f"{name!r} is not an image data set")


def chosen_classes(data: ImageData, classes) -> ImageData:
    """The images of the ``classes`` (class numbers, in the order given; () for all), labelled
    0..len(classes)-1 in that order and named after them."""
    classes = [int(c) for c in classes or ()]
    if not classes:
        return data
    renumber = np.full(len(data.class_names), -1, dtype=np.int64)
    renumber[classes] = np.arange(len(classes))
    keep = np.flatnonzero(renumber[data.labels] >= 0)
    return ImageData(data.images[keep], renumber[data.labels[keep]],
                     tuple(data.class_names[c] for c in classes), data.source, data.settings)


def first_per_class(part: ImageData, per_class: int, seed: int) -> ImageData:
    """At most ``per_class`` images of each class of ``part`` (0: all), drawn without
    replacement in an order seeded by ``seed``; kept in their original order."""
    if per_class <= 0:
        return part
    order = np.random.Generator(np.random.PCG64(int(seed))).permutation(len(part))
    chosen = [order[part.labels[order] == k][:per_class] for k in range(len(part.class_names))]
    return part.subset(np.sort(np.concatenate(chosen)))


def unavailable(name) -> str | None:
    """Why image set ``name`` cannot be used on this machine, with the command that fixes it
    (its files are not in the download cache: nothing is downloaded here); None when it can."""
    if name not in DOWNLOADED_SOURCES:
        return None
    from playground import downloads
    if downloads.is_present(name):
        return None
    return (f"{catalog.dataset_label(name)} is not downloaded yet (its files are not in "
            f"{downloads.cache_folder() / name}): download it once with "
            f"'{downloads.download_hint(name)}'")


def prepare(values: dict) -> PreparedData:
    """Split (stratified, seeded by data_seed), flatten and one-hot encode the image set: only
    the images of the chosen ``classes`` (all when empty), and at most ``per_class`` training
    images of each (0: all; the test images are never cut)."""
    data = chosen_classes(image_data(values), values.get("classes", ()))
    train, test = data.split(values["train_ratio"], seed=values["data_seed"])
    train = first_per_class(train, int(values.get("per_class", 0)), values["data_seed"])
    k = len(data.class_names)

    def inputs(part):
        return np.ascontiguousarray(part.images.reshape(len(part), -1), dtype=np.float64)

    def one_hot(part):
        return np.ascontiguousarray(np.eye(k)[part.labels])

    n_inputs = int(np.prod(data.image_shape))
    empty = np.zeros((0, n_inputs))
    return PreparedData(
        task="multiclass", n_classes=k, features=(),
        points_train=np.zeros((len(train), 0)), labels_train=train.labels.astype(np.float64),
        points_test=np.zeros((len(test), 0)), labels_test=test.labels.astype(np.float64),
        X_train=inputs(train), Y_train=one_hot(train), X_test=inputs(test), Y_test=one_hot(test),
        extent=(0.0, 1.0, 0.0, 1.0), boundary_inputs=empty, map_inputs=empty,
        feature_maps=np.zeros((0, 0, 0), dtype=np.float32), target_range=(0.0, 1.0),
        modality=MODALITY, input_shape=tuple(int(v) for v in data.image_shape),
        class_names=data.class_names, images_train=train.images, images_test=test.images)


def layer_spec(layer, values: dict):
    """The engine layer spec of one experiment layer (``fields.Layer``); the experiment's
    init_scale and leaky_slope apply as they do to dense networks. ValueError from the engine
    when a setting is out of its range."""
    kind = layer.kind
    if kind in ("dense", "conv2d"):
        common = dict(activation=layer.activation, dropout=float(layer.dropout), init=layer.init,
                      init_params=catalog.initializer_params(layer.init, values["init_scale"]),
                      activation_param=catalog.activation_params(layer.activation,
                                                                 values["leaky_slope"]))
        if kind == "dense":
            return LayerSpec(units=layer.units, **common)
        return Conv2D(filters=layer.filters, kernel_size=layer.kernel_size, stride=layer.stride,
                      padding=layer.padding, **common)
    if kind == "maxpool2d":
        return MaxPool2D(size=layer.size)
    if kind == "avgpool2d":
        return AvgPool2D(size=layer.size)
    if kind == "flatten":
        return Flatten()
    if kind == "batchnorm":
        return BatchNorm(momentum=float(layer.momentum))
    raise ValueError(f"unknown layer kind {kind!r}")


def network_spec(values: dict) -> NetworkSpec:
    """``NetworkSpec.for_images`` for the experiment's layers on its data set's input shape,
    the output layer started by the experiment's output initializer. ValueError naming the
    layer when the layers do not fit together."""
    name = values["dataset"]
    hidden = tuple(layer_spec(l, values) for l in values["layers"])
    n_classes = len(values.get("classes") or ()) or catalog.image_class_count(name)
    spec = NetworkSpec.for_images(catalog.image_input_shape(name), hidden, n_classes)
    return replace(spec, output_init=values["output_init"],
                   output_init_params=catalog.initializer_params(values["output_init"],
                                                                 values["init_scale"]))


def explain_layers(values: dict) -> str | None:
    """Why the experiment's layers cannot make a network on its image data set, in one
    sentence naming the layer (None when they can)."""
    for i, layer in enumerate(values["layers"], start=1):
        try:
            layer_spec(layer, values)
        except ValueError as error:
            return f"Layer {i} ({catalog_kind(layer)}): {_sentence(error)}"
    try:
        network_spec(values)
    except ValueError as error:
        return _capital(_sentence(error))
    return None


def output_shapes(values: dict) -> list:
    """[(C, H, W)]: the input's shape, then each layer's output shape (the output layer last),
    as the engine computes them (for the builder to show)."""
    return network_spec(values).shapes()


def layer_rows(values: dict) -> list[dict]:
    """What the builder and the network view show per layer, from the engine: one row for the
    input, then one per layer (the softmax output last), each {"label": the engine's
    description ("Conv 16 3x3 same relu"), "shape": (C, H, W) it gives, "shape_text": "16x8x8"
    (a vector: "64"), "params": trainable numbers in it, "formula": the kind's formula}."""
    from engine.layers import LAYER_KINDS
    spec = network_spec(values)
    shapes = spec.shapes()
    rows = [{"label": "Input", "shape": shapes[0], "shape_text": shape_text(shapes[0]),
             "params": 0, "formula": ""}]
    for i, (layer, before, after) in enumerate(zip(spec.layers, shapes[:-1], shapes[1:])):
        output = i == len(spec.hidden)
        rows.append({"label": f"Output {spec.n_outputs} softmax" if output else layer.describe(),
                     "shape": after, "shape_text": shape_text(after),
                     "params": int(layer.n_params(before)),
                     "formula": LAYER_KINDS[layer.kind].formula})
    return rows


def setting_range(name: str) -> tuple[int, int]:
    """(low, high) of a whole-number layer setting ("filters", "kernel_size", "stride", "size",
    "units"), as the engine and the experiment check it: the builder's arrows stay inside, a
    typed number outside reaches the experiment, which says why it refuses it."""
    from engine.layers import MAX_FILTERS, MAX_KERNEL
    from playground.fields import MAX_UNITS
    # stride 1-4 and pool size 1-8: engine.layers Conv2D and _Pool check these literals
    return {"filters": (1, MAX_FILTERS), "kernel_size": (1, MAX_KERNEL), "stride": (1, 4),
            "size": (1, 8), "units": (1, MAX_UNITS)}[name]


def shape_text(shape) -> str:
    """"16x8x8" for maps, "64" for a vector of 64 units."""
    c, h, w = shape
    return str(c) if h == w == 1 else f"{c}x{h}x{w}"


def catalog_kind(layer) -> str:
    from playground.fields import LAYER_KIND_LABELS
    return LAYER_KIND_LABELS.get(layer.kind, layer.kind)


def _sentence(error) -> str:
    text = str(error).strip()
    return text if text.endswith(".") else text + "."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
