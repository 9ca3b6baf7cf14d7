"""The experiment: the values of every field in ``fields.FIELDS``, one verb to change them.

Views call ``experiment.set(name, value)`` (or a layer verb built on it); the experiment validates,
stores, and emits ``state_changed(name)`` for every field that changed, including fields adjusted
to stay consistent (a new data set's task picks a fitting output and loss, a smaller training set
shrinks the batch). A bad value raises ``InvalidValue`` naming the field and saying why, and
nothing changes.
"""
import math
from collections.abc import Mapping

from PySide6.QtCore import QObject, Signal

from playground import catalog, dense_columns
from playground.checks import is_number, is_whole_number, quoted
from playground.fields import (FIELDS, FIELDS_BY_NAME, LAYER_KIND_LABELS, LAYER_SETTINGS,
                               MAX_LAYERS, MAX_LR_SCALE, MAX_UNITS, PADDINGS,
                               TRAINING_SETTINGS, Field, Layer, defaults)

MAX_DROPOUT = 0.9


class InvalidValue(ValueError):
    """A value a field does not accept; ``field`` names it, the message says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class Experiment(QObject):
    """Every setting of one experiment. Emits ``state_changed(name)`` after each change."""

    state_changed = Signal(str)

    def __init__(self, values: Mapping | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._values = defaults()
        if values:
            unknown = [k for k in values if k not in FIELDS_BY_NAME]
            if unknown:
                raise InvalidValue(unknown[0], f"Unknown setting {quoted(unknown[0])}.")
            self._values = self._validated_state({**self._values, **values},
                                                 changed=tuple(values))

    # ---- reading -------------------------------------------------------------------------
    def get(self, name: str):
        if name not in FIELDS_BY_NAME:
            raise KeyError(f"no field named {quoted(name)}")
        return self._values[name]

    def __getattr__(self, name: str):
        values = self.__dict__.get("_values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(name)

    def values(self) -> dict:
        """A copy of every field's value, by name."""
        return {k: (dict(v) if isinstance(v, dict) else v) for k, v in self._values.items()}

    @property
    def task(self) -> str:
        return catalog.dataset_task(self._values["dataset"])

    @property
    def n_train(self) -> int:
        return train_count(self._values["n_points"], self._values["train_ratio"])

    @property
    def n_outputs(self) -> int:
        return self._values["n_classes"] if self.task == "multiclass" else 1

    def explain_head(self, output_activation: str, loss: str) -> str | None:
        """Why this output and loss pair cannot train on this task, or None when it can."""
        return explain_head(self.task, output_activation, loss)

    # ---- changing ------------------------------------------------------------------------
    def set(self, name: str, value) -> None:
        """Validate and store one field; raise InvalidValue with the reason when it is refused."""
        self.update({name: value})

    def update(self, changes: Mapping) -> None:
        """Apply several fields at once: all are validated first, then all are stored."""
        unknown = [k for k in changes if k not in FIELDS_BY_NAME]
        if unknown:
            raise InvalidValue(unknown[0], f"Unknown setting {quoted(unknown[0])}.")
        state = dict(self._values)
        state.update(changes)
        state = self._validated_state(state, changed=tuple(changes))
        changed = [f.name for f in FIELDS if state[f.name] != self._values[f.name]]
        self._values = state
        for name in changed:
            self.state_changed.emit(name)

    # ---- layer verbs (the network builder's buttons) -----------------------------------------
    def add_layer(self, units: int | None = None) -> None:
        layers = self._values["layers"]
        template = layers[-1] if layers else Layer()
        self.set("layers", layers + (template.with_(units=units or template.units),))

    def remove_layer(self, index: int = -1) -> None:
        layers = list(self._values["layers"])
        if not layers:
            raise InvalidValue("layers", "There is no hidden layer to remove.")
        del layers[index]
        self.set("layers", tuple(layers))

    def add_neuron(self, index: int) -> None:
        layer = self._values["layers"][index]
        self.set_layer(index, units=layer.units + 1)

    def remove_neuron(self, index: int) -> None:
        layer = self._values["layers"][index]
        self.set_layer(index, units=layer.units - 1)

    def set_layer(self, index: int, **changes) -> None:
        layers = list(self._values["layers"])
        layers[index] = layers[index].with_(**changes)
        self.set("layers", tuple(layers))

    def insert_layer(self, index: int, layer: "Layer | str") -> None:
        """Put ``layer`` (a Layer, or a kind name for that kind's usual layer) at position
        ``index`` of the hidden layers (``len(layers)``: after the last one)."""
        layers = list(self._values["layers"])
        if not 0 <= index <= len(layers):
            raise InvalidValue("layers", f"There is no place {index + 1} among the "
                                         f"{len(layers)} hidden layers.")
        new = layer if isinstance(layer, Layer) else new_layer(layer)
        self.set("layers", tuple(layers[:index] + [new] + layers[index:]))

    def set_layer_kind(self, index: int, kind: str) -> None:
        """Make hidden layer ``index`` a layer of another ``kind``: that kind's usual layer,
        keeping the activation, initializer and dropout when both kinds have them."""
        layers = list(self._values["layers"])
        if layers[index].kind == kind:
            return
        layers[index] = new_layer(kind, like=layers[index])
        self.set("layers", tuple(layers))

    # ---- validation ----------------------------------------------------------------------
    def _validated_state(self, state: dict, changed: tuple = ()) -> dict:
        for f in FIELDS:
            state[f.name] = _coerce(f, state[f.name])
        _cascade(state, changed, self._values)
        for f in FIELDS:
            _check(f, state[f.name], state)
        return state


#: The layer a builder adds for each kind (conv layers: 8 3x3 ReLU filters, He-initialised).
_NEW_LAYERS = {"conv2d": Layer.conv(8), "dense": Layer(units=32, activation="relu",
                                                         init="he_uniform")}


def new_layer(kind: str, like: Layer | None = None) -> Layer:
    """The usual new layer of ``kind``; with ``like``, it keeps the settings both kinds have
    (activation, initializer, dropout between dense and conv layers). InvalidValue naming the
    kinds for an unknown one."""
    if kind not in LAYER_SETTINGS:
        raise InvalidValue("layers", f"Unknown layer kind {quoted(kind)}; choose one of "
                                     f"{', '.join(LAYER_SETTINGS)}.")
    layer = _NEW_LAYERS.get(kind, Layer(kind=kind))
    if like is not None:
        shared = set(LAYER_SETTINGS[kind]) & set(LAYER_SETTINGS.get(like.kind, ()))
        layer = layer.with_(**{name: getattr(like, name) for name in shared})
    return layer


def train_count(n_points: int, train_ratio: float) -> int:
    """Points in the training split: the pipeline and batch-size limit share this rule."""
    return max(1, min(n_points - 1, int(round(n_points * train_ratio))))


def explain_head(task: str, output_activation: str, loss: str) -> str | None:
    if (output_activation, loss) in catalog.COMPATIBLE_HEADS[task]:
        return None
    out = catalog.OUTPUT_ACTIVATION_LABELS.get(output_activation, output_activation)
    loss_label = catalog.LOSS_LABELS.get(loss, loss)
    if task == "multiclass":
        return ("Several classes need a softmax output trained with softmax cross-entropy: "
                "the network must give one probability per class.")
    if task == "regression":
        return ("Regression predicts any number, so it needs a linear output and the squared "
                "error; a sigmoid or softmax output could only give values between 0 and 1.")
    if loss == "softmax_ce" or output_activation == "softmax":
        return ("Softmax needs one output per class; with two classes use a sigmoid output "
                "and cross-entropy.")
    if loss == "bce":
        return (f"Cross-entropy compares probabilities, so it needs a sigmoid output, "
                f"not {out.lower()}. Choose the squared error first.")
    return f"{out} output with {loss_label.lower()} does not fit {catalog.TASK_LABELS[task]}."


# ---- per-field rules --------------------------------------------------------------------------
def _coerce(f: Field, value):
    """Bring a value to the field's type (lists to tuples, integral floats to ints)."""
    if f.kind is bool:
        if not isinstance(value, bool):
            raise InvalidValue(f.name, f"{f.title} must be true or false, not {quoted(value)}.")
        return value
    if f.kind is int:
        if not (is_whole_number(value) or (is_number(value) and float(value).is_integer())):
            raise InvalidValue(f.name, f"{f.title} must be a whole number, not {quoted(value)}.")
        return int(value)
    if f.kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidValue(f.name, f"{f.title} must be a number, not {quoted(value)}.")
        if not math.isfinite(value):
            raise InvalidValue(f.name, f"{f.title} must be a finite number, not {quoted(value)}.")
        return float(value)
    if f.kind is str:
        if not isinstance(value, str):
            raise InvalidValue(f.name, f"{f.title} must be a name, not {quoted(value)}.")
        return value
    if f.kind is dict:
        if not isinstance(value, Mapping):
            raise InvalidValue(f.name, f"{f.title} must be a mapping, not {quoted(value)}.")
        return {str(k): (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                         else v) for k, v in value.items()}
    if f.name == "layers":
        if not isinstance(value, (list, tuple)):
            raise InvalidValue(f.name, f"Layers must be a list, not {quoted(value)}.")
        return tuple(v if isinstance(v, Layer) else _layer_from(v) for v in value)
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise InvalidValue(f.name, f"{f.title} must be a list, not {quoted(value)}.")
    return tuple(value)


def _layer_from(value) -> Layer:
    """A Layer from what a file stores (``Layer.settings()``): no "kind" means dense."""
    if not isinstance(value, Mapping):
        raise InvalidValue("layers", f"A layer must be a mapping, not {quoted(value)}.")
    kind = value.get("kind", "dense")
    if kind not in LAYER_SETTINGS:
        raise InvalidValue("layers", f"Unknown layer kind {quoted(kind)}; choose one of "
                                     f"{', '.join(LAYER_SETTINGS)}.")
    unknown = set(value) - set(LAYER_SETTINGS[kind]) - set(TRAINING_SETTINGS) - {"kind"}
    if unknown:
        what = "A layer" if kind == "dense" else f"A {LAYER_KIND_LABELS[kind]} layer"
        raise InvalidValue("layers", f"{what} has no setting {quoted(sorted(unknown)[0])}.")
    base = Layer.conv(8) if kind == "conv2d" else Layer(kind=kind)
    return base.with_(**{k: v for k, v in value.items() if k != "kind"})


def _cascade(state: dict, changed: tuple, previous: dict) -> None:
    """Adjust fields that depend on a changed one so the state stays consistent. ``previous``:
    the values before the change (the defaults for a new experiment).

    Choosing another optimizer without saying a learning rate takes the new optimizer's
    recommended one (AdaDelta's 1.0 is 100 times Adam's 0.01); a file or preset that gives its
    learning rate keeps it."""
    if "optimizer" in changed and "optimizer_params" not in changed:
        state["optimizer_params"] = {}
    if "optimizer" in changed and "learning_rate" not in changed \
            and state["optimizer"] != previous["optimizer"]:
        rate = catalog.recommended_learning_rate(state["optimizer"])
        if rate is not None:
            state["learning_rate"] = rate
    if "schedule" in changed and "schedule_params" not in changed:
        state["schedule_params"] = {}
    _cascade_modality(state, changed, previous)
    if state["dataset"] in catalog.all_dataset_names():
        task = catalog.dataset_task(state["dataset"])
        head = (state["output_activation"], state["loss"])
        if head not in catalog.COMPATIBLE_HEADS[task] and not (
                {"output_activation", "loss"} & set(changed)):
            state["output_activation"], state["loss"] = catalog.COMPATIBLE_HEADS[task][0]
    if "batch_size" not in changed and isinstance(state["n_points"], int):
        n_train = train_count(state["n_points"], state["train_ratio"])
        state["batch_size"] = min(state["batch_size"], n_train)


def _cascade_modality(state: dict, changed: tuple, previous: dict) -> None:
    """An image data set fixes the number of classes (and of images, for the digits); its
    dense layers need a Flatten in front of them, and 2-D points keep only dense layers and
    the batch norms that follow them."""
    name, layers = state["dataset"], state["layers"]
    if state["dataset"] != previous["dataset"] and "classes" not in changed:
        state["classes"] = ()           # class numbers belong to one image set
    if not catalog.is_image_dataset(name):
        if "per_class" not in changed:
            state["per_class"] = 0
        if "augmentation" not in changed:
            state["augmentation"] = {}
    if catalog.is_image_dataset(name):
        chosen = len(state["classes"])
        state["n_classes"] = chosen if chosen >= 2 else catalog.image_class_count(name)
        if name in catalog.IMAGE_COUNTS:
            state["n_points"] = catalog.IMAGE_COUNTS[name]
        # (no hidden layers at all, as 2-D points may leave: the output is dense too)
        if "layers" not in changed and (not layers or layers[0].is_dense):
            state["layers"] = (Layer.flatten(),) + layers
    elif name in catalog.dataset_names() and "layers" not in changed:
        state["layers"] = dense_columns.kept(layers)     # dense layers and their batch norms


def _check(f: Field, value, state: dict) -> None:
    """Raise InvalidValue when value is outside what field f accepts in this state."""
    name = f.name
    high = catalog.max_points(state["dataset"], f.high) if name == "n_points" else f.high
    if f.low is not None and not f.low <= value <= high:
        raise InvalidValue(name, f"{f.title} must be between {f.low:g} and {high:g}, "
                                 f"not {value:g}.")
    allowed = f.allowed()
    if f.kind is str and allowed is not None and value not in allowed:
        raise InvalidValue(name, f"{f.title} {quoted(value)} is unknown; choose one of "
                                 f"{', '.join(allowed)}.")
    if name == "features":
        if not value:
            raise InvalidValue(name, "Choose at least one input feature.")
        bad = [v for v in value if v not in allowed]
        if bad:
            raise InvalidValue(name, f"Unknown feature {quoted(bad[0])}.")
        if len(set(value)) != len(value):
            raise InvalidValue(name, "Each feature can be chosen once.")
    elif name == "hidden_panels":
        bad = [v for v in value if v not in allowed]
        if bad:
            raise InvalidValue(name, f"Unknown panel {quoted(bad[0])}; choose from "
                                     f"{', '.join(allowed)}.")
        if len(set(value)) != len(value):
            raise InvalidValue(name, "Each panel can be hidden once.")
    elif name == "layers":
        _check_layers(value, state)
    elif name in ("classes", "per_class", "augmentation"):
        _check_image_setting(name, value, state)
    elif name in ("output_activation", "loss"):
        reason = explain_head(catalog.dataset_task(state["dataset"]),
                              state["output_activation"], state["loss"])
        if reason:
            raise InvalidValue(name, reason)
    elif name == "batch_size":
        n_train = train_count(state["n_points"], state["train_ratio"])
        if value > n_train:
            raise InvalidValue(name, f"Batch size cannot exceed the {n_train} training points.")
    elif name == "optimizer_params":
        _check_hyper(name, catalog.validate_optimizer, state["optimizer"], value)
    elif name == "schedule_params":
        _check_hyper(name, catalog.validate_schedule, state["schedule"], value)


def _check_layers(layers: tuple, state: dict) -> None:
    images = catalog.is_image_dataset(state["dataset"])
    # a point network counts its dense layers (each may have a batch norm after it)
    counted = layers if images else [layer for layer in layers if layer.kind != "batchnorm"]
    if len(counted) > MAX_LAYERS:
        raise InvalidValue("layers", f"At most {MAX_LAYERS} hidden layers.")
    for i, layer in enumerate(layers, start=1):
        if layer.kind not in LAYER_SETTINGS:
            raise InvalidValue("layers", f"Layer {i}: unknown layer kind {quoted(layer.kind)}.")
        _check_layer_training(i, layer, state)
        if not layer.is_dense:
            if layer.kind == "batchnorm" and not images:
                reason = dense_columns.explain(layers, i - 1)
                if reason:
                    raise InvalidValue("layers", reason)
                continue
            _check_image_layer(i, layer, images)
            continue
        if not is_whole_number(layer.units) or not 1 <= layer.units <= MAX_UNITS:
            raise InvalidValue("layers", f"Layer {i} must have 1 to {MAX_UNITS} neurons, "
                                         f"not {quoted(layer.units)}.")
        if layer.activation not in catalog.activation_names():
            raise InvalidValue("layers", f"Layer {i}: unknown activation "
                                         f"{quoted(layer.activation)}.")
        if layer.init not in catalog.initializer_names():
            raise InvalidValue("layers", f"Layer {i}: unknown initializer "
                                         f"{quoted(layer.init)}.")
        if not is_number(layer.dropout) or not 0.0 <= layer.dropout <= MAX_DROPOUT:
            raise InvalidValue("layers", f"Layer {i}: dropout must be between 0 and "
                                         f"{MAX_DROPOUT}, not {quoted(layer.dropout)}.")


    if images:
        from playground import image_pipeline
        try:
            reason = image_pipeline.explain_layers(state)
        except (ValueError, TypeError) as error:
            reason = f"The layers do not fit together: {error}"
        if reason:
            raise InvalidValue("layers", reason)


def _check_layer_training(i: int, layer: Layer, state: dict) -> None:
    """``frozen`` and ``lr_scale``: only layers with parameters have them; a learning-rate
    factor other than 1 needs a first-order optimizer (Newton, L-BFGS and CG choose their own
    step length for all parameters together)."""
    if layer.frozen is not False and layer.frozen is not True:
        raise InvalidValue("layers", f"Layer {i}: frozen must be true or false, not "
                                     f"{quoted(layer.frozen)}.")
    scale = layer.lr_scale
    if not is_number(scale) or not math.isfinite(scale) or not 0.0 < scale <= MAX_LR_SCALE:
        raise InvalidValue("layers", f"Layer {i}: the learning-rate factor must be a number "
                                     f"above 0 and at most {MAX_LR_SCALE:g}, not "
                                     f"{quoted(scale)}.")
    label = LAYER_KIND_LABELS.get(layer.kind, layer.kind)
    if not layer.has_parameters and (layer.frozen or scale != 1.0):
        raise InvalidValue("layers", f"Layer {i} is a {label} layer, which has no weights to "
                                     f"freeze or to train at their own learning rate.")
    if scale != 1.0 and catalog.is_second_order(state["optimizer"]):
        raise InvalidValue("layers", f"Layer {i}: a learning-rate factor ({scale:g}) needs a "
                                     f"first-order optimizer; "
                                     f"{quoted(state['optimizer'])} chooses its own step for "
                                     f"all weights together (set the factor to 1).")


def _check_image_setting(name: str, value, state: dict) -> None:
    """The image-only data settings (which classes, how many per class) and augmentation."""
    images = catalog.is_image_dataset(state["dataset"])
    title = FIELDS_BY_NAME[name].title
    if name == "augmentation":
        from engine.augment import Augmentation
        try:
            Augmentation(**value)
        except (ValueError, TypeError) as error:
            raise InvalidValue(name, _capital(str(error))) from None
        if value and not images:
            raise InvalidValue(name, "Augmentation changes images: choose an image data set "
                                     "first.")
        return
    if not images and value not in ((), 0):
        raise InvalidValue(name, f"{title} applies to image data sets only.")
    if name == "classes" and value:
        k = catalog.image_class_count(state["dataset"])
        bad = [c for c in value if not is_whole_number(c) or not 0 <= c < k]
        if bad:
            raise InvalidValue(name, f"Class {quoted(bad[0])} is not one of the image set's "
                                     f"classes 0 to {k - 1}.")
        if len(set(value)) != len(value):
            raise InvalidValue(name, "Each class can be chosen once.")
        if len(value) < 2:
            raise InvalidValue(name, "Choose at least two classes (or none: all of them).")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _check_image_layer(i: int, layer: Layer, images: bool) -> None:
    """The settings of a conv, pooling, flatten or batch-norm layer (their sizes and how the
    layers fit the images are the engine's rules: ``image_pipeline.explain_layers``)."""
    label = LAYER_KIND_LABELS[layer.kind]
    if not images:
        raise InvalidValue("layers", f"Layer {i} is a {label} layer, which needs an image "
                                     f"data set ({', '.join(catalog.image_dataset_names())}); "
                                     f"2-D points go into dense layers.")
    if layer.kind == "conv2d":
        if layer.activation not in catalog.activation_names():
            raise InvalidValue("layers", f"Layer {i}: unknown activation "
                                         f"{quoted(layer.activation)}.")
        if layer.init not in catalog.initializer_names():
            raise InvalidValue("layers", f"Layer {i}: unknown initializer "
                                         f"{quoted(layer.init)}.")
        if layer.padding not in PADDINGS:
            raise InvalidValue("layers", f"Layer {i}: padding must be one of "
                                         f"{', '.join(PADDINGS)}, not {quoted(layer.padding)}.")
        if not is_number(layer.dropout) or not 0.0 <= layer.dropout <= MAX_DROPOUT:
            raise InvalidValue("layers", f"Layer {i}: dropout must be between 0 and "
                                         f"{MAX_DROPOUT}, not {quoted(layer.dropout)}.")


def _check_hyper(name: str, validate, kind: str, params: dict) -> None:
    try:
        validate(kind, params)
    except (ValueError, TypeError) as error:
        raise InvalidValue(name, str(error)) from None
