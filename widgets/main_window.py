"""The main window: the network builder in the centre, data and training panels on the left,
the output and the curves on the right, the run controls on top, the numbers at the bottom.

The centre and the Output dock follow the data of the network built last (``session.modality``):
for 2-D points the neuron columns (NetworkView) and the decision boundary (BoundaryView), for
images the layer stack (LayerStackView) and the image views (ImageOutputPanel).

Panels are dock widgets; their arrangement is saved in QSettings when the window closes and
restored when it opens. The File menu (new, open, save, recent files, examples, export, autosave
and recovery, the title with the file name) belongs to ``widgets.file_actions.FileActions``.
"""
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QDockWidget, QMainWindow, QSizePolicy, QStackedWidget,
                               QToolButton, QVBoxLayout, QWidget)

from playground.experiment import Experiment
from playground.files import APP_NAME
from playground.session import TrainingSession
from widgets import help as help_menu
from widgets import lab_actions
from widgets import lesson_menu
from widgets import (import_actions, recording, side_fold, theme, tools_menu,
                     transfer_dialog, undo)
from widgets.boundary_view import BoundaryView
from widgets.curves_panel import CurvesPanel
from widgets.data_panel import DataPanel
from widgets.file_actions import AUTOSAVE_MS, FileActions
from widgets.image_output import ImageOutputPanel
from widgets.keyboard import FieldFocus
from widgets.layer_stack import LayerStackView
from widgets.network_view import NetworkView
from widgets.optimizer_panel import OptimizerPanel
from widgets.panel_visibility import PanelVisibility
from widgets.presentation import LookActions
from widgets.training_toolbar import TrainingToolbar
from widgets.window_bars import Banner, StatusView

SETTINGS_VERSION = 1
#: Dock sizing (``MainWindow._proportion_docks``): the left column's width range, the centre's
#: share of the window's width, the right column's least width (its rows of controls need it)
#: and the output's share of the right column's height at 720 and at 1080 pixels tall.
DATA_DOCK_WIDTH = (270, 340)
CENTRE_SHARE = 0.49
RIGHT_DOCK_MIN = 396
OUTPUT_SHARE = (0.5, 0.62)
DATA_SQUEEZED = 0.06
LAYER_STACK_LEAST = 330     # px at 100%: a layer card with its settings in three columns


class MainWindow(QMainWindow):
    """The playground window on one experiment. Closing it stops training."""

    def __init__(self, experiment: Experiment | None = None,
                 settings: QSettings | None = None, parent: QWidget | None = None,
                 recovery_path=None, autosave_ms: int = AUTOSAVE_MS):
        """``settings``: layout and recent files (default: the user's); ``recovery_path``: the
        autosave file (default: in the application data folder); ``autosave_ms``: autosave
        interval (0: never)."""
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.experiment = experiment or Experiment()
        self.session = TrainingSession(self.experiment, parent=self)
        self.settings = settings if settings is not None else QSettings(APP_NAME, APP_NAME)
        self.setWindowTitle(APP_NAME)    # FileActions adds the file name below
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks |
                            QMainWindow.DockOption.AllowTabbedDocks)

        self.banner = Banner()
        self.network_view = NetworkView(self.experiment, self.session)
        self.layer_stack = LayerStackView(self.experiment, self.session)
        #: the centre: the neuron columns of a 2-D experiment or the layer stack of an image one
        self.centre = QStackedWidget()
        self.centre.addWidget(self.network_view)
        self.centre.addWidget(self.layer_stack)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 8, 4, 0)     # narrow sides: the network needs the width
        layout.setSpacing(6)
        layout.addWidget(self.banner)
        layout.addWidget(self.centre, 1)
        self.setCentralWidget(central)

        self.data_panel = DataPanel(self.experiment, session=self.session)
        self.optimizer_panel = OptimizerPanel(self.experiment, self.session)
        self.boundary_view = BoundaryView(self.experiment, self.session)
        self.image_output = ImageOutputPanel(self.experiment, self.session)
        #: the Output dock: the decision boundary of 2-D points or the image views
        self.output_stack = QStackedWidget()
        self.output_stack.addWidget(self.boundary_view)
        self.output_stack.addWidget(self.image_output)
        self.curves_panel = CurvesPanel(self.experiment, self.session)
        self.data_dock = self._dock("Data", "dataDock", self.data_panel,
                                    Qt.DockWidgetArea.LeftDockWidgetArea)
        self.training_dock = self._dock("Training", "trainingDock", self.optimizer_panel,
                                        Qt.DockWidgetArea.LeftDockWidgetArea)
        self.tabifyDockWidget(self.data_dock, self.training_dock)
        self.data_dock.raise_()
        self.output_dock = self._dock("Output", "outputDock", self.output_stack,
                                      Qt.DockWidgetArea.RightDockWidgetArea)
        self.curves_dock = self._dock("Curves", "curvesDock", self.curves_panel,
                                      Qt.DockWidgetArea.RightDockWidgetArea)
        self.resizeDocks([self.data_dock, self.output_dock], [270, 380],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.output_dock, self.curves_dock], [310, 290],
                         Qt.Orientation.Vertical)

        self.toolbar = TrainingToolbar(self.experiment, self.session, self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)
        self.status = StatusView()
        self.setStatusBar(self.status)
        self._build_menus()
        self.file_actions = FileActions(self, self.experiment, self.session, self.settings,
                                        menu=self.file_menu, recovery_path=recovery_path,
                                        autosave_ms=autosave_ms)
        recording.install(self)             # File > Record a movie...
        transfer_dialog.install(self)       # File > New from a saved network...
        self.import_actions = import_actions.install(self)   # File > Import images...
        tools_menu.install(self)            # Tools > Compare runs, Search settings
        self.lab_actions = lab_actions.install(self)   # Tools > Optimizer lab...
        self.lesson_menu = lesson_menu.install(self)   # Lessons menu, lesson panel, Save as lesson
        undo.install(self)                  # Edit > Undo, Redo, Undo history
        help_menu.install(self)             # Help > Keyboard shortcuts (F1), view help
        # Zoomed in too far for the left column, it folds away (View > Fold the side panels).
        self.side_fold = side_fold.SideFold(self, self.settings, self._fold_measures)
        items = self.view_menu.actions()
        below = items.index(self.panel_visibility.menu.menuAction()) + 1
        self.view_menu.insertAction(items[below], self.side_fold.action)
        # Data is the tab shown first (a panel tabbed in beside it and hidden, as the lesson
        # panel is until a lesson opens, would leave Training in front).
        self.data_dock.raise_()
        self._default_state = self.saveState(SETTINGS_VERSION)

        # One key per run control, for a teacher at the keyboard (a focused text field keeps
        # its letters: Qt gives it the key first). Space plays and pauses whenever no text is
        # being typed, and Enter or Escape in a field gives the focus back (FieldFocus).
        self.shortcuts: dict[str, QShortcut] = {}
        for key, verb in ((Qt.Key.Key_Space, self.session.toggle_running),
                          (Qt.Key.Key_S, lambda: self.session.step(1)),
                          (Qt.Key.Key_E, self.session.run_epoch),
                          (Qt.Key.Key_R, self.session.reset),
                          (Qt.Key.Key_N, self.session.reinitialize)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(verb)
            self.shortcuts[QKeySequence(key).toString()] = shortcut
        self.field_focus = FieldFocus(self)
        self.network_view.neuron_hovered.connect(self.boundary_view.set_focus)
        self.banner.action.clicked.connect(self._on_banner_reset_clicked)
        self.session.snapshot_ready.connect(self.status.set_snapshot)
        self.session.paused.connect(self._on_session_paused)
        self.session.failed.connect(self._on_session_failed)
        self.session.network_rebuilt.connect(self._on_session_network_rebuilt)
        self._show_modality(self.session.modality)
        self.resize(1280, 720)
        self._docks_proportioned = False
        with self.panel_visibility.quiet():     # the file's hidden panels win over the layout
            self._restore_layout()
        self.panel_visibility.apply()
        # The Present toggle comes first: zoomed in, the toolbar's last items may not fit.
        present = QToolButton()
        present.setDefaultAction(self.look_actions.present)
        present.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        first = self.toolbar.actions()[0]          # (Reset)
        self.toolbar.insertWidget(self.toolbar.insertSeparator(first), present)
        self.present_button = present
        # A new zoom lays the docks out again (after the widgets have their new sizes).
        theme.changes.look_changed.connect(self._on_theme_look_changed)

    # ---- building ---------------------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable |
                         QDockWidget.DockWidgetFeature.DockWidgetFloatable |
                         QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        #: File menu: FileActions inserts New, Open, Save... above Quit.
        self.file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.file_menu.addAction(quit_action)
        view = self.menuBar().addMenu("&View")
        # Presentation mode, zoom and theme: settings of the app (QSettings), not of the file.
        self.look_actions = LookActions(self, self.settings)
        self.look_actions.fill_menu(view)
        view.addSeparator()
        # The panels the class sees: the experiment's hidden_panels, saved in its file.
        self.panel_visibility = PanelVisibility(
            self.experiment, {"network": self.centralWidget(), "data": self.data_dock,
                              "training": self.training_dock, "output": self.output_dock,
                              "curves": self.curves_dock, "toolbar": self.toolbar,
                              "status": self.status}, self)
        self.look_actions.panels = self.panel_visibility
        view.addMenu(self.panel_visibility.menu)
        view.addSeparator()
        for dock in (self.data_dock, self.training_dock, self.output_dock, self.curves_dock):
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        reset_layout = QAction("Reset panel layout", self)
        reset_layout.triggered.connect(self.reset_layout)
        view.addAction(reset_layout)
        self.view_menu = view

    # ---- messages ---------------------------------------------------------------------------
    def show_message(self, text: str, error: bool = False, note: bool = False) -> None:
        """Say something to the user: in the status bar, or in the banner when it matters: an
        ``error`` (about the user's input or files, not training: no Reset button, which would
        throw the trained weights away) or a ``note`` to read at leisure (an example's
        description), which stays until dismissed."""
        if error or note:
            self.banner.show_text(text, error=error, offer_reset=False)
        if not note:
            self.status.showMessage(text, 8000)

    def _on_session_failed(self, message: str) -> None:
        self.status.showMessage(message, 8000)
        self.banner.show_text(message, error=True)

    def _on_session_paused(self, reason: str, message: str) -> None:
        self.status.showMessage(message, 10000)
        self.banner.show_text(message, error=reason == "diverged")

    def _on_banner_reset_clicked(self) -> None:
        self.banner.hide()
        self.session.reset()

    def _on_session_network_rebuilt(self) -> None:
        if self.banner.isVisible() and not self.session.message:
            self.banner.hide()
        self.status.clear_numbers()
        self._show_modality(self.session.modality)

    def _show_modality(self, modality: str) -> None:
        """The centre and the Output dock of ``modality`` ("points" or "images")."""
        images = modality == "images"
        if images and self.centre.currentWidget() is self.network_view:
            self.network_view.canvas.set_focus(None)     # no neuron stays hovered
            self.session.focus_neuron(None)
            self.boundary_view.set_focus(None)
        for stack, shown in ((self.centre, self.layer_stack if images else self.network_view),
                             (self.output_stack,
                              self.image_output if images else self.boundary_view)):
            # A stack is as large as its largest page: the page not shown asks for no room.
            for i in range(stack.count()):
                page = stack.widget(i)
                own = page.property("ownSizePolicy")
                if own is None:
                    own = page.sizePolicy()
                    page.setProperty("ownSizePolicy", own)
                ignored = QSizePolicy.Policy.Ignored
                page.setSizePolicy(own if page is shown else QSizePolicy(ignored, ignored))
            stack.setCurrentWidget(shown)
            stack.updateGeometry()

    # ---- layout memory ----------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        self._layout_restored = isinstance(state, QByteArray) and self.restoreState(
            state, SETTINGS_VERSION)

    def _proportion_docks(self) -> None:
        """Give the side docks a share of the window that grows with it: on a 1920 x 1080
        projector the decision boundary and the curves get the room, not the empty middle.

        The left column stays about as wide as its controls need (DATA_DOCK_WIDTH); the right
        column takes what the centre can spare beyond CENTRE_SHARE of the window. The output
        takes OUTPUT_SHARE of its height (from the first figure at 720 pixels tall to the
        second at 1080: a taller window gives its room to the boundary's square first), the
        curves the rest. The widths grow with the zoom; when a zoomed-in network, the boundary
        and the curves cannot all fit beside the data panel at its width, the data panel
        gives way (down to DATA_SQUEEZED of the window), then the right column (down to the
        least width its rows need), so that they are seen whole."""
        w, h = self.width(), self.height()
        z = theme.look().zoom
        self.side_fold.update()
        network = self._fold_measures()[2]
        right_least = max(self.output_dock.minimumSizeHint().width(),
                          self.curves_dock.minimumSizeHint().width())
        data = int(min(max(DATA_DOCK_WIDTH[0] * z, 0.17 * w), DATA_DOCK_WIDTH[1] * z))
        if self.data_dock.isHidden() and self.training_dock.isHidden():
            data = 0                    # (hidden or folded: the others share its room)
        output = int(max(RIGHT_DOCK_MIN * z, w - data - CENTRE_SHARE * w))
        if w - data - output < network:         # the data panel gives way first...
            data = int(max(DATA_SQUEEZED * w, w - output - network))
        if w - data - output < network:         # ...then the right column, to its least
            output = int(max(right_least, w - data - network))
        self.resizeDocks([self.data_dock, self.output_dock], [data, output],
                         Qt.Orientation.Horizontal)
        share = OUTPUT_SHARE[0] + (OUTPUT_SHARE[1] - OUTPUT_SHARE[0]) * \
            min(max((h - 720) / (1080 - 720), 0.0), 1.0)
        self.resizeDocks([self.output_dock, self.curves_dock],
                         [int(share * h), int((1 - share) * h)], Qt.Orientation.Vertical)

    def _fold_measures(self) -> tuple[int, int, int]:
        """(the left column's least usable width, the right column's usable width, the
        centre's least width: the network's, or the layer stack's, with its scroll area's frame
        and the centre's margins), in pixels at the present zoom (``widgets.side_fold``)."""
        z = theme.look().zoom
        right = max(self.output_dock.minimumSizeHint().width(),
                    self.curves_dock.minimumSizeHint().width(), int(RIGHT_DOCK_MIN * z))
        # (the layer stack's cards reflow to their width, so their least width is a constant:
        # measured, it would change as the column folds and unfolds)
        least = self.network_view.canvas.minimumWidth() \
            if self.centre.currentWidget() is self.network_view else int(LAYER_STACK_LEAST * z)
        return (int(DATA_DOCK_WIDTH[0] * z), right, least + 24)

    def _on_theme_look_changed(self, old, new) -> None:
        if old.zoom != new.zoom:
            QTimer.singleShot(0, self, self._proportion_docks)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._layout_restored and not self._docks_proportioned:
            self._docks_proportioned = True
            self._proportion_docks()

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(SETTINGS_VERSION))
        self.settings.sync()

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, SETTINGS_VERSION)
        for dock in (self.data_dock, self.training_dock, self.output_dock, self.curves_dock):
            dock.show()
        self._proportion_docks()

    def closeEvent(self, event) -> None:
        # FileActions' event filter has already asked about unsaved changes: a cancelled close
        # never gets here, so training goes on.
        self.save_layout()
        # Gone from the screen before the shutdown waits (up to SHUTDOWN_TIMEOUT_MS) for a
        # worker busy in one long call, a first compile say: not a frozen window meanwhile.
        self.hide()
        self.session.shutdown()
        super().closeEvent(event)

    def fit_to_screen(self) -> None:
        """No larger than the screen's free area (a remembered size from a larger screen, or
        1280 x 720 under QT_SCALE_FACTOR=2 on a 1920 x 1080 screen, would open partly off
        it), and on it."""
        screen = self.screen()
        if screen is None:
            return
        room = screen.availableGeometry()
        size = self.size().boundedTo(room.size()).expandedTo(self.minimumSizeHint())
        if size != self.size():
            self.resize(size)
        frame = self.frameGeometry()
        if not room.contains(frame):
            self.move(max(room.left(), min(frame.left(), room.right() - frame.width())),
                      max(room.top(), min(frame.top(), room.bottom() - frame.height())))

    def close_without_asking(self) -> Path | None:
        """Close at once, for Ctrl-C or SIGTERM from outside (main.py): unsaved work goes to
        the recovery file, which the next start offers back, instead of a question nobody may
        be there to answer; training stops and its thread ends. Returns the recovery file when
        it was written."""
        actions = self.file_actions
        kept = actions.write_recovery_now()
        actions.autosave_timer.stop()
        # Without FileActions' filter the close neither asks nor deletes the recovery file.
        self.removeEventFilter(self.file_actions)
        self.close()
        return self.file_actions.recovery_path if kept else None
