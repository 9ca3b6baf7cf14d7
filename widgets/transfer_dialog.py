"""File > New from a saved network...: start a new experiment from the layers of a saved one.

The dialog shows the saved network's layers; the person ticks which to copy (settings and trained
weights) and which of those to freeze, says which classes the new experiment learns and how many
training images per class it keeps, and the learning-rate factor the copied layers fine-tune
with. ``playground.transfer`` builds the experiment; the window opens it like a file (its weights
go through the session's document path). "Compare with training from scratch" opens it too, then
trains it in Tools > Compare runs beside the same network learnt from scratch on the same
examples (``transfer.scratch_variants``): both curves in one plot. ``install(window)`` adds the
menu entry.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from playground import files, transfer
from playground.experiment import InvalidValue
from playground.fields import FIELDS_BY_NAME, MAX_LR_SCALE

COLUMNS = ("Layer", "Weights", "Copy", "Freeze")


class TransferDialog(QDialog):
    """Choose a saved network and what to take from it; ``document`` holds the new experiment
    once the dialog is accepted."""

    def __init__(self, parent: QWidget | None = None, start_folder: str = ""):
        super().__init__(parent)
        self.setWindowTitle("New from a saved network")
        self.source: files.Document | None = None
        self.document: files.Document | None = None
        #: what made ``document``: {"copy", "freeze", "copied_lr_scale"} (layer indices)
        self.choice: dict = {}
        #: True when the person asked to compare with training from scratch
        self.compare_asked = False
        self._folder = start_folder
        self._copy: list[QCheckBox] = []
        self._freeze: list[QCheckBox] = []

        self.file_label = QLabel("No network chosen yet.")
        self.file_label.setWordWrap(True)
        self.choose_button = QPushButton("Choose a file\u2026")
        self.choose_button.clicked.connect(self._on_choose_clicked)
        top = QHBoxLayout()
        top.addWidget(self.file_label, 1)
        top.addWidget(self.choose_button)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(240)
        self.table.setToolTip("Copied layers keep their settings and trained weights; the others "
                              "start afresh from the seed. A frozen layer does not train.")

        self.classes = QLineEdit()
        self.classes.setPlaceholderText("the saved network's classes, e.g. 5-9 or 5, 6, 7")
        self.classes.setToolTip(FIELDS_BY_NAME["classes"].doc)
        self.per_class = QSpinBox()
        self.per_class.setRange(0, int(FIELDS_BY_NAME["per_class"].high))
        self.per_class.setSpecialValueText("all")
        self.per_class.setToolTip(FIELDS_BY_NAME["per_class"].doc)
        self.scale = QDoubleSpinBox()
        self.scale.setDecimals(3)
        self.scale.setRange(0.001, MAX_LR_SCALE)
        self.scale.setSingleStep(0.05)
        self.scale.setValue(transfer.FINE_TUNE_SCALE)
        self.scale.setToolTip("Copied layers that are not frozen train at this times the "
                              "learning rate (lr_layer = lr \u00b7 factor): they start good "
                              "and should change slowly. New layers train at the full rate.")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Seed of the new layers' initial weights and the batch order")
        form = QFormLayout()
        form.addRow("Classes to learn", self.classes)
        form.addRow("Training images per class", self.per_class)
        form.addRow("Fine-tuning rate \u00d7", self.scale)
        form.addRow("Seed", self.seed)

        self.note = QLabel("")
        self.note.setObjectName("transferNote")
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.addButton("Create",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setEnabled(False)
        self.compare_button = self.buttons.addButton("Compare with training from scratch",
                                                     QDialogButtonBox.ButtonRole.ActionRole)
        self.compare_button.setToolTip("Create the experiment, then train it in Tools > "
                                       "Compare runs beside the same network learnt from "
                                       "scratch on the same examples: both curves in one plot")
        self.compare_button.setEnabled(False)
        self.compare_button.clicked.connect(self._on_compare_clicked)
        self.buttons.accepted.connect(self._on_create_clicked)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.resize(600, 640)

    # ---- intent ---------------------------------------------------------------------------------
    def _on_choose_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "A saved network to start from",
                                              self._folder,
                                              f"Experiments (*{files.EXTENSION})")
        if path:
            self.open_file(path)

    def open_file(self, path) -> bool:
        """Read the file at ``path`` and list its layers; a bad file is named in the note."""
        try:
            doc = files.load(path)
        except files.FileFormatError as error:
            self.note.setText(f"{Path(path).name} cannot be read: {error.problem}")
            return False
        return self.set_source(doc, Path(path).name)

    def set_source(self, doc: files.Document, name: str) -> bool:
        """List ``doc``'s layers to choose from (a network without trained weights is refused
        in the note)."""
        if doc.trainer is None:
            self.note.setText(f"{name} holds no trained network: train it and save it first.")
            return False
        self.source = doc
        self.file_label.setText(f"{name}: {files.summary(doc)}")
        self.seed.setValue(int(doc.values["seed"]))
        self._fill_table(transfer.layer_rows(doc))
        self.note.setText("")
        self.create_button.setEnabled(True)
        self.compare_button.setEnabled(True)
        return True

    def _fill_table(self, rows: list[dict]) -> None:
        self.table.setRowCount(len(rows))
        self._copy, self._freeze = [], []
        for r, row in enumerate(rows):
            self.table.setItem(r, 0, _item(row["label"]))
            self.table.setItem(r, 1, _item(f"{row['params']:,}" if row["params"] else "\u2013"))
            copy, freeze = QCheckBox(), QCheckBox()
            has_weights = row["params"] > 0
            copy.setChecked(has_weights and not row["output"])
            copy.setEnabled(has_weights)
            freeze.setEnabled(has_weights and not row["output"])
            if row["output"]:
                copy.setToolTip("The output layer can be copied only when the new experiment "
                                "learns the same classes")
            self.table.setCellWidget(r, 2, _centred(copy))
            self.table.setCellWidget(r, 3, _centred(freeze))
            freeze.toggled.connect(lambda on, c=copy: on and c.setChecked(True))
            copy.toggled.connect(lambda on, f=freeze: on or f.setChecked(False))
            self._copy.append(copy)
            self._freeze.append(freeze)

    def copy_box(self, row: int) -> QCheckBox:
        return self._copy[row]

    def freeze_box(self, row: int) -> QCheckBox:
        return self._freeze[row]

    def _on_create_clicked(self) -> None:
        self.compare_asked = False
        if self._make():
            self.accept()

    def _on_compare_clicked(self) -> None:
        self.compare_asked = True
        if self._make():
            self.accept()

    def _make(self) -> bool:
        """Build ``document`` from the ticks; False (and the reason in the note) when it
        cannot be done."""
        if self.source is None:
            return False
        try:
            changes = {"seed": self.seed.value(), "per_class": self.per_class.value()}
            classes = transfer.parse_classes(self.classes.text())
            if classes:
                changes["classes"] = classes
            self.choice = {"copy": [i for i, box in enumerate(self._copy) if box.isChecked()],
                           "freeze": [i for i, box in enumerate(self._freeze)
                                      if box.isChecked()],
                           "copied_lr_scale": self.scale.value()}
            self.document = transfer.transfer(self.source, changes, **self.choice)
        except (ValueError, InvalidValue) as error:
            self.document = None
            self.note.setText(str(error))
            return False
        return True


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def _centred(box: QCheckBox) -> QWidget:
    holder = QWidget()
    layout = QHBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
    layout.addWidget(box)
    return holder


class TransferActions(QObject):
    """File > New from a saved network...: the dialog, then the window opens the result."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.action = QAction("New from a &saved network\u2026", window)
        self.action.setStatusTip("Start a new experiment from the trained layers of a saved "
                                 "one (transfer learning)")
        self.action.triggered.connect(lambda checked=False: self.ask())
        menu = window.file_menu
        actions = menu.actions()
        after = next((i for i, a in enumerate(actions) if a.text().startswith("&Open")), None)
        if after is not None and after + 1 < len(actions):
            menu.insertAction(actions[after + 1], self.action)
        else:
            menu.addAction(self.action)
        self.dialog: TransferDialog | None = None

    def ask(self) -> bool:
        """Show the dialog; open the experiment it makes (False when cancelled), and when
        asked compare it with training from scratch."""
        actions = self.window.file_actions
        if not actions.maybe_save():
            return False
        self.dialog = TransferDialog(self.window)
        if self.dialog.exec() != QDialog.DialogCode.Accepted or self.dialog.document is None:
            return False
        if self.dialog.compare_asked:
            return self.compare(self.dialog)
        return self.open(self.dialog.document)

    def open(self, doc: files.Document) -> bool:
        return self.window.file_actions.open_document(doc, None, doc.title)

    def compare(self, dialog: TransferDialog) -> bool:
        """Open the dialog's experiment, then train it in Tools > Compare runs beside the same
        network learnt from scratch (the compare window's epochs each)."""
        doc = dialog.document
        if not self.open(doc):
            return False
        window = self.window.tool_windows.show_compare()
        try:
            variant_list = transfer.scratch_variants(doc.values, dialog.source,
                                                     base=self.window.experiment.values(),
                                                     **dialog.choice)
        except (ValueError, InvalidValue) as error:
            window.show_message(str(error), error=True)
            return False
        return window.start(variant_list)


def install(window) -> TransferActions:
    window.transfer_actions = TransferActions(window)
    return window.transfer_actions
