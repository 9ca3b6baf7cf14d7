"""Tools > Compare runs: variants of the open experiment trained side by side, live.

The window lists what varies (a setting and its values, or one of the ready comparisons:
the optimizers on this data, the same network with five seeds, and, for an experiment with a
transfer plan (``playground.transfer.plan_of``: the transfer example and lesson), transfer
against learning from scratch), trains the variants in worker processes
(``playground.compare.Comparison``), overlays their curves as they come in, with a legend,
and fills a sortable table of their final metrics and time. In a transfer comparison the
transferred runs share one colour and the runs from scratch another, one line style per seed.
A variant opens as an experiment of its own; the table exports as CSV and the curves as PNG.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget,
                               QProgressBar, QPushButton, QSpinBox, QSplitter,
                               QVBoxLayout, QWidget)

from playground import compare, files, palette, transfer
from playground.fields import FIELDS
from playground.processes import cores
from widgets.tool_window_parts import NumberItem, ToolWindowParts

POLL_MS = 100
CURVES = {"test_loss": "Test loss", "train_loss": "Training loss",
          "test_accuracy": "Test accuracy", "train_accuracy": "Training accuracy"}
#: Line styles of a transfer comparison's seeds (a transfer run and its scratch twin share one).
SEED_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine,
               Qt.PenStyle.DashDotLine)
COLUMNS = (("variant", "Variant"), ("status", "Status"), ("train_loss", "Training loss"),
           ("test_loss", "Test loss"), ("test_accuracy", "Test accuracy"),
           ("seconds", "Seconds"))


class CompareWindow(ToolWindowParts, QWidget):
    """Compare runs of ``main_window``'s experiment."""

    def __init__(self, main_window, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.main_window = main_window
        self.experiment = main_window.experiment
        self.setWindowTitle("Compare runs")
        self.comparison: compare.Comparison | None = None
        self.vary: dict = {}
        self._curves: list = []

        # ---- what varies -------------------------------------------------------------------
        self.setting = QComboBox()
        for f in FIELDS:
            if f.kind in compare.VARIABLE_KINDS and f.effect in ("data", "network", "live"):
                self.setting.addItem(f.title, f.name)
        self.setting.setToolTip("The setting the variants differ in")
        self.values = QLineEdit()
        self.values.setPlaceholderText("values, separated by commas: 0.01, 0.1, 1")
        self.values.setToolTip("The values it takes, one variant each (with several settings: "
                               "every combination)")
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip("Vary this setting too")
        self.add_button.clicked.connect(self._on_add_clicked)
        self.values.returnPressed.connect(self._on_add_clicked)
        self.values.textChanged.connect(self._update_buttons)
        self.varied = QListWidget()
        self.varied.setMaximumHeight(72)
        self.varied.setToolTip("What varies; select one and press Delete to remove it")
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.optimizers_button = QPushButton("Compare the optimizers")
        self.optimizers_button.setToolTip("SGD, momentum, RMSProp and Adam on this data, each "
                                          "at its usual learning rate")
        self.optimizers_button.clicked.connect(lambda: self.start(
            compare.optimizer_variants(self.experiment.values())))
        self.seeds_button = QPushButton("Same network, five seeds")
        self.seeds_button.setToolTip("How much of a result is luck: the same settings with "
                                     "five weight seeds")
        self.seeds_button.clicked.connect(lambda: self.start(
            compare.seed_variants(self.experiment.values(), 5)))
        self.transfer_button = QPushButton("Transfer vs from scratch")
        self.transfer_button.clicked.connect(self.compare_transfer)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100_000)
        self.epochs.setValue(30)
        self.epochs.setSuffix(" epochs")
        self.epochs.setToolTip("How long each variant trains, from fresh weights")
        self.workers = QSpinBox()
        self.workers.setRange(1, 64)
        self.workers.setValue(cores())
        self.workers.setToolTip("Variants trained at the same time, one process each")
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Train every combination of the varied values")
        self.start_button.clicked.connect(self._on_start_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop every variant now")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m variants")
        self.message = QLabel("")
        self.message.setWordWrap(True)

        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.setting)
        row.addWidget(self.values, 1)
        row.addWidget(self.add_button)
        form.addRow("Vary", row)
        row = QHBoxLayout()
        row.addWidget(self.varied, 1)
        row.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignTop)
        form.addRow("", row)
        row = QHBoxLayout()
        row.addWidget(self.epochs)
        row.addWidget(QLabel("in"))
        row.addWidget(self.workers)
        row.addWidget(QLabel("processes"))
        row.addStretch(1)
        form.addRow("Each", row)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.optimizers_button, self.seeds_button,
                  self.transfer_button, self.cancel_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.progress, 1)

        # ---- what it shows -------------------------------------------------------------------
        self.curve_choice = QComboBox()
        for key, label in CURVES.items():
            self.curve_choice.addItem(label, key)
        self.curve_choice.setToolTip("The curve each variant draws")
        self.curve_choice.currentIndexChanged.connect(self._redraw_all)
        self.plot = pg.PlotWidget()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("bottom", "step")
        self.plot.setMenuEnabled(False)
        self.legend = self.plot.addLegend(offset=(-10, 10), brush=(255, 255, 255, 200))
        self.plot.setLabel("left", CURVES["test_loss"])
        self.plot.getAxis("left").enableAutoSIPrefix(False)     # accuracies as 0.6, not 600
        self.table = self.results_table(len(COLUMNS), "Final metrics of each variant; click a "
                                                      "heading to sort")
        self.table.setHorizontalHeaderLabels([t for _, t in COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # the variants' own order until a heading is clicked (Qt would sort by the first
        # column, descending)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        for col in range(1, len(COLUMNS)):
            self.table.horizontalHeader().setSectionResizeMode(
                col, QHeaderView.ResizeMode.ResizeToContents)
        self.open_button = QPushButton("Open as experiment")
        self.open_button.setToolTip("Open the selected variant in the main window (fresh "
                                    "weights: press play to train it there)")
        self.open_button.clicked.connect(self.open_selected)
        self.csv_button = QPushButton("Export table (CSV)...")
        self.csv_button.clicked.connect(self._on_csv_clicked)
        self.png_button = QPushButton("Export curves (PNG)...")
        self.png_button.clicked.connect(self._on_png_clicked)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        head = QHBoxLayout()
        head.addWidget(QLabel("Curves"))
        head.addWidget(self.curve_choice)
        head.addStretch(1)
        top_layout.addLayout(head)
        top_layout.addWidget(self.plot, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        for b in (self.open_button, self.csv_button, self.png_button):
            row.addWidget(b)
        row.addStretch(1)
        bottom_layout.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([330, 250])

        self.lay_out(form, buttons, split, POLL_MS)
        self._fill_varied()
        self.resize(1000, 760)
        actions = main_window.file_actions
        actions.comparison_changed.connect(self._on_file_comparison_changed)
        actions.lesson_changed.connect(lambda _: self._update_buttons())
        self.experiment.state_changed.connect(self._on_experiment_state_changed)
        self._on_file_comparison_changed(actions.comparison)

    # ---- verbs ------------------------------------------------------------------------------
    def add_vary(self, name: str, text: str) -> bool:
        """Vary setting ``name`` over the comma-separated ``text``; False (and a message) when
        the values are not right."""
        try:
            values = compare.parse_vary([f"{name}={text}"])[name]
        except ValueError as error:
            self.show_message(str(error), error=True)
            return False
        self.vary[name] = values
        self._fill_varied()
        self.show_message("")
        return True

    def start(self, variant_list=None, steps: int | None = None) -> bool:
        """Train the variants (default: every combination of what varies), each ``steps``
        steps (default: the epochs the window says)."""
        if self.comparison is not None and self.comparison.running:
            return False
        try:
            values = self.experiment.values()
            if variant_list is None:
                variant_list = compare.variants(values, self.vary)
            length = {"steps": steps} if steps else {"epochs": int(self.epochs.value())}
            self.comparison = compare.Comparison(files.Document(values), variant_list,
                                                 workers=int(self.workers.value()), **length)
        except ValueError as error:
            self.show_message(str(error), error=True)
            return False
        self._reset_views()
        if self._transferring():       # the claim is about the test accuracy
            self.curve_choice.setCurrentIndex(self.curve_choice.findData("test_accuracy"))
        self.comparison.start()
        self.timer.start()
        each = f"{steps} steps" if steps else f"{int(self.epochs.value())} epochs"
        self.show_message(f"Training {len(variant_list)} variants ({each} each) in "
                          f"{self.comparison.workers} processes...")
        self._update_buttons()
        return True

    def transfer_plan(self) -> transfer.TransferPlan | None:
        """The open experiment's ready transfer comparison (its example's or lesson's, or
        that of its settings), or None."""
        return transfer.plan_of(files.Document(self.experiment.values(),
                                               lesson=self.main_window.file_actions.lesson))

    def compare_transfer(self) -> bool:
        """Train the open experiment's transfer plan: transfer and learning from scratch on
        the same few examples, one pair per seed of the plan, each the plan's steps."""
        plan = self.transfer_plan()
        if plan is None:
            self.show_message("This experiment has no ready transfer comparison: open the "
                              "transfer example or lesson, or use File > New from a saved "
                              "network.", error=True)
            return False
        try:
            variant_list = plan.variants(self.experiment.values())
        except ValueError as error:
            self.show_message(str(error), error=True)
            return False
        return self.start(variant_list, steps=plan.steps)

    def _transferring(self) -> bool:
        """True when the comparison is transfer beside learning from scratch."""
        return self.comparison is not None and transfer.pairs(self.comparison) is not None

    def cancel(self) -> None:
        if self.comparison is not None and self.comparison.running:
            self.comparison.cancel()
            self.timer.stop()
            self._refresh(range(len(self.comparison.results)))
            self.show_message("Cancelled: the variants still training were stopped.")
            self._keep()
        self._update_buttons()

    def _keep(self) -> None:
        """The comparison is saved with the experiment (File > Save)."""
        self._keeping = True
        try:
            self.main_window.file_actions.set_comparison(self.comparison.section())
        finally:
            self._keeping = False

    def _on_file_comparison_changed(self, section) -> None:
        """An opened file brought its comparison (or none): show it, unless one is training."""
        if getattr(self, "_keeping", False) or (self.comparison is not None and
                                                self.comparison.running):
            return
        if section is None:
            return
        from playground import files
        self.comparison = compare.Comparison.restored(
            files.Document(self.experiment.values(), comparison=section))
        self._reset_views()
        self._refresh(range(len(self.comparison.results)))
        self.show_message(f"The comparison saved with this experiment: "
                          f"{len(self.comparison.results)} variants.")
        self._update_buttons()

    def open_selected(self) -> bool:
        row = self.selected_row()
        if self.comparison is None or row is None:
            self.show_message("Select a variant in the table first.", error=True)
            return False
        index = self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        return self.open_in_main_window(self.comparison.document_of(index))

    def export_csv(self, path) -> None:
        self.comparison.write_csv(path)

    def export_png(self, path) -> None:
        self.comparison.picture(self.curve_choice.currentData(),
                                log_scale=False).save(path)

    # ---- inside -----------------------------------------------------------------------------
    def _fill_varied(self) -> None:
        self.varied.clear()
        for name, values in self.vary.items():
            self.varied.addItem(f"{name} = {', '.join(map(compare.value_text, values))}")
        self.varied.setVisible(bool(self.vary))    # no empty box taking the curves' room
        self.clear_button.setVisible(bool(self.vary))
        self._update_buttons()

    def _on_add_clicked(self) -> None:
        if self.add_vary(self.setting.currentData(), self.values.text()):
            self.values.clear()

    def _on_clear_clicked(self) -> None:
        self.vary.clear()
        self._fill_varied()

    def _on_start_clicked(self) -> None:
        if not self.vary and self.values.text().strip():
            if not self.add_vary(self.setting.currentData(), self.values.text()):
                return
        self.start()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Delete and self.varied.hasFocus() and \
                self.varied.currentItem() is not None:
            name = list(self.vary)[self.varied.currentRow()]
            del self.vary[name]
            self._fill_varied()
            return
        super().keyPressEvent(event)

    def _on_experiment_state_changed(self, _name: str) -> None:
        self._update_buttons()

    def _on_timer_timeout(self) -> None:
        c = self.comparison
        if c is None:
            return
        changed = c.poll()
        if changed:
            self._refresh(changed)
        if not c.running:
            self.timer.stop()
            failed = sum(r.status == "failed" for r in c.results)
            diverged = sum(r.status == "diverged" for r in c.results)
            notes = [f"{n} {what}" for n, what in ((diverged, "diverged"), (failed, "failed"))
                     if n]
            pairs = transfer.pairs(c)
            gains = ", ".join(f"seed {p['seed']} {p['gain']:+.3f}" for p in pairs or ()
                              if p["gain"] is not None)
            self.show_message(f"Done: {len(c.results)} variants"
                              + (f" ({', '.join(notes)})" if notes else "") + ". "
                              + (f"Test accuracy of transfer minus from scratch: {gains}. "
                                 if gains else "") +
                              "Select one and open it as an experiment; File > Save keeps "
                              "the comparison with the experiment.")
            self._keep()
            self._update_buttons()

    def _reset_views(self) -> None:
        self.plot.clear()
        self.legend.clear()
        self._curves = []
        for i, r in enumerate(self.comparison.results):
            item = self.plot.plot([], [], pen=pg.mkPen(self._color(i), width=2.5,
                                                       style=self._line_style(i)),
                                  name=r.variant.name)
            self._curves.append(item)
        # a transfer comparison's legend: transfer runs in one column, scratch in the other
        self.legend.setColumnCount(2 if self._transferring() else 1)
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self.comparison.results))
        for i, r in enumerate(self.comparison.results):
            self._set_row(i, i)
        self.table.setSortingEnabled(True)
        self.progress.setRange(0, len(self.comparison.results))
        self.progress.setValue(0)

    def _refresh(self, indices) -> None:
        c = self.comparison
        key = self.curve_choice.currentData()
        self.plot.setLabel("left", CURVES[key])
        # where the curves are not: low on the right for accuracies (they rise), high for
        # losses (they fall)
        low = "accuracy" in key
        self.legend.setOffset((-10, -10 if low else 10))   # < 0: from the right, bottom
        for i in indices:
            r = c.results[i]
            steps = np.asarray(r.history.get("step", ()), np.float64)
            values = np.asarray(r.history.get(key, ()), np.float64)
            n = min(len(steps), len(values))
            self._curves[i].setData(steps[:n], values[:n])
        self.table.setSortingEnabled(False)
        for row in range(self.table.rowCount()):
            index = self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
            if index in indices:
                self._set_row(row, index)
        self.table.setSortingEnabled(True)
        self.progress.setValue(sum(r.status not in ("waiting", "running") for r in c.results))

    def _redraw_all(self) -> None:
        if self.comparison is not None:
            self._refresh(range(len(self.comparison.results)))

    def _set_row(self, row: int, index: int) -> None:
        r = self.comparison.results[index]
        cells = {"variant": r.variant.name, "status": r.status,
                 "seconds": None if not math.isfinite(r.seconds) else round(r.seconds, 2)}
        for m in ("train_loss", "test_loss", "test_accuracy"):
            v = r.metric(m)
            cells[m] = None if not math.isfinite(v) else v
        for col, (key, _) in enumerate(COLUMNS):
            item = NumberItem(cells[key])
            item.setData(Qt.ItemDataRole.UserRole, index)
            if key == "variant":
                item.setForeground(pg.mkColor(self._color(index)))
            if r.status in ("failed", "diverged"):
                item.setToolTip(r.message)
            self.table.setItem(row, col, item)

    def _color(self, index: int):
        """A variant's colour: its own, or in a transfer comparison its kind's (transfer,
        from scratch)."""
        if self._transferring():
            return palette.class_color(index % 2)
        return palette.class_color(index)

    def _line_style(self, index: int):
        if self._transferring():         # one style per seed, the pair sharing it
            return SEED_STYLES[(index // 2) % len(SEED_STYLES)]
        return Qt.PenStyle.SolidLine if index < 10 else Qt.PenStyle.DashLine

    def _update_buttons(self) -> None:
        running = self.comparison is not None and self.comparison.running
        for b in (self.start_button, self.optimizers_button, self.seeds_button,
                  self.add_button):
            b.setEnabled(not running)
        plan = self.transfer_plan()
        self.transfer_button.setVisible(plan is not None)
        self.transfer_button.setEnabled(plan is not None and not running)
        if plan is not None:
            self.transfer_button.setToolTip(
                f"A network learns the source task ({plan.source_steps} steps) and lends "
                f"its layers {', '.join(str(i + 1) for i in plan.copy)}; beside it the same "
                f"network learns from scratch on the same few examples: seeds "
                f"{', '.join(map(str, plan.seeds))}, {plan.steps} steps each")
        self.start_button.setEnabled(not running and bool(self.vary or self.values.text()))
        self.cancel_button.setEnabled(running)
        done = self.comparison is not None
        for b in (self.open_button, self.csv_button, self.png_button):
            b.setEnabled(done)

    def _on_csv_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the table", "comparison.csv",
                                              "CSV table (*.csv)")
        if path:
            self._export(self.export_csv, path)

    def _on_png_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the curves", "comparison.png",
                                              "PNG picture (*.png)")
        if path:
            self._export(self.export_png, path)

    def _export(self, write, path) -> None:
        try:
            write(path)
        except (OSError, ValueError) as error:
            self.show_message(f"Cannot write {path}: {error}", error=True)
        else:
            self.show_message(f"Wrote {path}.")

    def closeEvent(self, event) -> None:
        self.cancel()
        super().closeEvent(event)
