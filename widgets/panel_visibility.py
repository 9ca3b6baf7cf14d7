"""The panels a teacher hides from the class: the experiment's ``hidden_panels`` field made real.

The field (a tuple of names from ``playground.fields.PANELS``, saved in experiment and lesson
files) is the truth: when it changes the docks, the toolbar and the status bar are hidden or
shown to match; View > Show to the class (one checkable entry per panel) and a dock's close
button change the field.
"""
from contextlib import contextmanager

import shiboken6
from PySide6.QtCore import QObject, QSignalBlocker
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from playground.experiment import InvalidValue
from playground.fields import PANELS

#: Menu text of each panel.
PANEL_TITLES = {"network": "Network", "data": "Data", "training": "Training",
                "output": "Output (boundary or image views)", "curves": "Curves",
                "toolbar": "Toolbar", "status": "Status bar"}


class PanelVisibility(QObject):
    """Keeps ``panels`` (name -> the widget it hides: a dock, the toolbar, the status bar, the
    network view) in step with ``experiment.hidden_panels``; ``menu`` is View > Show to the
    class."""

    def __init__(self, experiment, panels: dict[str, QWidget], parent: QObject | None = None):
        super().__init__(parent)
        self.experiment = experiment
        self.panels = dict(panels)
        self.menu = QMenu("Show to the &class")
        self.menu.setToolTipsVisible(True)
        self.actions: dict[str, QAction] = {}
        for name in PANELS:
            if name not in self.panels:
                continue
            action = QAction(PANEL_TITLES[name], self.menu)
            action.setCheckable(True)
            action.setToolTip(f"Show the {PANEL_TITLES[name].lower()} (saved in the experiment "
                              f"file: a lesson opens with the panels its teacher chose)")
            action.toggled.connect(lambda on, n=name: self.show_panel(n, on))
            self.menu.addAction(action)
            self.actions[name] = action
        self.menu.addSeparator()
        show_all = self.menu.addAction("Show every panel")
        show_all.triggered.connect(lambda: self._set_hidden(()))
        # A dock closed with its X (or hidden by any other means the user has) is hidden.
        for name, widget in self.panels.items():
            toggle = getattr(widget, "toggleViewAction", None)
            if toggle is not None:
                toggle().toggled.connect(lambda on, n=name: self._on_dock_toggled(n, on))
        experiment.state_changed.connect(self._on_experiment_state_changed)
        self.apply()

    # ---- intent -----------------------------------------------------------------------------
    def show_panel(self, name: str, shown: bool) -> None:
        """Show or hide panel ``name`` (through the experiment's field)."""
        hidden = set(self.experiment.hidden_panels)
        hidden.discard(name) if shown else hidden.add(name)
        self._set_hidden(tuple(n for n in PANELS if n in hidden))

    def _set_hidden(self, hidden: tuple) -> None:
        if tuple(hidden) == tuple(self.experiment.hidden_panels):
            return
        try:
            self.experiment.set("hidden_panels", tuple(hidden))
        except InvalidValue:            # (cannot happen from the menu: names are PANELS')
            self.apply()

    def _on_dock_toggled(self, name: str, shown: bool) -> None:
        window = self.parent()
        if self._applying or not (shiboken6.isValid(window) and window.isVisible()):
            return                      # (a window closing or torn down hides its docks)
        if shown == (name in self.experiment.hidden_panels):
            self.show_panel(name, shown)

    # ---- model -> view ----------------------------------------------------------------------
    _applying = False

    def _on_experiment_state_changed(self, name: str) -> None:
        if name == "hidden_panels":
            self.apply()

    @contextmanager
    def quiet(self):
        """Panels shown or hidden inside this (a layout being restored) leave the field alone;
        call ``apply`` afterwards to make them match it again."""
        was, self._applying = self._applying, True
        try:
            yield
        finally:
            self._applying = was

    def apply(self) -> None:
        """Hide the panels the field names, show the others, tick the menu to match."""
        hidden = set(self.experiment.hidden_panels)
        with self.quiet():
            for name, widget in self.panels.items():
                if widget.isHidden() != (name in hidden):  # (showing a tab again raises it)
                    widget.setVisible(name not in hidden)
                with QSignalBlocker(self.actions[name]):
                    self.actions[name].setChecked(name not in hidden)

    def hidden(self) -> tuple:
        """The panels hidden now, as the field names them."""
        return tuple(self.experiment.hidden_panels)
