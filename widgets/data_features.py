"""The Data panel's input features of the 2-D point sets: a check box per feature the network
is given (x1, x2, their squares, product and sines), with one note under them for a refused
choice (the last one cannot be turned off), and "Normalize inputs". Every click calls
``experiment.set``; the boxes follow the experiment under signal blockers."""
from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QCheckBox, QGridLayout, QVBoxLayout, QWidget

from playground import catalog
from playground.fields import FIELDS_BY_NAME
from playground.tips import FEATURE_TIPS
from widgets import theme
from widgets.controls import RefusalNote, attach_note, section_label, send


class InputFeatures(QWidget):
    """The input feature boxes and the normalization box of the experiment's point set."""

    def __init__(self, experiment, spacing: int = 6, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment = experiment
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(spacing)
        self.title = section_label("Input features")
        layout.addWidget(self.title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        self.boxes: dict[str, QCheckBox] = {}
        for i, name in enumerate(catalog.feature_names()):
            box = QCheckBox(catalog.feature_label(name))
            box.setFont(theme.font(1))
            box.setToolTip(f"{catalog.feature_label(name)}: {FEATURE_TIPS.get(name, 'an input')}")
            box.toggled.connect(lambda on, n=name: self._on_feature_toggled(n, on))
            self.boxes[name] = box
            grid.addWidget(box, i // 2, i % 2)
        layout.addLayout(grid)
        #: one note under the grid speaks for every feature box ("choose at least one")
        self.note = attach_note(RefusalNote(), *self.boxes.values())
        layout.addWidget(self.note)
        self.normalize = QCheckBox("Normalize inputs")
        self.normalize.setToolTip(FIELDS_BY_NAME["normalize"].doc)
        self.normalize.toggled.connect(lambda on: send(experiment, "normalize", on,
                                                       self.normalize))
        layout.addWidget(self.normalize)
        experiment.state_changed.connect(self._on_experiment_state_changed)
        for name in ("features", "normalize"):
            self._on_experiment_state_changed(name)

    # ---- intent ---------------------------------------------------------------------------
    def _on_feature_toggled(self, name: str, on: bool) -> None:
        chosen = [n for n in catalog.feature_names()
                  if (n == name and on) or (n != name and n in self.experiment.features)]
        if not send(self.experiment, "features", tuple(chosen), self.boxes[name]):
            self._on_experiment_state_changed("features")

    # ---- model -> controls ----------------------------------------------------------------
    def _on_experiment_state_changed(self, name: str) -> None:
        if name == "features":
            for key, box in self.boxes.items():
                with QSignalBlocker(box):
                    box.setChecked(key in self.experiment.features)
        elif name == "normalize":
            with QSignalBlocker(self.normalize):
                self.normalize.setChecked(self.experiment.normalize)
