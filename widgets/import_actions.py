"""File > Import images...: the user's own pictures (a folder with one sub-folder per class) or
IDX files they have, as the experiment's data set.

    self.import_actions = import_actions.install(self)     # in MainWindow, once its menus exist

The dialog chooses the source and, for a folder, the size and colour the pictures are turned
into; the reading happens on a thread (a large folder takes a while and the window keeps
drawing), then the dialog shows what was imported and what was skipped and why, and the
experiment learns the new set (``playground.image_folder.experiment_changes``). A refusal (no
class folders, a corrupt IDX file) is shown in the dialog and changes nothing.
"""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLineEdit, QPlainTextEdit,
                               QPushButton, QRadioButton, QSpinBox, QVBoxLayout, QWidget)

from playground.experiment import InvalidValue
from playground.image_folder import (MAX_IMPORT_SIDE, MIN_SIDE, MODES, experiment_changes,
                                     import_folder, import_idx)

SOURCES = ("folder", "idx")
SOURCE_LABELS = {"folder": "A folder with one sub-folder of pictures per class (PNG, JPEG)",
                 "idx": "IDX files: one of images, one of labels (as MNIST comes)"}
IDX_FILTER = "IDX files (*idx* *.gz *ubyte*);;All files (*)"


class ImportDialog(QDialog):
    """Choose what to import; shows the outcome. Signals: ``import_finished(report)`` once the
    experiment learns the new set, ``import_failed(message)`` when nothing was imported."""

    import_finished = Signal(object)
    import_failed = Signal(str)
    _read = Signal(object, str)          # (report or None, error): from the reading thread

    def __init__(self, experiment, parent: QWidget | None = None, show_message=None):
        super().__init__(parent)
        self.setWindowTitle("Import images")
        self.experiment = experiment
        self._show_message = show_message
        self._thread: threading.Thread | None = None
        self.report = None
        layout = QVBoxLayout(self)
        self.source_buttons = {}
        group = QButtonGroup(self)
        for key in SOURCES:
            button = QRadioButton(SOURCE_LABELS[key])
            group.addButton(button)
            self.source_buttons[key] = button
            button.toggled.connect(self._on_source_toggled)
            layout.addWidget(button)
        form = QFormLayout()
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("the folder that holds the class folders")
        form.addRow("Folder", self._with_chooser(self.folder, self._on_choose_folder_clicked))
        self.size = QSpinBox()
        self.size.setRange(MIN_SIDE, MAX_IMPORT_SIDE)
        self.size.setValue(28)
        self.size.setSuffix(" px")
        self.size.setToolTip("Every picture is resized (stretched) to this height and width")
        form.addRow("Size", self.size)
        self.colour = QComboBox()
        self.colour.addItems([{"grey": "Grey", "rgb": "Colour (RGB)"}[m] for m in MODES])
        form.addRow("Colour", self.colour)
        self.images_file = QLineEdit()
        self.images_file.setPlaceholderText("train-images-idx3-ubyte.gz, say")
        form.addRow("Images", self._with_chooser(self.images_file,
                                                 lambda: self._on_choose_file_clicked(
                                                     self.images_file, "the images")))
        self.labels_file = QLineEdit()
        self.labels_file.setPlaceholderText("train-labels-idx1-ubyte.gz, say")
        form.addRow("Labels", self._with_chooser(self.labels_file,
                                                 lambda: self._on_choose_file_clicked(
                                                     self.labels_file, "the labels")))
        self.form = form
        layout.addLayout(form)
        self.outcome = QPlainTextEdit()
        self.outcome.setReadOnly(True)
        self.outcome.setPlaceholderText("What was imported, and each file skipped with why")
        self.outcome.setMinimumHeight(120)
        layout.addWidget(self.outcome)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.import_button = self.buttons.addButton("Import",
                                                    QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.clicked.connect(self._on_import_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._read.connect(self._on_read)
        self.source_buttons["folder"].setChecked(True)

    def _with_chooser(self, edit: QLineEdit, choose) -> QWidget:
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(edit, 1)
        button = QPushButton("Choose\u2026")
        button.clicked.connect(choose)
        box.addWidget(button)
        return row

    # ---- the form ---------------------------------------------------------------------------
    @property
    def source(self) -> str:
        return next(k for k, b in self.source_buttons.items() if b.isChecked())

    def _on_source_toggled(self, _checked: bool = False) -> None:
        if not any(b.isChecked() for b in self.source_buttons.values()):
            return
        folder = self.source == "folder"
        for field, shown in ((self.folder, folder), (self.size, folder), (self.colour, folder),
                             (self.images_file, not folder), (self.labels_file, not folder)):
            self.form.setRowVisible(field.parentWidget() if isinstance(field, QLineEdit)
                                    else field, shown)

    def _on_choose_folder_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import the pictures of",
                                                self.folder.text() or str(Path.home()))
        if path:
            self.folder.setText(path)

    def _on_choose_file_clicked(self, edit: QLineEdit, what: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"The IDX file of {what}",
                                              edit.text() or str(Path.home()), IDX_FILTER)
        if path:
            edit.setText(path)

    # ---- importing --------------------------------------------------------------------------
    def start_import(self) -> bool:
        """Read what the form names on a thread; False (with the reason shown) when the form is
        not filled in or a reading is already on its way."""
        if self._thread is not None and self._thread.is_alive():
            return False
        if self.source == "folder":
            if not self.folder.text().strip():
                return self._fail("Choose the folder to import.")
            job = (import_folder, (self.folder.text().strip(), self.size.value(),
                                   tuple(MODES)[self.colour.currentIndex()]))
        else:
            if not self.images_file.text().strip() or not self.labels_file.text().strip():
                return self._fail("Choose the IDX file of the images and the one of the labels.")
            job = (import_idx, (self.images_file.text().strip(), self.labels_file.text().strip()))
        self.import_button.setEnabled(False)
        self.outcome.setPlainText("Reading the images\u2026")
        self._thread = threading.Thread(target=self._run, args=job, daemon=True,
                                        name="import-images")
        self._thread.start()
        return True

    def _run(self, function, args) -> None:
        try:
            report = function(*args)
        except (ValueError, OSError) as error:
            self._read.emit(None, str(error).splitlines()[0] if str(error) else
                            type(error).__name__)
            return
        self._read.emit(report, "")

    def _on_import_clicked(self) -> None:
        self.start_import()

    def _on_read(self, report, error: str) -> None:
        self.import_button.setEnabled(True)
        if report is None:
            self._fail(f"Nothing was imported: {error}")
            return
        try:
            self.experiment.update(experiment_changes(self.experiment.values(), report.name))
        except InvalidValue as refusal:
            self._fail(f"The images were read, but the experiment cannot learn them: {refusal}")
            return
        self.report = report
        self.outcome.setStyleSheet("")
        self.outcome.setPlainText(report.summary())
        if self._show_message is not None:
            c, h, w = report.data.image_shape
            self._show_message(f"Imported {report.title}: {len(report.data)} images "
                               f"{h}x{w}, {len(report.data.class_names)} classes")
        self.import_finished.emit(report)

    def _fail(self, message: str) -> bool:
        self.outcome.setStyleSheet("color: #c0392b;")
        self.outcome.setPlainText(message)
        self.import_failed.emit(message)
        return False

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the reading thread (tests, closing)."""
        if self._thread is not None:
            self._thread.join(timeout)


class ImportActions(QObject):
    """The File menu's "Import images..." action and the dialog it opens; the Data panel's
    "Import images..." button triggers the same action."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.dialog: ImportDialog | None = None
        self.action = QAction("&Import Images\u2026", window)
        self.action.setToolTip("Learn your own pictures: a folder with one sub-folder per "
                               "class, or IDX files")
        self.action.triggered.connect(self.open_dialog)
        menu = window.file_menu
        actions = menu.actions()
        before = actions[-1] if actions else None        # above Quit
        menu.insertAction(before, self.action) if before else menu.addAction(self.action)
        if before is not None:
            menu.insertSeparator(before)
        panel = getattr(window, "data_panel", None)     # its "Import images..." button
        if panel is not None and hasattr(panel, "import_requested"):
            panel.import_requested.connect(self.action.trigger)

    def open_dialog(self) -> ImportDialog:
        if self.dialog is None:
            self.dialog = ImportDialog(self.window.experiment, self.window,
                                       getattr(self.window, "show_message", None))
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog


def install(window) -> ImportActions:
    """Add File > Import images... to ``window`` (it has ``file_menu`` and ``experiment``)."""
    return ImportActions(window)
