"""The Data panel's class subset of an image set: which of its classes to learn (a toggle
button per class, all on = all of them) and at most how many training images per class.
Every click calls ``experiment.set``; a refused choice (fewer than two classes) is explained
under the buttons and the buttons go back to the experiment's classes."""
from functools import lru_cache

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from playground import catalog
from playground.fields import FIELDS_BY_NAME
from widgets import theme
from widgets.cell_flow import CellFlowLayout
from widgets.controls import IntBox, RefusalNote, attach_note, send

#: At most this many class buttons in a row (ten short names: two rows); long names take
#: fewer to a row, on more rows, so every name shows in full.
CLASS_COLUMNS = 5


@lru_cache(maxsize=None)
def _builtin_class_names(name: str) -> tuple:
    from playground import image_data
    if name == "digits":
        return image_data.digits_data().class_names
    if name == "shapes":
        return image_data.shapes_data(n=40).class_names
    from playground import downloads
    return downloads.DOWNLOADS[name].class_names       # known before the set is downloaded


def class_names(name: str) -> tuple:
    """The class names of image set ``name`` (its numbers when they cannot be read)."""
    from playground import image_data
    try:
        if image_data.is_imported(name):
            return image_data.imported_set(name).class_names
        return _builtin_class_names(name)
    except (ValueError, OSError, KeyError):
        return tuple(str(i) for i in range(catalog.image_class_count(name)))


class ClassSubset(QWidget):
    """Toggle buttons for the classes of the experiment's image set, and the images per class."""

    def __init__(self, experiment, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment = experiment
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.title = QLabel("Classes used")
        self.title.setToolTip(FIELDS_BY_NAME["classes"].doc)
        layout.addWidget(self.title)
        self._grid = CellFlowLayout(max_columns=CLASS_COLUMNS, spacing=2)
        layout.addLayout(self._grid)
        self.class_buttons: list[QToolButton] = []
        self.note = RefusalNote()
        layout.addWidget(self.note)
        row = QGridLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setHorizontalSpacing(8)
        self.per_class_label = QLabel("Images per class")
        self.per_class = IntBox(int(FIELDS_BY_NAME["per_class"].low),
                                int(FIELDS_BY_NAME["per_class"].high), zero_text="all")
        for w in (self.per_class_label, self.per_class):
            w.setToolTip(FIELDS_BY_NAME["per_class"].doc + ". 0 = all")
        # (its typed-number range would ask for a wide box and cut the label beside it)
        self.per_class.setMinimumWidth(theme.px(64))
        self.per_class.setMaximumWidth(theme.px(110))
        self.per_class.valueChanged.connect(self._on_per_class_value_changed)
        row.addWidget(self.per_class_label, 0, 0)
        row.addWidget(self.per_class, 0, 1)
        row.setColumnStretch(1, 1)
        layout.addLayout(row)
        self._names: tuple = ()
        experiment.state_changed.connect(self._on_experiment_state_changed)
        self._on_experiment_state_changed("dataset")

    # ---- intent ---------------------------------------------------------------------------
    def _on_class_toggled(self, index: int) -> None:
        on = [i for i, b in enumerate(self.class_buttons) if b.isChecked()]
        value = () if len(on) == len(self.class_buttons) else tuple(on)
        if not send(self.experiment, "classes", value, self.class_buttons[index]):
            self._show_classes()

    def _on_per_class_value_changed(self, value: int) -> None:
        if not send(self.experiment, "per_class", int(value), self.per_class):
            self._show_per_class()

    # ---- model -> controls ----------------------------------------------------------------
    def _on_experiment_state_changed(self, name: str) -> None:
        if name == "dataset":
            self._rebuild()
        elif name == "classes":
            self._show_classes()
        elif name == "per_class":
            self._show_per_class()

    def _rebuild(self) -> None:
        dataset = self.experiment.dataset
        image = catalog.is_image_dataset(dataset)
        self.setVisible(image)
        names = class_names(dataset) if image else ()
        if names != self._names:
            self._names = names
            for button in self.class_buttons:
                self._grid.removeWidget(button)
                button.deleteLater()
            self.class_buttons = []
            for i, text in enumerate(names):
                button = QToolButton()
                button.setCheckable(True)
                button.setText(text)
                button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
                button.setFont(theme.font(-1))
                button.setToolTip(f"Class {i}: {text}. On: the network learns it "
                                  f"(at least two classes stay on)")
                button.clicked.connect(lambda _=False, k=i: self._on_class_toggled(k))
                self._grid.addWidget(button)
                self.class_buttons.append(button)
            attach_note(self.note, *self.class_buttons)
        self._show_classes()
        self._show_per_class()

    def _show_classes(self) -> None:
        chosen = set(self.experiment.get("classes") or range(len(self.class_buttons)))
        for i, button in enumerate(self.class_buttons):
            with QSignalBlocker(button):
                button.setChecked(i in chosen)

    def _show_per_class(self) -> None:
        with QSignalBlocker(self.per_class):
            self.per_class.setValue(int(self.experiment.get("per_class")))

    def chosen(self) -> tuple:
        """The class numbers whose buttons are on."""
        return tuple(i for i, b in enumerate(self.class_buttons) if b.isChecked())
