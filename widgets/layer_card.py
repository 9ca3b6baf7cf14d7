"""The cards of the image-network builder (``widgets.layer_stack``): one per layer, the input
first and the softmax output last, each in the frame of ``widgets.card_frame``. A layer's card
holds its kind, the settings of that kind, and the output shape and parameter count the engine
gives it (``image_pipeline.layer_rows``: nothing is computed here). Every edit goes to an
experiment verb; a refusal is explained in the card's note, under the controls, and the card
shows the model's values again."""
from dataclasses import fields as dataclass_fields

from PySide6.QtCore import QPoint, QSignalBlocker, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QLabel, QMenu, QWidget

from playground import catalog
from playground.experiment import MAX_DROPOUT
from playground.fields import LAYER_KIND_LABELS, LAYER_SETTINGS, PADDINGS, Layer
from playground.image_pipeline import setting_range
from playground.tips import ACTIVATION_FORMULAS, LAYER_KIND_TIPS, LAYER_SETTING_TIPS
from widgets import theme
from widgets.card_frame import Card
from widgets.controls import (
    DecimalBox,
    IntBox,
    LogSpinBox,
    attach_note,
    attempt,
    hint_label,
    send,
)
from widgets.header_controls import (compact_combo, initializer_combo, round_button, select,
                                     setting_box, show_setting)

#: The kinds a card offers, in the order a conv net is usually built.
KIND_ORDER = ("conv2d", "maxpool2d", "avgpool2d", "batchnorm", "flatten", "dense")
#: Kinds whose layer has weights: they can be frozen and given their own learning rate.
PARAM_KINDS = ("conv2d", "dense", "batchnorm")
#: Settings that exist only once playground.fields.Layer has them (transfer learning).
TRAINING_SETTINGS = tuple(n for n in ("frozen", "lr_scale")
                          if n in {f.name for f in dataclass_fields(Layer)})
SETTING_LABELS = {"filters": "Filters", "kernel_size": "Kernel", "stride": "Stride",
                  "padding": "Padding", "activation": "Activation", "init": "Init",
                  "dropout": "Dropout", "units": "Units", "size": "Window",
                  "momentum": "Momentum", "frozen": "", "lr_scale": "LR \u00d7",
                  "leaky_slope": "Slope", "init_scale": "Scale"}
#: Experiment-wide settings a card shows beside its layer's own (the leaky slope after a
#: leaky-ReLU activation, the scale after an initializer that takes one), as the dense
#: columns' headers do: each edits the experiment's field (one undo step).
SHARED_SETTINGS = {"leaky_slope": "activation", "init_scale": "init"}
WHOLE_NUMBERS = ("filters", "kernel_size", "stride", "size", "units")
#: Settings side by side in one row of a card: as many as its width takes, within these.
PER_ROW = (2, 5)
#: The width one (label, control) pair needs at 100% zoom, and the widest a control grows.
PAIR_WIDTH = 175
MAX_CONTROL_WIDTH = 150


def kind_label(kind: str) -> str:
    label = LAYER_KIND_LABELS.get(kind, kind)
    return label[:1].upper() + label[1:]


def settings_of(kind: str) -> tuple:
    """The settings a card of ``kind`` shows: its kind's, then frozen and LR x for kinds with
    weights (when the experiment's layers have them)."""
    names = tuple(LAYER_SETTINGS.get(kind, ()))
    extra = TRAINING_SETTINGS if kind in PARAM_KINDS else ()
    return names + tuple(n for n in extra if n not in names)


def short_description(text: str) -> str:
    """The engine's description of a layer from its first number on ("Conv 16 3x3 same relu"
    -> "16 3x3 same relu"): the card's kind menu already names the kind. A text without a
    number stays whole."""
    words = text.split()
    first = next((i for i, word in enumerate(words) if word[:1].isdigit()), None)
    return " ".join(words[first:]) if first else text


class _InsertButton:
    """A round + button with a menu of layer kinds: choosing one inserts that kind's usual
    layer at ``position()``."""

    def __init__(self, card: Card, experiment, position):
        self.button = round_button("plus", LAYER_SETTING_TIPS["insert"])
        self.menu = QMenu(self.button)
        for kind in KIND_ORDER:
            action = QAction(kind_label(kind), self.menu)
            action.setToolTip(LAYER_KIND_TIPS[kind])
            action.setData(kind)
            action.triggered.connect(
                lambda checked=False, k=kind: attempt(self.button, experiment.insert_layer,
                                                      position(), k))
            self.menu.addAction(action)
        self.menu.setToolTipsVisible(True)
        self.button.clicked.connect(self._on_button_clicked)
        attach_note(card.note, self.button)

    def action(self, kind: str) -> QAction:
        return next(a for a in self.menu.actions() if a.data() == kind)

    def _on_button_clicked(self) -> None:
        self.menu.popup(self.button.mapToGlobal(QPoint(0, self.button.height())))


class InputCard(Card):
    """The input images: the data set, their shape; + inserts a first layer."""

    def __init__(self, experiment, parent: QWidget | None = None):
        super().__init__("", parent)
        self.badge.hide()
        self.experiment = experiment
        title = QLabel("Input")
        title.setProperty("role", "value")
        self.head.addWidget(title)
        self.insert = _InsertButton(self, experiment, lambda: 0)
        self.finish_head(self.insert.button)

    def show_image(self, image) -> None:
        """The chosen test image (C, H, W), None for none."""
        fits = image is not None and self._shape is not None and \
            tuple(image.shape) == tuple(self._shape)
        self.strip.set_image(image if fits else None)
        self._show_strip()

    def refresh(self, row: dict | None) -> None:
        e = self.experiment
        self.description.setText(catalog.dataset_label(e.dataset) if row else "")
        self.show_row(row)
        self.description.setToolTip(self.description.text())
        if row:
            self.shape.setToolTip(f"The input: {row['shape'][0]} channel"
                                  f"{'s' if row['shape'][0] != 1 else ''} of "
                                  f"{row['shape'][1]}x{row['shape'][2]} pixels")


class OutputCard(Card):
    """The softmax output: one unit per class, its initializer, shape and parameters."""

    def __init__(self, experiment, parent: QWidget | None = None):
        super().__init__("", parent)
        self.badge.hide()
        self.experiment = experiment
        title = QLabel("Output")
        title.setProperty("role", "value")
        self.head.addWidget(title)
        self.finish_head()
        self.init = initializer_combo()
        self.init.setMinimumWidth(theme.px(130))
        label = hint_label(SETTING_LABELS["init"])
        self.grid.addWidget(label, 0, 0)
        self.grid.addWidget(self.init, 0, 1)
        #: the small-random scale, shown for an initializer that takes one
        self.scale = setting_box(experiment, "init_scale")
        self.scale_label = hint_label(SETTING_LABELS["init_scale"])
        self.scale_label.setToolTip(self.scale.toolTip())
        self.grid.addWidget(self.scale_label, 0, 2)
        self.grid.addWidget(self.scale, 0, 3)
        self.grid.setColumnStretch(4, 1)
        attach_note(self.note, self.init, self.scale)
        self.init.activated.connect(self._on_init_activated)

    def _on_init_activated(self, i: int) -> None:
        if not send(self.experiment, "output_init", self.init.itemData(i), self.init):
            select(self.init, self.experiment.output_init)

    def refresh(self, row: dict | None) -> None:
        e = self.experiment
        self.description.setText(f"softmax, {e.n_outputs} classes, cross-entropy"
                                 if row else "")
        self.show_row(row)
        self.description.setToolTip(f"{ACTIVATION_FORMULAS['softmax']}; trained with "
                                    "softmax cross-entropy")
        select(self.init, e.output_init)
        self.init.setToolTip(f"Initial weights of the output layer: {self.init.currentText()}"
                             f"\n{catalog.initializer_doc(e.output_init)}")
        takes = catalog.initializer_takes_scale(e.output_init)
        show_setting(self.scale, e.init_scale, takes)
        self.scale_label.setVisible(takes)


class LayerCard(Card):
    """Hidden layer ``index``: its kind, its kind's settings, - removes it, + inserts after."""

    def __init__(self, experiment, index: int, parent: QWidget | None = None):
        super().__init__(str(index + 1), parent)
        self.experiment = experiment
        self.index = index
        self.kind = compact_combo(((k, kind_label(k)) for k in KIND_ORDER), LAYER_KIND_TIPS)
        self.kind.setToolTip(LAYER_SETTING_TIPS["kind"])
        # wide enough for every kind's name at any zoom ("Average-pool" is the longest)
        self.kind.setMinimumContentsLength(max(len(kind_label(k)) for k in KIND_ORDER) - 5)
        self.head.addWidget(self.kind)
        self.remove = round_button("minus", LAYER_SETTING_TIPS["remove"])
        self.insert = _InsertButton(self, experiment, lambda: self.index + 1)
        self.finish_head(self.remove, self.insert.button)
        self.controls = self._build_controls()
        self.labels = {name: hint_label(SETTING_LABELS[name]) for name in self.controls}
        for name, control in self.controls.items():
            tip = LAYER_SETTING_TIPS.get(name) or control.toolTip()
            control.setToolTip(tip)
            self.labels[name].setToolTip(tip)
            control.hide()
            self.labels[name].hide()
        self._arranged: tuple | None = None       # (names, per_row) as laid out
        self._per_row = PER_ROW[0]
        attach_note(self.note, self.kind, self.remove, *self.controls.values())
        self.kind.activated.connect(self._on_kind_activated)
        self.remove.clicked.connect(
            lambda: attempt(self.remove, self.experiment.remove_layer, self.index))

    # ---- controls ---------------------------------------------------------------------------
    def _build_controls(self) -> dict:
        controls = {}
        for name in WHOLE_NUMBERS:
            box = IntBox(*setting_range(name))
            box.editingFinished.connect(lambda n=name, b=box: self._set(n, int(b.value())))
            controls[name] = box
        padding = compact_combo((p, p) for p in PADDINGS)
        padding.activated.connect(lambda i: self._set("padding", padding.itemData(i)))
        activation = compact_combo(((k, catalog.label(k)) for k in catalog.activation_names()),
                            ACTIVATION_FORMULAS)
        activation.activated.connect(lambda i: self._set("activation", activation.itemData(i)))
        init = initializer_combo()
        init.activated.connect(lambda i: self._set("init", init.itemData(i)))
        dropout = DecimalBox(0.0, MAX_DROPOUT, step=0.05, decimals=2)
        dropout.editingFinished.connect(lambda: self._set("dropout", round(dropout.value(), 4)))
        momentum = DecimalBox(0.01, 1.0, step=0.05, decimals=3)
        momentum.editingFinished.connect(
            lambda: self._set("momentum", round(momentum.value(), 6)))
        controls.update(padding=padding, activation=activation, init=init, dropout=dropout,
                        momentum=momentum, leaky_slope=setting_box(self.experiment,
                                                                   "leaky_slope", decimals=3),
                        init_scale=setting_box(self.experiment, "init_scale"))
        if "frozen" in TRAINING_SETTINGS:
            frozen = QCheckBox("Frozen")
            frozen.toggled.connect(lambda on: self._set("frozen", bool(on)))
            controls["frozen"] = frozen
        if "lr_scale" in TRAINING_SETTINGS:
            scale = LogSpinBox(0.001, 10.0)
            scale.editingFinished.connect(lambda: self._set("lr_scale", float(scale.value())))
            controls["lr_scale"] = scale
        for control in controls.values():
            if control.property("role") is None and not isinstance(control, QCheckBox):
                control.setProperty("role", "compact")
            control.setFont(theme.font(-1))
        for name in WHOLE_NUMBERS + ("dropout", "momentum", "lr_scale", *SHARED_SETTINGS):
            if name in controls:
                controls[name].setAlignment(Qt.AlignmentFlag.AlignRight)
                controls[name].setMinimumWidth(theme.px(58))
        # the initializer's names are the longest ("Glorot uniform"): never cut them
        init.setMinimumWidth(init.fontMetrics().horizontalAdvance("Glorot uniform") +
                             theme.px(30))
        for control in controls.values():
            control.setMaximumWidth(theme.px(MAX_CONTROL_WIDTH))
        return controls

    def _arrange(self, names: tuple) -> None:
        """Lay out the settings of ``names`` in rows of ``_per_row`` (label, control) pairs."""
        per_row = self._per_row
        if (names, per_row) == self._arranged:
            return
        for name in self._arranged[0] if self._arranged else ():
            self.grid.removeWidget(self.controls[name])
            self.grid.removeWidget(self.labels[name])
            self.controls[name].hide()
            self.labels[name].hide()
        for i, name in enumerate(names):
            row, col = divmod(i, per_row)
            self.grid.addWidget(self.labels[name], row, 2 * col)
            self.grid.addWidget(self.controls[name], row, 2 * col + 1)
            self.labels[name].show()
            self.controls[name].show()
        # controls share the row up to their widest; beyond that the room stays on the right
        for col in range(2 * PER_ROW[1]):
            self.grid.setColumnStretch(col, 1 if col % 2 and col < 2 * per_row else 0)
        self.grid.setColumnStretch(2 * PER_ROW[1], 0 if per_row < PER_ROW[1] else 1)
        self._arranged = (names, per_row)

    def resizeEvent(self, event) -> None:                 # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        room = event.size().width() - self.layout().contentsMargins().left() * 2 - \
            self.strip_room()
        per_row = max(PER_ROW[0], min(PER_ROW[1], room // theme.px(PAIR_WIDTH)))
        if per_row != self._per_row:
            self._per_row = per_row
            if self._arranged:
                self._arrange(self._arranged[0])

    def shown_settings(self, layer: Layer) -> tuple:
        """``settings_of`` the layer's kind, with the leaky slope after a leaky-ReLU activation
        and the scale after an initializer that takes one."""
        names = []
        for name in settings_of(layer.kind):
            names.append(name)
            if name == "activation" and layer.activation == "leaky_relu":
                names.append("leaky_slope")
            if name == "init" and catalog.initializer_takes_scale(layer.init):
                names.append("init_scale")
        return tuple(names)

    # ---- intent -----------------------------------------------------------------------------
    def _set(self, name: str, value) -> None:
        layer = self.experiment.layers[self.index]
        if getattr(layer, name) == value:
            return                              # a box losing focus re-sends its value
        if not attempt(self.controls[name], self.experiment.set_layer, self.index,
                       **{name: value}):
            self.refresh_values()

    def _on_kind_activated(self, i: int) -> None:
        if not attempt(self.kind, self.experiment.set_layer_kind, self.index,
                       self.kind.itemData(i)):
            self.refresh_values()

    # ---- model -> view ----------------------------------------------------------------------
    def refresh(self, row: dict | None) -> None:
        self.refresh_values()
        self.description.setText(row["label"] if row else "")
        self.description.short = short_description(row["label"]) if row else ""
        self.show_row(row)

    def refresh_values(self) -> None:
        layer = self.experiment.layers[self.index]
        self.badge.setText(str(self.index + 1))
        select(self.kind, layer.kind)
        self.kind.setToolTip(f"{kind_label(layer.kind)} layer {self.index + 1}: "
                             f"{LAYER_KIND_TIPS.get(layer.kind, '')}")
        names = self.shown_settings(layer)
        self._arrange(names)
        for name in names:
            control = self.controls[name]
            value = self.experiment.get(name) if name in SHARED_SETTINGS else \
                getattr(layer, name)
            with QSignalBlocker(control):
                if isinstance(control, QCheckBox):
                    control.setChecked(bool(value))
                elif hasattr(control, "findData"):
                    select(control, value)
                else:
                    control.setValue(value)
        self.controls["activation"].setToolTip(
            f"{LAYER_SETTING_TIPS['activation']}: {catalog.label(layer.activation)}\n"
            f"{ACTIVATION_FORMULAS.get(layer.activation, '')}")
        self.controls["init"].setToolTip(
            f"{LAYER_SETTING_TIPS['init']}: {self.controls['init'].currentText()}\n"
            f"{catalog.initializer_doc(layer.init)}")
