"""Train and test loss curves (linear or log, hover readout, peak downsampling) and accuracy.

The axes' ranges are set by hand in nice steps (0 to 500 steps, then to 1000...), so they stay
put between refreshes and their cached pictures stay valid (pyqtgraph's autorange and log mode
are never used: the panel plots log10(loss) itself, on an axis with decade labels). After a
divergence the loss axis keeps the scale of the run before the blow-up (the rule lives in
``playground.curve_scale``) and a dashed line marks the step where the loss stopped being
finite. The plot items live in ``widgets.curve_items``.
"""
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QVBoxLayout, QWidget

from playground.curve_scale import loss_range, nice_ceil
from playground.tips import field_tip
from widgets import theme
from widgets.controls import ValueLabel, send
from widgets.curve_items import LineItem, NumberAxis, peak_decimate

REFRESH_SECONDS = 0.1
#: Pixels the loss axis reaches past its end values, so their labels show (half a label).
LABEL_ROOM = 7


def _style_plot(plot: pg.PlotItem, y_label: str, x_label: bool) -> None:
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setMouseEnabled(False, False)     # the ranges are the panel's (see _fit_ranges)
    plot.setLabel("left", y_label)
    if x_label:
        plot.setLabel("bottom", "step")
    else:
        plot.getAxis("bottom").setStyle(showValues=False)
    for axis in ("left", "bottom"):
        plot.getAxis(axis).setStyle(tickFont=theme.font(-1))
        plot.getAxis(axis).label.setFont(theme.font(-1))
        plot.getAxis(axis).enableAutoSIPrefix(False)
    left = plot.getAxis("left")
    left.setWidth(56)
    # Fewer, readable tick labels on a short axis (pyqtgraph's default fills 60% with text).
    left.setStyle(textFillLimits=[(0, 0.8), (2, 0.45), (4, 0.3), (6, 0.2)])
    theme.cache_axes(plot)


def _curve(plot: pg.PlotItem, color: str) -> LineItem:
    item = LineItem(pg.mkPen(color, width=2.5))
    plot.addItem(item)
    return item


class CurvesPanel(QWidget):
    """Loss and accuracy over steps, redrawn from the session's history at each snapshot."""

    def __init__(self, experiment, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.experiment = experiment
        self.session = session
        self.readout = {}
        # One row per metric (loss, accuracy), train and test side by side; the legend (which
        # colour is which split) sits under the log-scale box. Type and margins grow with the
        # panel (see _fit_rows): compact at 1280 x 720, readable from afar at 1920 x 1080.
        numbers = QGridLayout()
        numbers.setContentsMargins(12, 4, 12, 0)
        numbers.setHorizontalSpacing(8)      # tight: this grid sets the right column's least width
        numbers.setVerticalSpacing(0)
        self.numbers = numbers
        self.row_titles = {}
        for row, (kind, title) in enumerate((("loss", "Loss"), ("accuracy", "Accuracy"))):
            label = QLabel(title)
            label.setProperty("role", "hint")
            numbers.addWidget(label, row, 0)
            self.row_titles[kind] = label
            for col, (split, color) in enumerate((("train", theme.TRAIN_CURVE),
                                                  ("test", theme.TEST_CURVE)), start=1):
                value = ValueLabel("100.0%")
                value.setText("\u2013")
                value.setFont(theme.font(self.NUMBER_SIZE[1], bold=True))   # see resizeEvent
                value.setStyleSheet(f"color: {color};")
                numbers.addWidget(value, row, col)
                self.readout[f"{split}_{kind}"] = value
        self.legend = QLabel(f'<b style="color: {theme.TRAIN_CURVE}">Train</b>&nbsp;&nbsp;'
                             f'<b style="color: {theme.TEST_CURVE}">Test</b>')
        self.legend.setProperty("role", "hint")
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip(field_tip("log_loss"))
        self.log_scale.toggled.connect(lambda on: send(experiment, "log_loss", on,
                                                       self.log_scale))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        numbers.addWidget(self.log_scale, 0, 3, right)
        numbers.addWidget(self.legend, 1, 3, right)
        numbers.setColumnStretch(3, 1)
        self._compact = None

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setMinimumHeight(90)
        self.loss_plot = self.graphics.addPlot(row=0, col=0, axisItems={
            "left": NumberAxis("left"), "bottom": NumberAxis("bottom")})
        _style_plot(self.loss_plot, "loss", x_label=False)
        # The coloured numbers above are the legend: train in ink, test in orange.
        self.train_curve = _curve(self.loss_plot, theme.TRAIN_CURVE)
        self.test_curve = _curve(self.loss_plot, theme.TEST_CURVE)
        self.accuracy_plot = self.graphics.addPlot(row=1, col=0, axisItems={
            "bottom": NumberAxis("bottom")})
        _style_plot(self.accuracy_plot, "accuracy", x_label=True)
        self.accuracy_plot.setYRange(-0.08, 1.08, padding=0)
        self.accuracy_plot.getAxis("left").setTicks([[(0.0, "0%"), (0.5, "50%"),
                                                      (1.0, "100%")], []])
        self.accuracy_plot.setXLink(self.loss_plot)
        # Ranges are set by hand, in nice steps: autorange would move the axes (and redraw
        # them) at every refresh.
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.disableAutoRange()
        self._x_end, self._y_end = 0.0, None
        self.train_accuracy = _curve(self.accuracy_plot, theme.TRAIN_CURVE)
        self.test_accuracy = _curve(self.accuracy_plot, theme.TEST_CURVE)
        self.graphics.ci.layout.setVerticalSpacing(0)
        self.graphics.ci.setContentsMargins(4, 3, 8, 2)

        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#9CA3AF", width=1))
        self.cursor.setVisible(False)
        self.loss_plot.addItem(self.cursor, ignoreBounds=True)
        self.hover_text = pg.TextItem(color=theme.INK, anchor=(0, 1),
                                      fill=pg.mkBrush(255, 255, 255, 230),
                                      border=pg.mkPen("#D1D5DB"))
        self.hover_text.setFont(theme.font(-1))
        self.hover_text.setVisible(False)
        self.loss_plot.addItem(self.hover_text, ignoreBounds=True)
        self.graphics.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        # The readout goes when the pointer leaves the plots, however fast it leaves.
        self.graphics.viewport().installEventFilter(self)
        self.graphics.installEventFilter(self)          # its rows are fitted to its height
        self.divergence_line = pg.InfiniteLine(
            angle=90, pen=pg.mkPen(theme.TEST_CURVE, width=1.5, style=Qt.PenStyle.DashLine),
            label="diverged", labelOpts={"position": 0.9, "color": theme.TEST_CURVE,
                                         "anchors": [(1, 0), (1, 0)]})
        self.divergence_line.setVisible(False)
        self.loss_plot.addItem(self.divergence_line, ignoreBounds=True)

        self._refreshed = 0.0
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.timeout.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(4)
        layout.addLayout(numbers)
        layout.addWidget(self.graphics, 1)
        experiment.state_changed.connect(self._on_experiment_state_changed)
        session.snapshot_ready.connect(self.set_snapshot)
        session.network_rebuilt.connect(self.refresh)
        session.paused.connect(self._on_session_paused)
        self._on_experiment_state_changed("log_loss")
        self.refresh()

    # ---- model -> view ----------------------------------------------------------------------
    def set_snapshot(self, snapshot) -> None:
        """Redraw at most every REFRESH_SECONDS (curves need no 60 Hz); the last one waits."""
        if not self.isVisible():
            return                          # brought up to date when shown
        now = time.perf_counter()
        if now - self._refreshed >= REFRESH_SECONDS:
            self.refresh()
        elif not self._pending.isActive():
            self._pending.start(int(REFRESH_SECONDS * 1000))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    #: Below this plot height (pixels) the rotated "loss"/"accuracy" titles would overlap;
    #: the readout above already names the rows, so the axis titles step aside.
    AXIS_TITLE_MIN_HEIGHT = 94
    #: Below this panel height (pixels) the readout is compact (smaller type) and the step
    #: axis loses its "step" title (the hover readout names the step): the plots get the room.
    COMPACT_BELOW = 300
    #: The loss plot's share of the two plots' height: (compact, roomy).
    LOSS_SHARE = (0.5, 0.56)
    #: Point size of the readout's numbers above theme.BASE_POINT_SIZE: (compact, roomy).
    NUMBER_SIZE = (1, 4)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        compact = self.height() < self.COMPACT_BELOW
        if compact != self._compact:
            self._compact = compact
            font = theme.font(self.NUMBER_SIZE[not compact], bold=True)
            for value in self.readout.values():
                value.setFont(font)         # a ValueLabel fits its size to its font
            self._style_axes_for(self.accuracy_plot.scene() is not None)
        if self.isVisible() and not self._pending.isActive():
            self._pending.start(0)          # the ranges' room for end labels is in pixels

    def plot_heights(self) -> tuple[int, int]:
        """(loss, accuracy) heights in pixels the plots' data areas are given (accuracy 0 when
        it is not shown): the loss plot takes LOSS_SHARE of what the step axis leaves."""
        left, top, right, bottom = self.graphics.ci.getContentsMargins()
        total = max(0, self.graphics.height() - int(top + bottom))
        if self.accuracy_plot.scene() is None:
            return total - 2, 0
        axis = int(np.ceil(self.accuracy_plot.getAxis("bottom").maximumHeight()))
        plots = max(0, total - axis - 4)                # 1 pixel margins round each plot
        loss = int(round(plots * self.LOSS_SHARE[not self._compact]))
        return loss, plots - loss

    def _fit_rows(self) -> None:
        """Give the plots their heights (fixed rows: pyqtgraph's stretch factors share the
        room with the step axis) and show the axis titles where they have room."""
        layout = self.graphics.ci.layout
        loss, accuracy = self.plot_heights()
        if accuracy:
            layout.setRowFixedHeight(0, loss + 2)
            layout.setRowFixedHeight(1, self.graphics.height() - loss - 2)
        else:
            for row in (0, 1):
                layout.setRowMinimumHeight(row, 0)
                layout.setRowMaximumHeight(row, 1e6)
        show = min(loss, accuracy or loss) >= self.AXIS_TITLE_MIN_HEIGHT
        for plot in (self.loss_plot, self.accuracy_plot):
            axis = plot.getAxis("left")
            if axis.label.isVisible() != show:
                axis.showLabel(show)

    def refresh(self) -> None:
        self._refreshed = time.perf_counter()
        self._pending.stop()
        h = self.session.history
        steps = h.column("step")
        y_lo, y_hi = self._fit_ranges(steps)
        # Off-scale points are drawn just past the plot's edge: a blown-up loss (1e277) as a
        # coordinate makes Qt drop the whole curve.
        margin = 10.0 * (y_hi - y_lo)
        points = max(200, 2 * int(self.loss_plot.vb.width()))
        for item, name in ((self.train_curve, "train_loss"), (self.test_curve, "test_loss"),
                           (self.train_accuracy, "train_accuracy"),
                           (self.test_accuracy, "test_accuracy")):
            y = h.column(name)
            if "loss" in name:
                with np.errstate(divide="ignore", invalid="ignore"):
                    y = np.log10(y) if self.experiment.log_loss else y
                    y = np.clip(y, y_lo - margin, y_hi + margin)
            item.setData(*peak_decimate(steps, y, points))
        diverged_at = self.session.diverged_at
        self.divergence_line.setVisible(diverged_at is not None)
        if diverged_at is not None:
            self.divergence_line.setValue(diverged_at)
        has_accuracy = self.session.data is not None and self.session.data.task != "regression"
        shown = self.accuracy_plot.scene() is not None
        if has_accuracy and not shown:
            self.graphics.addItem(self.accuracy_plot, row=1, col=0)
            self._style_axes_for(accuracy=True)
        elif shown and not has_accuracy:
            self.graphics.removeItem(self.accuracy_plot)
            self._style_axes_for(accuracy=False)
        if shown != has_accuracy:
            self._fit_rows()
        if has_accuracy != self.row_titles["accuracy"].isVisibleTo(self):
            for widget in (self.row_titles["accuracy"], self.readout["train_accuracy"],
                           self.readout["test_accuracy"]):
                widget.setVisible(has_accuracy)        # no accuracy for a regression
        for key, label in self.readout.items():
            value = h.last(key) if len(h) else float("nan")
            if len(h) == 0 or ("accuracy" in key and not np.isfinite(value)):
                label.setText("\u2013")
            elif "accuracy" in key:
                label.setText(f"{value * 100:.1f}%")
            else:
                label.setText(theme.number(value))     # as the status bar writes it

    def _fit_ranges(self, steps: np.ndarray) -> tuple[float, float]:
        """Step axis from 0 to the next nice number past the last step; loss axis from 0 to the
        next nice number past the largest loss on show (log scale: the whole decades around
        the losses on show). After a divergence the blow-up is left out: the rule is
        ``playground.curve_scale.loss_range``, which the headless loss picture follows too.
        Returns the loss axis's (low, high) without padding."""
        h = self.session.history
        x_end = nice_ceil(float(steps[-1])) if len(steps) else 1.0
        if x_end != self._x_end:
            self._x_end = x_end
            self.loss_plot.setXRange(0.0, x_end, padding=0.02)
        y_range = loss_range(steps, h.column("train_loss"), h.column("test_loss"),
                             self.session.diverged_at, self.experiment.log_loss)
        # pyqtgraph drops a tick label that sticks out of the plot, and the ends of the axis
        # are labelled (0, or the first and last decade): they get room for half a label.
        height = self.loss_plot.vb.height()
        pad = round(max(0.02, LABEL_ROOM / max(height - 2 * LABEL_ROOM, LABEL_ROOM)), 3)
        if (y_range, pad) != self._y_end:
            self._y_end = (y_range, pad)
            self.loss_plot.setYRange(*y_range, padding=pad)
        return y_range

    def _style_axes_for(self, accuracy: bool) -> None:
        """The step axis sits under the lowest plot: the accuracy plot when it is shown; it
        is titled "step" unless the panel is compact."""
        bottom = self.loss_plot.getAxis("bottom")
        bottom.setStyle(showValues=not accuracy)
        titled = not self._compact
        self.loss_plot.setLabel("bottom", "" if accuracy else "step")
        bottom.showLabel(titled and not accuracy)
        self.accuracy_plot.getAxis("bottom").showLabel(titled)
        self._fit_rows()

    def _on_experiment_state_changed(self, name: str) -> None:
        if name == "log_loss":
            with QSignalBlocker(self.log_scale):
                self.log_scale.setChecked(self.experiment.log_loss)
            # The panel plots log10(loss) itself and sets the ranges by hand: pyqtgraph's own
            # log mode would also switch autorange back on, and the step axis would drift.
            self.loss_plot.getAxis("left").set_log_ticks(self.experiment.log_loss)
            self._y_end = None
            self.refresh()

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Leave and watched is self.graphics.viewport():
            self._hide_hover()
        elif event.type() == QEvent.Type.Resize and watched is self.graphics:
            self._fit_rows()
        return super().eventFilter(watched, event)

    def _hide_hover(self) -> None:
        self.cursor.setVisible(False)
        self.hover_text.setVisible(False)

    def _on_session_paused(self, reason: str, message: str) -> None:
        if reason == "diverged":
            self.refresh()                  # the scale before the blow-up, the step marked

    def _on_scene_mouse_moved(self, pos) -> None:
        vb = self.loss_plot.vb
        h = self.session.history
        if not vb.sceneBoundingRect().contains(pos) or len(h) == 0:
            self._hide_hover()
            return
        x = vb.mapSceneToView(pos).x()
        steps = h.column("step")
        i = int(np.clip(np.searchsorted(steps, x), 0, len(steps) - 1))
        if i > 0 and abs(steps[i - 1] - x) < abs(steps[i] - x):
            i -= 1
        train, test = h.column("train_loss")[i], h.column("test_loss")[i]
        text = f"step {int(steps[i])}\ntrain {theme.number(train)}"
        if np.isfinite(test):
            text += f"\ntest {theme.number(test)}"
        self.cursor.setValue(steps[i])
        self.cursor.setVisible(True)
        y_view = vb.mapSceneToView(pos).y()
        self.hover_text.setText(text)
        self.hover_text.setPos(steps[i], y_view)
        self.hover_text.setVisible(True)

    def hover_readout(self) -> str:
        return self.hover_text.toPlainText() if self.hover_text.isVisible() else ""
