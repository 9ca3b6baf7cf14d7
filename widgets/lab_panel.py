"""The lab's settings panel: the surface and its parameters, gradient noise, the start point, the
racers (shown or hidden, added, removed, each with its own hyperparameters from the engine's
``Hyper`` declarations), the schedule and clipping, and the step-by-step readout of one racer.

Every edit goes to the ``playground.lab.Lab`` model through a verb; a refused value is explained
in an orange note by the control (the model keeps its setup)."""
from __future__ import annotations

from html import escape

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QScrollArea, QTabWidget,
                               QVBoxLayout, QWidget)

from playground import catalog
from playground import lab as lab_model
from widgets import theme
from widgets.controls import (IntBox, LogSpinBox, ValueSlider, clear_refusal, hint_label,
                              section_label, show_refusal)
from widgets.lab_surface_view import racer_style
from widgets.optimizer_panel import editor_value, hyper_editor, hyper_label, on_edited, \
    set_editor_value

READOUT_EVERY = 4            # while playing, the step-by-step numbers change 15 times a second
NOISE_LEVELS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def swatch(index: int, size: int = 22) -> QIcon:
    """A racer's legend sample: a short line in its colour and dash, with its marker."""
    color, symbol, dashed = racer_style(index)
    pix = QPixmap(size, size // 2 + 4)
    pix.fill(QColor(0, 0, 0, 0))
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor(color), 3)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    p.setPen(pen)
    mid = pix.height() // 2
    p.drawLine(1, mid, size - 1, mid)
    p.setBrush(QColor(color))
    p.setPen(QPen(QColor("#FFFFFF"), 1))
    p.drawEllipse(size // 2 - 4, mid - 4, 8, 8)
    p.end()
    return QIcon(pix)


def _vector(v) -> str:
    if v is None or not np.all(np.isfinite(v)):
        return "\u2013"
    return f"({v[0]:+.3g}, {v[1]:+.3g})"


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(6)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


class LabPanel(QWidget):
    """Settings of the lab; ``inspected_changed(index or None)`` when the step-by-step racer
    is chosen."""

    inspected_changed = Signal(object)

    def __init__(self, lab, parent=None):
        super().__init__(parent)
        self.lab = lab
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        # narrower tabs than the window's, so four fit the panel side by side
        self.tabs.setStyleSheet("QTabBar::tab { padding: 7px 9px; }")
        outer.addWidget(self.tabs)
        layout = self._page("Surface")

        # -- the surface --------------------------------------------------------------------
        layout.addWidget(section_label("Surface"))
        self.surface_box = QComboBox()
        for key in lab_model.SURFACE_KEYS:
            self.surface_box.addItem(lab_model.surface_info(key).label, key)
        self.surface_box.activated.connect(self._on_surface_box_activated)
        layout.addWidget(self.surface_box)
        self.formula = hint_label("")
        layout.addWidget(self.formula)
        self.surface_form = _form()
        layout.addLayout(self.surface_form)
        self.surface_boxes: dict = {}
        form = _form()
        self.noise = ValueSlider(NOISE_LEVELS, fmt=lambda v: "off" if v == 0 else f"{v:g}")
        self.noise.value_chosen.connect(self._on_noise_chosen)
        _tipped_row(form, "Gradient noise", self.noise, "Standard deviation of the noise added "
                    "to every gradient (stochastic gradients); the loss shown stays exact.")
        self.seed = IntBox(0, 2**31 - 1)
        self.seed.editingFinished.connect(self._on_seed_edited)
        _tipped_row(form, "Noise seed", self.seed,
                    "Seed of the gradient noise: the same seed, the same race.")
        self.steps = IntBox(1, lab_model.MAX_STEPS)
        self.steps.editingFinished.connect(self._on_steps_edited)
        _tipped_row(form, "Steps", self.steps,
                    f"Steps every racer takes (1 to {lab_model.MAX_STEPS}).")
        start_row = QHBoxLayout()
        self.start = QLabel()
        self.start.setToolTip("Click the plot to start every racer there.")
        self.start_reset = QPushButton("Default")
        self.start_reset.setToolTip("Start from the surface's own start point.")
        self.start_reset.clicked.connect(self._on_start_reset_clicked)
        start_row.addWidget(self.start, 1)
        start_row.addWidget(self.start_reset)
        form.addRow(hyper_tip("Start", "Click the plot to move it."), start_row)
        layout.addLayout(form)

        # -- schedule and clipping (on the first page) ---------------------------------------
        self._build_schedule(layout)
        layout.addStretch(1)

        # -- the racers ---------------------------------------------------------------------
        layout = self._page("Racers")
        layout.addWidget(section_label("Racers"))
        self.racer_list = QListWidget()
        self.racer_list.setToolTip("Tick to show a racer's path; select one to edit it.")
        self.racer_list.itemChanged.connect(self._on_racer_list_item_changed)
        self.racer_list.currentRowChanged.connect(self._on_racer_list_row_changed)
        layout.addWidget(self.racer_list)
        row = QHBoxLayout()
        self.add_box = QComboBox()
        self.add_box.addItem("Add a racer\u2026", "")
        for key in lab_model.RACER_KEYS:
            self.add_box.addItem(lab_model.RACER_LABELS[key], key)
        self.add_box.activated.connect(self._on_add_box_activated)
        self.remove = QPushButton("Remove")
        self.remove.setToolTip("Remove the selected racer.")
        self.remove.clicked.connect(self._on_remove_clicked)
        row.addWidget(self.add_box, 1)
        row.addWidget(self.remove)
        layout.addLayout(row)
        self.racer_title = QLabel()
        self.racer_title.setProperty("role", "value")
        layout.addWidget(self.racer_title)
        self.racer_form = _form()
        layout.addLayout(self.racer_form)
        self.racer_boxes: dict = {}

        layout.addStretch(1)

        # -- step by step -------------------------------------------------------------------
        layout = self._page("Steps")
        self.tabs.setTabToolTip(self.tabs.count() - 1, "Step by step: one racer's gradient, "
                                "moments and step, as arrows and numbers")
        layout.addWidget(section_label("Step by step"))
        self.inspect_box = QComboBox()
        self.inspect_box.setToolTip("Draw one racer's gradient, velocity or first moment, "
                                    "second-moment cache and step as arrows at its point.")
        self.inspect_box.activated.connect(self._on_inspect_box_activated)
        layout.addWidget(self.inspect_box)
        self.readout = _rich_label()
        layout.addWidget(self.readout)
        layout.addStretch(1)

        lab.subscribe(self._on_lab_changed)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self._shown_surface = None
        self._shown_schedule = None
        self._form_for = None                  # (racer index, optimizer) of the racer form
        self.lesson_text: QLabel | None = None
        self._frames = 0
        self._refresh()

    def show_lesson(self, lesson) -> None:
        """Put a lab lesson's explanation (a ``playground.lesson_spec.Lesson``) in a first tab,
        shown: its title, what to look at, the formula (large) and what to try next."""
        if self.lesson_text is None:
            layout = self._page("Lesson", index=0)
            self.lesson_text = _rich_label()
            layout.addWidget(self.lesson_text)
            layout.addStretch(1)
        big = theme.font(5).pointSizeF()
        self.lesson_text.setText(
            f"<h3>{escape(lesson.title)}</h3><p>{escape(lesson.look_at)}</p>"
            f"<p style='font-size:{big:.0f}pt'>{escape(lesson.formula)}</p>"
            f"<p><b>Try next.</b> {escape(lesson.try_next)}</p>")
        self.tabs.setCurrentIndex(0)

    def _page(self, title: str, index: int = -1) -> QVBoxLayout:
        """A new tab (scrolling when the window is short); returns its layout."""
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        scroll = QScrollArea()
        scroll.setWidget(page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tabs.insertTab(index if index >= 0 else self.tabs.count(), scroll, title)
        return layout

    def _build_schedule(self, layout: QVBoxLayout) -> None:
        layout.addWidget(section_label("Schedule and clipping"))
        layout.addWidget(hint_label("For the first-order racers (Newton, L-BFGS and CG "
                                    "choose their own steps)."))
        form = _form()
        self.schedule_box = QComboBox()
        for key in lab_model.SCHEDULE_KEYS:
            self.schedule_box.addItem(catalog.label(key), key)
        self.schedule_box.activated.connect(self._on_schedule_box_activated)
        form.addRow("Schedule", self.schedule_box)
        self.clip = LogSpinBox(1e-3, 1e6, allow_zero=True)
        self.clip.editingFinished.connect(self._on_clip_edited)
        _tipped_row(form, "Clip gradient", self.clip, "Largest gradient norm: longer gradients "
                    "are scaled down to it (off: no clipping).")
        layout.addLayout(form)
        self.schedule_form = _form()
        layout.addLayout(self.schedule_form)
        self.schedule_boxes: dict = {}


    # ---- model -> view ----------------------------------------------------------------------
    def _on_lab_changed(self, what: str) -> None:
        if what == "setup":
            self._refresh()
        elif what == "frame" and self.readout.isVisible():     # a hidden tab waits (below)
            # While playing, numbers changing 60 times a second cannot be read, and laying
            # out the table costs a third of a frame: READOUT_EVERY-th frames only
            self._frames += 1
            if not self.lab.running or self._frames % READOUT_EVERY == 0:
                self._refresh_readout()
        elif what == "running" and not self.lab.running:
            self._refresh_readout()

    def _on_tabs_current_changed(self, _index: int) -> None:
        self._refresh_readout()

    def _refresh(self) -> None:
        setup = self.lab.setup
        surface = lab_model.surface_info(setup.surface)
        with QSignalBlocker(self.surface_box):
            self.surface_box.setCurrentIndex(self.surface_box.findData(setup.surface))
        self.formula.setText(f"f = {surface.formula}")
        if self._shown_surface != setup.surface:
            self._shown_surface = setup.surface
            self.surface_boxes = self._rebuild_form(self.surface_form, surface.HYPERPARAMS,
                                                    self._on_surface_param_edited)
        for name, box in self.surface_boxes.items():
            set_editor_value(box, setup.surface_params[name])
        self.noise.set_value(setup.noise_std)
        set_editor_value(self.seed, setup.seed)
        set_editor_value(self.steps, setup.steps)
        self.start.setText(f"({setup.start[0]:.3g}, {setup.start[1]:.3g})")
        self._refresh_racers()
        with QSignalBlocker(self.schedule_box):
            self.schedule_box.setCurrentIndex(self.schedule_box.findData(setup.schedule["name"]))
        if self._shown_schedule != setup.schedule["name"]:
            self._shown_schedule = setup.schedule["name"]
            self.schedule_boxes = self._rebuild_form(
                self.schedule_form, lab_model.schedule_hypers(setup.schedule["name"]),
                self._on_schedule_param_edited)
        for name, box in self.schedule_boxes.items():
            set_editor_value(box, setup.schedule[name])
        set_editor_value(self.clip, setup.clip)
        current = self.inspected()
        with QSignalBlocker(self.inspect_box):
            self.inspect_box.clear()
            self.inspect_box.addItem("Off", None)
            for i, r in enumerate(setup.racers):
                self.inspect_box.addItem(swatch(i), r.label, i)
            self.inspect_box.setCurrentIndex(0 if current is None or current >= len(
                setup.racers) else current + 1)
        if current is not None and current >= len(setup.racers):
            self.inspected_changed.emit(None)
        self._refresh_readout()

    def _refresh_racers(self) -> None:
        """The racer list: items updated in place (an edit may come from one of them: it is
        never deleted while it reports), rebuilt only when racers come or go."""
        setup = self.lab.setup
        row = max(self.racer_list.currentRow(), 0)
        with QSignalBlocker(self.racer_list):
            if self.racer_list.count() != len(setup.racers):
                self.racer_list.clear()
                for i in range(len(setup.racers)):
                    item = QListWidgetItem(swatch(i), "")
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    self.racer_list.addItem(item)
                self._form_for = None
            for i, (racer, path) in enumerate(zip(setup.racers, self.lab.paths)):
                item = self.racer_list.item(i)
                item.setText(racer.label)
                item.setCheckState(Qt.CheckState.Checked if racer.visible
                                   else Qt.CheckState.Unchecked)
                end = "diverged" if path.diverged_at >= 0 else f"f = {path.losses[-1]:.3g}"
                item.setToolTip(f"{racer.label}: after {setup.steps} steps {end}"
                                + (f" ({path.message})" if path.message else ""))
            self.racer_list.setCurrentRow(min(row, len(setup.racers) - 1))
        self.racer_list.setFixedHeight(len(setup.racers) *
                                       self.racer_list.sizeHintForRow(0) + 6)
        self._rebuild_racer_form()

    def _rebuild_racer_form(self) -> None:
        """The selected racer's editors: rebuilt when another racer (or kind) is selected,
        otherwise only refilled (an editor is never deleted while it reports an edit)."""
        index = self.racer_list.currentRow()
        racer = self.lab.setup.racers[index]
        kind = lab_model.RACER_LABELS[racer.optimizer]
        self.racer_title.setText(racer.label if racer.label == kind else f"{racer.label}: {kind}")
        if self._form_for != (index, racer.optimizer):
            self._form_for = (index, racer.optimizer)
            specs = [h for h in lab_model.racer_hypers(racer.optimizer)
                     if racer.config[h.name] is not None]
            self.racer_boxes = self._rebuild_form(
                self.racer_form, specs,
                lambda name, box: self._on_racer_param_edited(self._form_for[0], name, box))
        for name, box in self.racer_boxes.items():
            set_editor_value(box, racer.config[name])

    def _rebuild_form(self, form: QFormLayout, specs, slot) -> dict:
        while form.rowCount():
            form.removeRow(0)
        boxes = {}
        for spec in specs:
            box = hyper_editor(spec)
            on_edited(box, lambda name=spec.name, box=box: slot(name, box))
            form.addRow(hyper_label(spec), box)
            boxes[spec.name] = box
        return boxes

    def _refresh_readout(self) -> None:
        index = self.inspected()
        if index is None:
            self.readout.setText("<span>Choose a racer to see its gradient, moments and "
                                 "step, as arrows on the plot and as numbers here.</span>")
            return
        look = self.lab.inspect(index)
        color = racer_style(index)[0]
        rows = [("x", _vector(look.point)), ("f(x)", f"{look.loss:.4g}"),
                ("\u2207f (used)", _vector(look.gradient))]
        if look.moment is not None:
            rows.append((look.moment_name, _vector(look.moment)))
        if look.cache is not None:
            rows.append((look.cache_name, _vector(look.cache)))
            rows.append(("\u221a" + look.cache_name, _vector(np.sqrt(np.maximum(look.cache,
                                                                                 0.0)))))
        if np.isfinite(look.lr):
            rows.append(("\u03b7", f"{look.lr:.4g}"))
        rows.append(("step", _vector(look.step)))
        cells = "".join(f"<tr><td style='padding-right:10px'>{name}</td>"
                        f"<td style='font-family:monospace'>{value}</td></tr>"
                        for name, value in rows)
        self.readout.setText(f"<b style='color:{color}'>{self.lab.setup.racers[index].label}"
                             f"</b>, step {look.t + 1} of {self.lab.setup.steps}"
                             f"<table>{cells}</table>")

    def inspected(self):
        """The racer chosen for the step-by-step view (None: off)."""
        return self.inspect_box.currentData() if self.inspect_box.count() else None

    # ---- view -> model ----------------------------------------------------------------------
    def _try(self, anchor, verb, *args, **kwargs) -> bool:
        try:
            verb(*args, **kwargs)
        except ValueError as error:
            show_refusal(anchor, str(error))
            self._refresh()               # the controls show the setup that was kept
            return False
        clear_refusal(anchor)
        return True

    def _on_surface_box_activated(self, _index: int) -> None:
        self._try(self.surface_box, self.lab.set_surface, self.surface_box.currentData())

    def _on_surface_param_edited(self, name: str, box) -> None:
        params = {**self.lab.setup.surface_params, name: editor_value(box)}
        if params != self.lab.setup.surface_params:
            self._try(box, self.lab.change, surface_params=params)

    def _on_noise_chosen(self, value) -> None:
        self._try(self.noise, self.lab.change, noise_std=float(value))

    def _on_seed_edited(self) -> None:
        if self.seed.value() != self.lab.setup.seed:
            self._try(self.seed, self.lab.change, seed=int(self.seed.value()))

    def _on_steps_edited(self) -> None:
        if self.steps.value() != self.lab.setup.steps:
            self._try(self.steps, self.lab.change, steps=int(self.steps.value()))

    def _on_start_reset_clicked(self) -> None:
        start = lab_model.surface_info(self.lab.setup.surface).start
        self._try(self.start_reset, self.lab.set_start, *start)

    def _on_racer_list_item_changed(self, item: QListWidgetItem) -> None:
        index = self.racer_list.row(item)
        self._try(self.racer_list, self.lab.set_racer, index,
                  visible=item.checkState() == Qt.CheckState.Checked)

    def _on_racer_list_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.lab.setup.racers):
            self._rebuild_racer_form()

    def _on_racer_param_edited(self, index: int, name: str, box) -> None:
        if editor_value(box) != self.lab.setup.racers[index].config[name]:
            self._try(box, self.lab.set_racer, index, **{name: editor_value(box)})

    def _on_add_box_activated(self, _index: int) -> None:
        key = self.add_box.currentData()
        with QSignalBlocker(self.add_box):
            self.add_box.setCurrentIndex(0)
        if key and self._try(self.add_box, self.lab.add_racer, key):
            self.racer_list.setCurrentRow(len(self.lab.setup.racers) - 1)

    def _on_remove_clicked(self) -> None:
        self._try(self.remove, self.lab.remove_racer, self.racer_list.currentRow())

    def _on_schedule_box_activated(self, _index: int) -> None:
        name = self.schedule_box.currentData()
        self._try(self.schedule_box, self.lab.change, schedule={"name": name})

    def _on_schedule_param_edited(self, name: str, box) -> None:
        schedule = {**self.lab.setup.schedule, name: editor_value(box)}
        if schedule != self.lab.setup.schedule:
            self._try(box, self.lab.change, schedule=schedule)

    def _on_clip_edited(self) -> None:
        if self.clip.value() != self.lab.setup.clip:
            self._try(self.clip, self.lab.change, clip=float(self.clip.value()))

    def _on_inspect_box_activated(self, _index: int) -> None:
        self._refresh_readout()
        self.inspected_changed.emit(self.inspected())


def hyper_tip(text: str, tip: str) -> QLabel:
    label = QLabel(text)
    label.setToolTip(tip)
    return label


def _tipped_row(form: QFormLayout, title: str, control: QWidget, tip: str) -> None:
    """A row of ``form``: ``control`` under ``title``, both explained by ``tip``."""
    control.setToolTip(tip)
    form.addRow(hyper_tip(title, tip), control)


def _rich_label() -> QLabel:
    """A label of rich text that wraps and can be selected (the readout, a lesson's text)."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class LabLegend(QLabel):
    """The racers' colours, dashes and markers with their names, in rows that wrap: the
    legend of both plots. A hidden racer is struck through; a diverged one says so."""

    def __init__(self, lab, parent=None):
        super().__init__(parent)
        self.lab = lab
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setWordWrap(True)
        self.setFont(theme.font(1))
        lab.subscribe(self._on_lab_changed)
        self._refresh()

    def _on_lab_changed(self, what: str) -> None:
        if what == "setup":
            self._refresh()

    def _refresh(self) -> None:
        entries = []
        for i, (racer, path) in enumerate(zip(self.lab.setup.racers, self.lab.paths)):
            color, _, dashed = racer_style(i)
            glyph = theme.MARKER_GLYPHS[theme.CLASS_MARKERS[i % len(theme.CLASS_MARKERS)]]
            line = "\u254c\u254c" if dashed else "\u2501\u2501"
            name = racer.label if racer.visible else f"<s>{racer.label}</s>"
            note = " (diverged)" if path.diverged_at >= 0 else ""
            entries.append(f"<span style='white-space:nowrap'><span style='color:{color}'>"
                           f"{line}{glyph}</span>&nbsp;{name}{note}</span>")
        self.setText(" &nbsp;&nbsp; ".join(entries))
