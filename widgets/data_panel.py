"""The data panel: which data set, how much noise, how many points, the split, the batch size,
the input features and normalization. Every control calls ``experiment.set``; every experiment
change is pushed back into the controls under a signal blocker."""
import numpy as np
from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols
from PySide6.QtCore import QEvent, QSignalBlocker, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground import catalog, pipeline
from playground.fields import FIELDS_BY_NAME
from playground.tips import CONTROL_TIPS, FEATURE_TIPS
from widgets import theme
from widgets.controls import (IntBox, RefusalNote, ValueSlider, attach_note, clear_refusal,
                              section_label, send)

#: Thumbnail side and the side of a point's marker on it, in pixels; a panel with height to
#: spare (a 1920 x 1080 window) draws larger thumbnails, up to THUMB_MAX, keeping THUMB_SLACK.
THUMB = 34
THUMB_MAX = 64
THUMB_SLACK = 4
THUMB_COLUMNS = 3
THUMB_MARKER = 3.4
#: Least width of a data slider's groove (its value is written beside it).
SLIDER_MIN_WIDTH = 64
POINT_LADDER = (20, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000)
BATCH_LADDER = (1, 2, 3, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 200, 256, 500, 1000,
                2000, 5000)
#: Each row's tooltip (the row's label and its control share it): its field's doc (playground.fields, the one place for the help text).
ROW_TIPS = {row: FIELDS_BY_NAME[name].doc for row, name in (
    ("Classes", "n_classes"), ("Noise", "noise"), ("Points", "n_points"),
    ("Training", "train_ratio"), ("Batch size", "batch_size"))}


def dataset_thumbnail(name: str, size: int = THUMB) -> QPixmap:
    """A small picture of data set ``name`` (``size`` pixels square): see ``points_picture``."""
    points, labels, task = pipeline.preview(name)
    # markers grow more slowly than the picture: larger ones would cover each other
    return points_picture(points, labels, task, size, THUMB_MARKER * (size / THUMB) ** 0.5)


def points_picture(points: np.ndarray, labels: np.ndarray, task: str, size: int,
                   marker: float) -> QPixmap:
    """A ``size`` x ``size`` picture of ``points`` (n, 2), x to the right and y up, scaled to
    fit with a marker's width to spare at each edge; each point is drawn ``marker`` pixels wide
    with its class's marker and colour (``labels`` (n,), the boundary view's markers), or for
    regression (``task``) as a circle in the colour of its value."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor("#FFFFFF"))
    lo, hi = points.min(axis=0), points.max(axis=0)
    scale = (size - 2 * marker) / max(float(np.max(hi - lo)), 1e-9)
    centre = (lo + hi) / 2
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    if task == "regression":
        span = max(float(labels.max() - labels.min()), 1e-9)
        colors = [theme.DIVERGING.map((v - labels.min()) / span, mode="qcolor") for v in labels]
        shapes = [Symbols[theme.SYMBOLS["circle"]]] * len(labels)
    else:
        colors = [theme.class_color(int(k)) for k in labels]
        shapes = [Symbols[theme.class_symbol(int(k))] for k in labels]
    for (x, y), color, shape in zip(points, colors, shapes):
        painter.setBrush(color)
        painter.save()
        painter.translate(size / 2 + (x - centre[0]) * scale, size / 2 - (y - centre[1]) * scale)
        painter.scale(marker, marker)
        painter.drawPath(shape)
        painter.restore()
    painter.end()
    return pixmap


class DataPanel(QWidget):
    """Data set picker with thumbnails and the data, batch and feature settings."""

    def __init__(self, experiment, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment = experiment
        inner = QWidget()
        layout = QVBoxLayout(inner)
        # Dense enough that every example fits a 1280 x 720 window without scrolling.
        layout.setContentsMargins(10, 4, 10, 4)
        layout.setSpacing(6)

        header = QHBoxLayout()
        header.addWidget(section_label("Data set"), 0, Qt.AlignmentFlag.AlignBottom)
        header.addStretch(1)
        self.regenerate = QToolButton()
        self.regenerate.setIcon(theme.icon("refresh"))
        self.regenerate.setText("Regenerate")
        self.regenerate.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.regenerate.setToolTip(CONTROL_TIPS["regenerate"])
        self.regenerate.clicked.connect(self._on_regenerate_clicked)
        header.addWidget(self.regenerate)
        layout.addLayout(header)
        self.dataset_buttons: dict[str, QToolButton] = {}
        self._dataset_group = QButtonGroup(self)
        grid = QGridLayout()
        grid.setSpacing(2)
        for i, name in enumerate(catalog.dataset_names()):
            button = QToolButton()
            button.setProperty("role", "dataset")
            button.setCheckable(True)
            button.setIcon(QIcon(dataset_thumbnail(name)))
            button.setIconSize(QSize(THUMB, THUMB))
            button.setText(catalog.dataset_label(name, short=True))
            button.setFont(theme.font(-1))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            button.setToolTip(f"{catalog.dataset_label(name)} "
                              f"({catalog.TASK_LABELS[catalog.dataset_task(name)]})")
            button.clicked.connect(lambda _=False, n=name: self._on_dataset_clicked(n))
            self._dataset_group.addButton(button)
            self.dataset_buttons[name] = button
            grid.addWidget(button, i // THUMB_COLUMNS, i % THUMB_COLUMNS)
        layout.addLayout(grid)

        form = QGridLayout()
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(3)
        self.classes = IntBox(int(FIELDS_BY_NAME["n_classes"].low),
                              int(FIELDS_BY_NAME["n_classes"].high))
        self.classes.valueChanged.connect(self._on_classes_value_changed)
        self.noise = ValueSlider(np.round(np.linspace(0, 0.5, 51), 2), lambda v: f"{v:.2f}")
        self.noise.value_chosen.connect(lambda v: send(experiment, "noise", float(v), self.noise))
        self.points = ValueSlider(POINT_LADDER, lambda v: f"{int(v)}")
        self.points.value_chosen.connect(lambda v: send(experiment, "n_points", int(v),
                                                        self.points))
        self.train_ratio = ValueSlider(np.round(np.arange(0.1, 0.91, 0.05), 2),
                                       lambda v: f"{round(v * 100)}%")
        self.train_ratio.value_chosen.connect(
            lambda v: send(experiment, "train_ratio", float(v), self.train_ratio))
        self.batch = ValueSlider((1,), self._batch_text)
        self.batch.value_chosen.connect(lambda v: send(experiment, "batch_size", int(v),
                                                       self.batch))
        rows = (("Classes", self.classes), ("Noise", self.noise), ("Points", self.points),
                ("Training", self.train_ratio), ("Batch size", self.batch))
        self.row_labels = {}
        for r, (text, control) in enumerate(rows):
            self.row_labels[text] = QLabel(text)
            self.row_labels[text].setToolTip(ROW_TIPS[text])
            control.setToolTip(ROW_TIPS[text])
            if isinstance(control, ValueSlider):
                control.slider.setToolTip(ROW_TIPS[text])
            # every other row is left free: a refused value is explained under its control
            form.addWidget(self.row_labels[text], 2 * r, 0)
            form.addWidget(control, 2 * r, 1)
        form.setColumnStretch(1, 1)
        self._form = form
        # Room for the widest batch text ("4500 (all)" of 5000 points) beside a shorter slider,
        # in the narrowest column: a squeezed value label would cut its text. Every slider
        # gets the same, so their grooves line up.
        widest = QFontMetrics(theme.font(0, bold=True)).horizontalAdvance("8888 (all)")
        for slider in (self.noise, self.points, self.train_ratio, self.batch):
            slider.label.setMinimumWidth(widest + 2)
            slider.slider.setMinimumWidth(SLIDER_MIN_WIDTH)
        layout.addLayout(form)

        layout.addWidget(section_label("Input features"))
        features = QGridLayout()
        features.setHorizontalSpacing(8)
        features.setVerticalSpacing(2)
        self.feature_boxes: dict[str, QCheckBox] = {}
        for i, name in enumerate(catalog.feature_names()):
            box = QCheckBox(catalog.feature_label(name))
            box.setFont(theme.font(1))
            box.setToolTip(f"{catalog.feature_label(name)}: {FEATURE_TIPS.get(name, 'an input')}")
            box.toggled.connect(lambda on, n=name: self._on_feature_toggled(n, on))
            self.feature_boxes[name] = box
            features.addWidget(box, i // 2, i % 2)
        layout.addLayout(features)
        #: one note under the grid speaks for every feature box ("choose at least one")
        self.features_note = attach_note(RefusalNote(), *self.feature_boxes.values())
        layout.addWidget(self.features_note)
        self.normalize = QCheckBox("Normalize inputs")
        self.normalize.setToolTip(FIELDS_BY_NAME["normalize"].doc)
        self.normalize.toggled.connect(lambda on: send(experiment, "normalize", on,
                                                       self.normalize))
        layout.addWidget(self.normalize)
        layout.addStretch(1)

        inner.setMinimumWidth(262)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.scroll = scroll
        self._thumb = THUMB
        scroll.viewport().installEventFilter(self)
        experiment.state_changed.connect(self._on_experiment_state_changed)
        for name in ("dataset", "n_classes", "noise", "n_points", "train_ratio", "batch_size",
                     "features", "normalize"):
            self._on_experiment_state_changed(name)

    def thumbnail_size(self) -> int:
        """The side of the data-set thumbnails now, in pixels."""
        return self._thumb

    def eventFilter(self, obj, event) -> bool:         # noqa: N802 (Qt's name)
        if obj is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_thumbnails()
        return False

    def _fit_thumbnails(self) -> None:
        """Thumbnails grow into the height the panel can spare, the same whether or not the
        data set shows the Classes row (choosing another data set never resizes them)."""
        rows = -(-len(self.dataset_buttons) // THUMB_COLUMNS)
        need = self.scroll.widget().sizeHint().height() - rows * (self._thumb - THUMB)
        if self.classes.isHidden():
            need += self.classes.sizeHint().height() + self._form.verticalSpacing()
        spare = self.scroll.viewport().height() - need - THUMB_SLACK
        size = int(min(max(THUMB + spare // rows, THUMB), THUMB_MAX))
        if size == self._thumb:
            return
        self._thumb = size
        for name, button in self.dataset_buttons.items():
            button.setIcon(QIcon(dataset_thumbnail(name, size)))
            button.setIconSize(QSize(size, size))

    # ---- intent ---------------------------------------------------------------------------
    def _on_dataset_clicked(self, name: str) -> None:
        send(self.experiment, "dataset", name, self.dataset_buttons[name])
        self._on_experiment_state_changed("dataset")

    def _on_classes_value_changed(self, value: int) -> None:
        if not send(self.experiment, "n_classes", value, self.classes):
            self._on_experiment_state_changed("n_classes")

    def _on_regenerate_clicked(self) -> None:
        send(self.experiment, "data_seed", (self.experiment.data_seed + 1) % (2**31 - 1),
             self.regenerate)

    def _on_feature_toggled(self, name: str, on: bool) -> None:
        chosen = [n for n in catalog.feature_names()
                  if (n == name and on) or (n != name and n in self.experiment.features)]
        if not send(self.experiment, "features", tuple(chosen), self.feature_boxes[name]):
            self._on_experiment_state_changed("features")

    def _batch_text(self, v) -> str:
        return f"{int(v)} (all)" if int(v) >= self.experiment.n_train else f"{int(v)}"

    # ---- model -> controls ----------------------------------------------------------------
    def _on_experiment_state_changed(self, name: str) -> None:
        e = self.experiment
        if name == "dataset":
            for key, button in self.dataset_buttons.items():
                with QSignalBlocker(button):
                    button.setChecked(key == e.dataset)
            takes_classes = catalog.dataset_takes_classes(e.dataset)
            self.classes.setVisible(takes_classes)
            self.row_labels["Classes"].setVisible(takes_classes)
            if not takes_classes:
                clear_refusal(self.classes)
        elif name == "n_classes":
            with QSignalBlocker(self.classes):
                self.classes.setValue(e.n_classes)
        elif name == "noise":
            self.noise.set_value(e.noise)
        elif name == "n_points":
            self.points.set_value(e.n_points)
            self._refresh_batch_ladder()
        elif name == "train_ratio":
            self.train_ratio.set_value(e.train_ratio)
            self._refresh_batch_ladder()
        elif name == "batch_size":
            self.batch.set_value(e.batch_size)
        elif name == "features":
            for key, box in self.feature_boxes.items():
                with QSignalBlocker(box):
                    box.setChecked(key in e.features)
        elif name == "normalize":
            with QSignalBlocker(self.normalize):
                self.normalize.setChecked(e.normalize)

    def _refresh_batch_ladder(self) -> None:
        n_train = self.experiment.n_train
        ladder = sorted({v for v in BATCH_LADDER if v < n_train} | {n_train})
        self.batch.set_values(ladder)
        self.batch.set_value(self.experiment.batch_size)
