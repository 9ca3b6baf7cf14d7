"""The network builder: add and remove layers and neurons, choose each layer's activation,
initializer and dropout, and the output and loss, above the live drawing of the network."""
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from playground import catalog, dense_columns
from playground.experiment import MAX_DROPOUT
from playground.fields import MAX_LAYERS
from playground.tips import ACTIVATION_FORMULAS, CONTROL_TIPS, LOSS_FORMULAS
from widgets import network_geometry as geo
from widgets import theme
from widgets.controls import (
    DecimalBox,
    RefusalNote,
    attach_note,
    attempt,
    hint_label,
    section_label,
    send,
)
from widgets.header_controls import (compact_combo, initializer_combo, round_button, select,
                                     setting_box, show_setting)
from widgets.network_canvas import NetworkCanvas
from widgets.neuron_tiles import BOUNDED_ACTIVATIONS, ColumnColours

def _describe(title: str, name: str, detail: str) -> str:
    return f"{title}: {name}\n{detail}" if detail else f"{title}: {name}"


def _beside(combo: QWidget, box: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(2)
    row.addWidget(combo, 1)
    row.addWidget(box)
    return row


class LayerHeader(QWidget):
    """Controls above one hidden (dense) layer: neuron count -/+, activation, initializer,
    dropout, and batch norm after it (with its momentum). ``column``: which dense layer (0:
    the first); ``index`` is its place among the experiment's layers, which batch norms
    shift."""

    def __init__(self, experiment, column: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment = experiment
        self.column = column
        self.remove_neuron = round_button("minus", CONTROL_TIPS["remove_neuron"])
        self.add_neuron = round_button("plus", CONTROL_TIPS["add_neuron"])
        self.count = QLabel()
        self.count.setFont(theme.font(1, bold=True))
        self.count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.count.setProperty("role", "value")
        self.activation = compact_combo(((k, catalog.label(k)) for k in catalog.activation_names()),
                                 ACTIVATION_FORMULAS)
        self.init = initializer_combo()
        self.slope = setting_box(experiment, "leaky_slope", decimals=3)
        self.scale = setting_box(experiment, "init_scale")
        self.dropout = DecimalBox(0.0, MAX_DROPOUT, step=0.05, decimals=2)
        self.dropout.setProperty("role", "compact")
        self.dropout.setFont(theme.font(-1))
        self.dropout.setPrefix("Dropout ")
        self.dropout.setToolTip(CONTROL_TIPS["dropout"])
        self.norm = QCheckBox("Batch norm")
        self.norm.setFont(theme.font(-1))
        self.norm.setToolTip(CONTROL_TIPS["batch_norm"])
        self.momentum = DecimalBox(0.01, 1.0, step=0.05, decimals=2)
        self.momentum.setProperty("role", "compact")
        self.momentum.setFont(theme.font(-1))
        self.momentum.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.momentum.setToolTip(CONTROL_TIPS["batch_norm_momentum"])
        row = QHBoxLayout()
        row.setSpacing(2)
        row.addWidget(self.remove_neuron)
        row.addWidget(self.count, 1)
        row.addWidget(self.add_neuron)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(row)
        layout.addLayout(_beside(self.activation, self.slope))
        layout.addLayout(_beside(self.init, self.scale))
        layout.addWidget(self.dropout)
        layout.addLayout(_beside(self.norm, self.momentum))
        self.add_neuron.clicked.connect(lambda: self._apply(self.experiment.add_neuron))
        self.remove_neuron.clicked.connect(lambda: self._apply(self.experiment.remove_neuron))
        self.activation.activated.connect(
            lambda i: self._set(activation=self.activation.itemData(i)))
        self.init.activated.connect(lambda i: self._set(init=self.init.itemData(i)))
        self.dropout.valueChanged.connect(lambda v: self._set(dropout=round(float(v), 4)))
        self.norm.clicked.connect(self._on_norm_clicked)
        self.momentum.editingFinished.connect(self._on_momentum_editing_finished)

    def fit_to_font(self) -> None:
        """Size the momentum box for its number in the current font (zoom changes it)."""
        metrics = QFontMetrics(self.momentum.font())
        self.momentum.setFixedWidth(metrics.horizontalAdvance("0.000") + theme.px(26))

    @property
    def index(self) -> int:
        """This layer's place among the experiment's layers."""
        return dense_columns.columns(self.experiment.layers)[self.column].layer

    def _on_norm_clicked(self, checked: bool) -> None:
        layers = dense_columns.with_batch_norm(self.experiment.layers, self.column, checked)
        if not attempt(self.norm, self.experiment.set, "layers", layers):
            self.refresh()

    def _on_momentum_editing_finished(self) -> None:
        column = dense_columns.columns(self.experiment.layers)[self.column]
        value = round(float(self.momentum.value()), 4)
        if not column.has_norm or self.experiment.layers[column.norm].momentum == value:
            return
        layers = dense_columns.with_momentum(self.experiment.layers, self.column, value)
        if not attempt(self.momentum, self.experiment.set, "layers", layers):
            self.refresh()

    def _apply(self, verb) -> None:
        attempt(self, verb, self.index)

    def _set(self, **changes) -> None:
        if not attempt(self, self.experiment.set_layer, self.index, **changes):
            self.refresh()

    def refresh(self) -> None:
        layer = self.experiment.layers[self.index]
        self.count.setText(str(layer.units))
        self.count.setToolTip(f"{layer.units} neuron{'s' if layer.units != 1 else ''} in hidden "
                              f"layer {self.column + 1}")
        select(self.activation, layer.activation)
        select(self.init, layer.init)
        self.activation.setToolTip(_describe(f"Activation of hidden layer {self.column + 1}",
                                             self.activation.currentText(),
                                             ACTIVATION_FORMULAS.get(layer.activation, "")))
        self.init.setToolTip(_describe("Initial weights", self.init.currentText(),
                                       catalog.initializer_doc(layer.init)))
        e = self.experiment
        show_setting(self.slope, e.leaky_slope, layer.activation == "leaky_relu")
        show_setting(self.scale, e.init_scale, catalog.initializer_takes_scale(layer.init))
        with QSignalBlocker(self.dropout):
            self.dropout.setValue(layer.dropout)
        column = dense_columns.columns(e.layers)[self.column]
        with QSignalBlocker(self.norm):
            self.norm.setChecked(column.has_norm)
        # on, the short name leaves room for the momentum beside it in a narrow column
        self.norm.setText("BN" if column.has_norm else "Batch norm")
        if column.has_norm:
            self.fit_to_font()
            show_setting(self.momentum, e.layers[column.norm].momentum, True)
        else:
            self.momentum.setVisible(False)


class OutputHeader(QWidget):
    """Output activation and loss; choices that do not fit the task are explained."""

    def __init__(self, experiment, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment = experiment
        title = QLabel("Output")
        title.setProperty("role", "value")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.output = compact_combo(catalog.OUTPUT_ACTIVATION_LABELS.items())
        self.loss = compact_combo(catalog.LOSS_LABELS.items())      # one distinct name each
        self.init = initializer_combo()
        self.scale = setting_box(experiment, "init_scale")
        self.task = QLabel()
        self.task.setProperty("role", "hint")
        self.task.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        for w in (title, self.output, self.loss):
            layout.addWidget(w)
        layout.addLayout(_beside(self.init, self.scale))
        layout.addWidget(self.task)
        self.init.activated.connect(
            lambda i: self._send("output_init", self.init.itemData(i), self.init))
        self.output.activated.connect(
            lambda i: self._send("output_activation", self.output.itemData(i), self.output))
        self.loss.activated.connect(lambda i: self._send("loss", self.loss.itemData(i),
                                                         self.loss))

    def _send(self, name: str, key: str, combo: QComboBox) -> None:
        if not send(self.experiment, name, key, combo):
            self.refresh()

    def refresh(self) -> None:
        e = self.experiment
        select(self.output, e.output_activation)
        select(self.loss, e.loss)
        select(self.init, e.output_init)
        self.init.setToolTip(_describe("Initial weights of the output layer",
                                       self.init.currentText(),
                                       catalog.initializer_doc(e.output_init)))
        show_setting(self.scale, e.init_scale, catalog.initializer_takes_scale(e.output_init))
        self.task.setText(f"{e.n_outputs} classes" if e.task == "multiclass"
                          else catalog.TASK_LABELS[e.task])
        self.task.setToolTip(f"Task: {catalog.TASK_LABELS[e.task]}")
        self.output.setToolTip(_describe("Output activation", self.output.currentText(),
                                         ACTIVATION_FORMULAS.get(e.output_activation, "")))
        self.loss.setToolTip(_describe("Loss minimised by training", self.loss.currentText(),
                                       LOSS_FORMULAS.get(e.loss, "")))
        for combo, other in ((self.output, "loss"), (self.loss, "output_activation")):
            formulas = ACTIVATION_FORMULAS if combo is self.output else LOSS_FORMULAS
            for i in range(combo.count()):
                key = combo.itemData(i)
                pair = (key, e.loss) if other == "loss" else (e.output_activation, key)
                reason = e.explain_head(*pair)
                combo.setItemData(i, reason or formulas.get(key, ""),
                                  Qt.ItemDataRole.ToolTipRole)


INPUT_COLUMN_WIDTH = 96


class ColumnTitle(QWidget):
    """Header of the input column: a title and a count."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = QLabel(title)
        self.title.setProperty("role", "value")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = hint_label("")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        layout.addStretch(1)


class NetworkView(QWidget):
    """The central network builder."""

    neuron_hovered = Signal(object)

    def __init__(self, experiment, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment = experiment
        self.session = session
        self.add_layer = round_button("plus", CONTROL_TIPS["add_layer"])
        self.remove_layer = round_button("minus", CONTROL_TIPS["remove_layer"])
        self.layer_count = section_label("")
        bar = QHBoxLayout()
        bar.setContentsMargins(14, 8, 14, 4)
        bar.setSpacing(8)
        bar.addWidget(self.remove_layer)
        bar.addWidget(self.add_layer)
        bar.addWidget(self.layer_count)
        bar.addStretch(1)
        self.canvas = NetworkCanvas(session)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.canvas)
        self.scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        #: why adding or removing a layer was refused, under the buttons
        self.layer_note = attach_note(RefusalNote(), self.add_layer, self.remove_layer)
        layout.addWidget(self.layer_note)
        layout.addWidget(self.scroll, 1)
        self.input_header = ColumnTitle("Input")
        self.output_header = OutputHeader(experiment)
        self.layer_headers: list[LayerHeader] = []
        self.add_layer.clicked.connect(self._on_add_layer_clicked)
        self.remove_layer.clicked.connect(self._on_remove_layer_clicked)
        self.canvas.neuron_hovered.connect(self._on_canvas_neuron_hovered)
        experiment.state_changed.connect(self._on_experiment_state_changed)
        session.network_rebuilt.connect(self._on_session_network_rebuilt)
        session.snapshot_ready.connect(self.set_snapshot)
        self._on_session_network_rebuilt()

    def set_snapshot(self, snapshot) -> None:
        self.canvas.set_snapshot(snapshot)

    # ---- intent ---------------------------------------------------------------------------
    def _on_add_layer_clicked(self) -> None:
        """One more hidden layer like the last (with its batch norm, when it has one)."""
        attempt(self.add_layer, self.experiment.set, "layers",
                dense_columns.with_column_added(self.experiment.layers))

    def _on_remove_layer_clicked(self) -> None:
        """The last hidden layer goes, with its batch norm."""
        attempt(self.remove_layer, self.experiment.set, "layers",
                dense_columns.with_last_column_removed(self.experiment.layers))

    def _on_canvas_neuron_hovered(self, key) -> None:
        self.canvas.set_focus(key)
        self.session.focus_neuron(key)
        self.neuron_hovered.emit(key)

    # ---- model -> view ----------------------------------------------------------------------
    def _on_experiment_state_changed(self, name: str) -> None:
        if name in ("layers", "output_activation", "loss", "dataset", "output_init",
                    "init_scale", "leaky_slope"):
            self._refresh_headers()

    def _on_session_network_rebuilt(self) -> None:
        self._refresh_headers()
        e, data = self.experiment, self.session.data
        n_out = self.session.spec.n_outputs if self.session.spec is not None else 1
        columns = dense_columns.columns(e.layers)
        dense = [e.layers[c.layer] for c in columns]
        units = [len(data.features)] + [layer.units for layer in dense] + [n_out]
        labels = ([[catalog.feature_label(f) for f in data.features]] +
                  [[] for _ in dense] + [[]])
        headers = [self.input_header] + self.layer_headers + [self.output_header]
        metrics = QFontMetrics(theme.font(0))
        label_px = max((metrics.horizontalAdvance(t) for t in labels[0]), default=0)
        widths = ([max(INPUT_COLUMN_WIDTH, 2 * (label_px + 6 - geo.MARGIN) + geo.TILE)] +
                  [geo.COLUMN_WIDTH] * (len(units) - 1))
        names = (["input feature"] +
                 [catalog.label(layer.activation) + (", then batch norm" if c.has_norm else "")
                  for layer, c in zip(dense, columns)] +
                 [f"{catalog.label(e.output_activation).lower()} output"])
        self.canvas.set_structure(units, headers, labels, widths, self.column_colours(), names,
                                  map_layers=[c.layer for c in columns],
                                  norms=[e.layers[c.norm].momentum if c.has_norm else None
                                         for c in columns])

    def column_colours(self) -> list[ColumnColours]:
        """How each column's maps are coloured: inputs and unbounded units each over their own
        range, tanh-like units over [-1, 1], the output as the large view shows it."""
        e, data = self.experiment, self.session.data
        columns = [ColumnColours("symmetric", quantity="value")]
        for layer in (e.layers[c.layer] for c in dense_columns.columns(e.layers)):
            columns.append(ColumnColours("fixed", -1.0, 1.0)
                           if layer.activation in BOUNDED_ACTIVATIONS else ColumnColours())
        if data.task == "multiclass":
            columns.append(ColumnColours("classes", 0.0, 1.0, "probability"))
        else:
            lo, hi = data.target_range
            columns.append(ColumnColours("fixed", lo, hi, "probability of class 2" if
                                         data.task == "binary" else "predicted value"))
        return columns

    def _refresh_headers(self) -> None:
        e = self.experiment
        n = len(dense_columns.columns(e.layers))
        while len(self.layer_headers) < n:
            self.layer_headers.append(LayerHeader(e, len(self.layer_headers), self.canvas))
        while len(self.layer_headers) > n:
            header = self.layer_headers.pop()
            header.hide()
            header.deleteLater()
        for header in self.layer_headers:
            header.refresh()
        self.output_header.refresh()
        self.input_header.detail.setText(f"{len(e.features)} feature"
                                         f"{'s' if len(e.features) != 1 else ''}")
        self.layer_count.setText(f"{n} hidden layer{'s' if n != 1 else ''}")
        self.add_layer.setEnabled(n < MAX_LAYERS)
        self.remove_layer.setEnabled(n > 0)
