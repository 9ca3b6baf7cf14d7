"""Tools > Search settings: Optuna searches the settings of the open experiment.

The window declares the search (settings with ranges or choices, sampler, trials, budget per
trial, metric, pruning, and the study's storage), runs it in worker processes
(``playground.search.Search``), and shows the trials as they finish in a sortable table, the
metric over two chosen settings as a heatmap, and how much each setting matters. The best trial
(or any selected one) opens as an experiment.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGridLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget,
                               QProgressBar, QPushButton, QSpinBox, QSplitter,
                               QVBoxLayout, QWidget)

from playground import files, search
from playground.compare import value_text
from playground.fields import FIELDS, FIELDS_BY_NAME
from playground.processes import cores
from widgets.tool_window_parts import NumberItem, ToolWindowParts

POLL_MS = 150
SAMPLER_LABELS = {"tpe": "Bayesian (TPE)", "gp": "Bayesian (Gaussian process, needs PyTorch)",
                  "random": "Random", "grid": "Grid"}


def default_storage(name: str) -> str:
    """A new journal file for a search of ``name`` in the application's data folder."""
    from platformdirs import user_data_dir
    folder = Path(user_data_dir("NN Playground", appauthor=False)) / "searches"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.journal")


def _combo(items, tip: str) -> QComboBox:
    """A choice of ``items``, (text, data) pairs, explained by ``tip``."""
    box = QComboBox()
    for text, data in items:
        box.addItem(text, data)
    box.setToolTip(tip)
    return box


def _spin_box(low: int, high: int, value: int, tip: str, suffix: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setSuffix(suffix)
    box.setToolTip(tip)
    return box


def _line_edit(placeholder: str, tip: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    edit.setToolTip(tip)
    return edit


class SearchWindow(ToolWindowParts, QWidget):
    """Search the settings of ``main_window``'s experiment."""

    def __init__(self, main_window, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.main_window = main_window
        self.experiment = main_window.experiment
        self.setWindowTitle("Search settings")
        self.search: search.Search | None = None
        self.params: dict[str, search.Param] = {}
        self._shown_rows = 0

        self.setting = _combo(((f.title, f.name) for f in FIELDS
                               if f.kind in (int, float, str, bool)
                               and f.effect in ("data", "network", "live")),
                              "A setting to search")
        self.range = _line_edit("LOW:HIGH (e.g. 1e-4:1) or choices (sgd, adam)",
                                "A range LOW:HIGH for numbers (rates on a log scale; add "
                                ":linear or :log to say), or choices separated by commas")
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self._on_add_clicked)
        self.range.returnPressed.connect(self._on_add_clicked)
        self.param_list = QListWidget()
        self.param_list.setMaximumHeight(72)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.sampler = _combo([(SAMPLER_LABELS[k], k) for k in ("tpe", "random", "grid", "gp")],
                              "How the next settings are chosen: TPE and the Gaussian process "
                              "learn from the trials so far; random and grid do not")
        self.trials = _spin_box(1, 10_000, 20, "Trials in all")
        self.epochs = _spin_box(1, 100_000, 20, "The budget of one trial", " epochs")
        self.metric_choice = _combo(((f"{key.replace('_', ' ')} ({direction})", key)
                                     for key, direction in search.METRICS.items()),
                                    "What a trial is judged by")
        self.prune = QCheckBox("Prune hopeless trials")
        self.prune.setChecked(True)
        self.prune.setToolTip("Stop a trial early when its curve is worse than the median of "
                              "the trials so far at the same point (Optuna's median pruner)")
        self.workers = _spin_box(1, 64, cores(), "Trials trained at the same time, one "
                                 "process each")
        self.storage = _line_edit("a new journal file in the application's data folder",
                                  "Where the study is kept: a journal file (*.journal) or a "
                                  "database URL (sqlite:///study.db). Workers on other machines "
                                  "join with: python main.py search-worker NAME --storage URL")
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop every worker now; the finished trials are kept")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m trials")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.setting)
        row.addWidget(self.range, 1)
        row.addWidget(self.add_button)
        form.addRow("Search", row)
        row = QHBoxLayout()
        row.addWidget(self.param_list, 1)
        row.addWidget(self.clear_button, 0, Qt.AlignmentFlag.AlignTop)
        form.addRow("", row)
        grid = QGridLayout()
        for i, (label, w) in enumerate((("Sampler", self.sampler), ("Trials", self.trials),
                                        ("Each trial", self.epochs), ("Metric", self.metric_choice),
                                        ("Processes", self.workers), ("", self.prune))):
            grid.addWidget(QLabel(label), i // 3, 2 * (i % 3))
            grid.addWidget(w, i // 3, 2 * (i % 3) + 1)
        form.addRow(grid)
        form.addRow("Storage", self.storage)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)

        self.table = self.results_table(0, "Every trial; click a heading to sort, double-click "
                                           "to open")
        self.open_best_button = QPushButton("Open the best as experiment")
        self.open_best_button.clicked.connect(self.open_best)
        self.open_button = QPushButton("Open selected")
        self.open_button.clicked.connect(self.open_selected)

        self.x_choice, self.y_choice = QComboBox(), QComboBox()
        for c in (self.x_choice, self.y_choice):
            c.setToolTip("The settings the heatmap spreads the trials over")
            c.currentIndexChanged.connect(self._draw_heatmap)
        self.heat_plot = pg.PlotWidget()
        self.heat_plot.setMenuEnabled(False)
        self.heat_plot.setMouseEnabled(False, False)
        self.heat_image = pg.ImageItem()
        self.heat_plot.addItem(self.heat_image)
        self.heat_bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False,
                                        width=14)
        self.heat_bar.setImageItem(self.heat_image, insert_in=self.heat_plot.getPlotItem())
        self.importance = QLabel("")
        self.importance.setWordWrap(True)
        self.importance.setToolTip("How much of the metric's variation each setting explains "
                                   "(Optuna's fANOVA importance; sums to 1)")

        results = QWidget()
        rl = QVBoxLayout(results)
        rl.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(self.open_best_button)
        row.addWidget(self.open_button)
        row.addStretch(1)
        rl.addLayout(row)
        maps = QWidget()
        ml = QVBoxLayout(maps)
        row = QHBoxLayout()
        row.addWidget(QLabel("Heatmap of"))
        row.addWidget(self.x_choice)
        row.addWidget(QLabel("and"))
        row.addWidget(self.y_choice)
        row.addStretch(1)
        ml.addLayout(row)
        ml.addWidget(self.heat_plot, 1)
        ml.addWidget(QLabel("Importance"))
        ml.addWidget(self.importance)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(results)
        split.addWidget(maps)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        self.lay_out(form, buttons, split, POLL_MS)
        self._update_buttons()
        self.resize(1100, 760)

    # ---- verbs ------------------------------------------------------------------------------
    def add_param(self, name: str, text: str) -> bool:
        try:
            param = search.parse_param(f"{name}={text}")
        except ValueError as error:
            self.show_message(str(error), error=True)
            return False
        self.params[name] = param
        self._fill_params()
        self.show_message("")
        return True

    def start(self) -> bool:
        if self.search is not None and self.search.running:
            return False
        if not self.params and self.range.text().strip():
            if not self.add_param(self.setting.currentData(), self.range.text()):
                return False
        name = (self.main_window.file_actions.name or "experiment").split(" (")[0]
        name = "".join(c if c.isalnum() or c in "-_" else "-" for c in name) or "search"
        try:
            spec = search.SearchSpec(files.Document(self.experiment.values()),
                                     tuple(self.params.values()), self.metric_choice.currentData(),
                                     None, int(self.epochs.value()),
                                     self.sampler.currentData(), 0, self.prune.isChecked())
            if spec.sampler == "gp":
                search.make_sampler(spec)             # says now when PyTorch is missing
            storage = self.storage.text().strip() or default_storage(name)
            self.search = search.Search(spec, storage, f"{name}-{time.strftime('%H%M%S')}",
                                        n_trials=int(self.trials.value()),
                                        workers=min(int(self.workers.value()),
                                                    int(self.trials.value())))
        except ValueError as error:
            self.show_message(str(error), error=True)
            return False
        self._shown_rows = 0
        self.table.setRowCount(0)
        names = list(self.params)
        metric = self.metric_choice.currentText().split(" (")[0].capitalize()
        headers = ["Trial", "Status", metric] + [FIELDS_BY_NAME[n].title for n in names] + \
                  ["Seconds"]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        for c in (self.x_choice, self.y_choice):
            c.blockSignals(True)
            c.clear()
            for n in names:
                c.addItem(FIELDS_BY_NAME[n].title, n)
            c.blockSignals(False)
        if len(names) > 1:
            self.y_choice.setCurrentIndex(1)
        self.progress.setRange(0, self.search.n_trials)
        self.progress.setValue(0)
        self.search.start()
        self.timer.start()
        self.show_message(f"Study {self.search.name!r} in {self.search.storage_url}. Other "
                          f"machines join with: python main.py search-worker "
                          f"{self.search.name} --storage {self.search.storage_url}")
        self._update_buttons()
        return True

    def cancel(self) -> None:
        if self.search is not None and self.search.running:
            cut = self.search.cancel()
            self.timer.stop()
            self._refresh()
            self.show_message(f"Cancelled; {cut} unfinished trial(s) marked failed, the "
                              f"finished ones are kept in the study.")
        self._update_buttons()

    def open_best(self) -> bool:
        best = search.best(self.search.study) if self.search is not None else None
        if best is None:
            self.show_message("No trial has finished yet.", error=True)
            return False
        return self._open(best["number"])

    def open_selected(self) -> bool:
        row = self.selected_row()
        if self.search is None or row is None:
            self.show_message("Select a trial in the table first.", error=True)
            return False
        return self._open(self.table.item(row, 0).value)

    # ---- inside -----------------------------------------------------------------------------
    def _open(self, number: int) -> bool:
        return self.open_in_main_window(search.document_of(self.search.study, number))

    def _fill_params(self) -> None:
        self.param_list.clear()
        for p in self.params.values():
            if p.choices:
                text = ", ".join(map(str, p.choices))
            else:
                text = f"{p.low:g} to {p.high:g}" + (" (log scale)" if p.log else "")
            self.param_list.addItem(f"{FIELDS_BY_NAME[p.name].title}: {text}")
        self._update_buttons()

    def _on_add_clicked(self) -> None:
        if self.add_param(self.setting.currentData(), self.range.text()):
            self.range.clear()

    def _on_clear_clicked(self) -> None:
        self.params.clear()
        self._fill_params()

    def _on_timer_timeout(self) -> None:
        if self.search is None:
            return
        if self.search.poll():
            self._refresh()
        if not self.search.running:
            self.timer.stop()
            self._refresh()
            best = search.best(self.search.study)
            text = "Done." if best is None else (
                f"Done. Best: trial {best['number']}, {best['value']:.4g} with " +
                ", ".join(f"{k}={value_text(v, 4)}" for k, v in best["params"].items()) + ".")
            if self.search.failed:
                text += f" {len(self.search.failed)} worker(s) failed: {self.search.failed[0]}"
            self.show_message(text, error=bool(self.search.failed))
            self._update_buttons()

    def _refresh(self) -> None:
        rows = search.trials_table(self.search.study)
        finished = [r for r in rows if r["state"] != "running"]
        self.progress.setValue(min(len(finished), self.progress.maximum()))
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(rows))
        names = list(self.params)
        for i, r in enumerate(rows):
            cells = [r["number"], r["status"], r["value"]] + \
                    [r["params"].get(n) for n in names] + [r["seconds"]]
            for col, v in enumerate(cells):
                item = NumberItem(v)
                if r["message"]:
                    item.setToolTip(r["message"])
                self.table.setItem(i, col, item)
        self.table.setSortingEnabled(True)
        self._draw_heatmap()
        imp = search.importances(self.search.study)
        self.importance.setText("   ".join(f"{FIELDS_BY_NAME[k].title} {v:.0%}"
                                           for k, v in imp.items()) or
                                "(after a few finished trials)")
        self._update_buttons()

    def _draw_heatmap(self) -> None:
        if self.search is None or self.x_choice.count() == 0:
            return
        x, y = self.x_choice.currentData(), self.y_choice.currentData()
        if x is None or y is None:
            return
        try:
            h = search.heatmap(self.search.study, x, y)
        except ValueError:
            return
        values = h["values"]
        if not np.isfinite(values).any():
            self.heat_image.clear()
            return
        lo, hi = np.nanmin(values), np.nanmax(values)
        self.heat_image.setImage(values.T, autoLevels=False)
        self.heat_bar.setLevels((lo, hi if hi > lo else lo + 1e-9))
        ny, nx = values.shape
        self.heat_image.setRect(0, 0, nx, ny)
        for axis, edges, n in (("bottom", h["x"], nx), ("left", h["y"], ny)):
            if len(edges) == n:                    # choices: a label per cell
                ticks = [(i + 0.5, str(v)) for i, v in enumerate(edges)]
            else:                                  # ranges: every other edge, readable
                ticks = [(i, f"{v:.2g}") for i, v in enumerate(edges) if i % 2 == 0]
            self.heat_plot.getAxis(axis).setTicks([ticks])
        self.heat_plot.setLabel("bottom", FIELDS_BY_NAME[x].title)
        self.heat_plot.setLabel("left", FIELDS_BY_NAME[y].title)

    def _update_buttons(self) -> None:
        running = self.search is not None and self.search.running
        self.start_button.setEnabled(not running)
        self.add_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        has = self.search is not None
        self.open_best_button.setEnabled(has)
        self.open_button.setEnabled(has)

    def closeEvent(self, event) -> None:
        self.cancel()
        super().closeEvent(event)
