"""Folding the left column away when the window is zoomed in too far for it.

On a 1920 x 1080 projector at 200% (or a laptop under ``QT_SCALE_FACTOR=2``, 960 logical pixels
wide) the network, the decision boundary and the curves cannot all fit beside the Data, Training
and Lesson panels: squeezed, the panels become an unreadable sliver and the network still
scrolls. The room goes to what the class looks at: the left column folds away, the status bar
says so, and it comes back by itself when the zoom or the window gives the room again.

``View > Fold the side panels to fit`` turns folding off (an app setting, not the experiment's);
showing a folded panel by hand (its View menu entry, a lesson opening its panel) unfolds the
column until the zoom or presentation mode changes. Folding never touches the experiment's
``hidden_panels`` (what a teacher hides from the class is saved in the file; this is not).
"""
from __future__ import annotations

from contextlib import nullcontext

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow

from widgets import theme

FOLD_KEY = "look/fold_side_panels"
#: Folding is for a room or a small screen: zoomed in this far, presenting, or a window this
#: narrow (in logical pixels). At 100% on a laptop a wide network scrolls instead.
FOLD_ZOOM = 1.5
NARROW_WINDOW = 1100
UNFOLD_MARGIN = 40      # px at 100%
RESIZE_PAUSE_MS = 120   # decide once a resize has paused this long (not at every pixel)
_LEFT = Qt.DockWidgetArea.LeftDockWidgetArea


def should_fold(width: int, left_usable: int, right_least: int, network_least: int,
                zoom: float, presenting: bool, folded: bool = False) -> bool:
    """Whether the left column must give its room: the network's least width does not fit
    between the left column at its least usable width and the right column at its least, and
    the window is zoomed in (``FOLD_ZOOM``), presenting, or narrower than ``NARROW_WINDOW``.
    Once ``folded``, the column comes back only with UNFOLD_MARGIN (times the zoom) to spare,
    so that a few pixels either way do not fold and unfold it in turn."""
    spare = width - left_usable - right_least - network_least
    crowded = spare < (UNFOLD_MARGIN * zoom if folded else 0)
    return crowded and (presenting or zoom >= FOLD_ZOOM - 1e-9 or width < NARROW_WINDOW)


class SideFold(QObject):
    """Folds ``window``'s left dock column (its visible docks in the left area) when
    ``should_fold`` says so. ``measure()`` gives (left_usable, right_least, network_least) in
    pixels at the present zoom. ``update()`` decides again; it runs when the window is shown or
    resized (after the resizing has paused) and the window calls it when it lays out its docks."""

    def __init__(self, window: QMainWindow, settings: QSettings, measure):
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.measure = measure
        self._resized = QTimer(self)
        self._resized.setSingleShot(True)
        self._resized.setInterval(RESIZE_PAUSE_MS)
        self._resized.timeout.connect(self.update)
        window.installEventFilter(self)
        self.folded: list[QDockWidget] = []
        self._declined = False          # a folded panel was shown by hand: leave it be
        self._folding = False           # (our own hide and show)
        self._told = False              # the banner has said it once
        self.action = QAction("&Fold the side panels to fit", self)
        self.action.setCheckable(True)
        self.action.setChecked(str(settings.value(FOLD_KEY, "true")).lower() != "false")
        self.action.setToolTip("Zoomed in (150% and more), presenting or on a small screen, "
                               "fold the Data, Training and Lesson panels away when the "
                               "network, the boundary and the curves would not fit beside "
                               "them; they come back when there is room (a setting of the "
                               "app, not saved in the experiment)")
        self.action.toggled.connect(self._on_action_toggled)
        self._last_look = theme.look()
        theme.changes.look_changed.connect(self._on_theme_look_changed)

    # ---- reading ----------------------------------------------------------------------------
    @property
    def is_folded(self) -> bool:
        return bool(self.folded)

    def left_docks(self) -> list[QDockWidget]:
        """The docks in the window's left area, floating ones aside."""
        w = self.window
        return [d for d in w.findChildren(QDockWidget)
                if d.parent() is w and not d.isFloating()
                and w.dockWidgetArea(d) == _LEFT]

    # ---- deciding ---------------------------------------------------------------------------
    def update(self) -> bool:
        """Fold or unfold for the window's present width and zoom; True when folded after."""
        if not self.window.isVisible():
            return bool(self.folded)
        left_usable, right_least, network_least = self.measure()
        look = theme.look()
        fold = self.action.isChecked() and not self._declined and should_fold(
            self.window.width(), left_usable, right_least, network_least, look.zoom,
            look.presentation, folded=bool(self.folded))
        if fold and not self.folded:
            self._fold()
        elif not fold and self.folded:
            self._unfold()
        return bool(self.folded)

    def _fold(self) -> None:
        shown = [d for d in self.left_docks() if d.isVisible()]
        if not shown:
            return
        # the tab in front first: it is brought to the front again when the column unfolds
        shown.sort(key=lambda d: d.visibleRegion().isEmpty())
        self.folded = shown
        with self._quiet():
            for dock in shown:
                dock.hide()
                dock.visibilityChanged.connect(self._on_folded_dock_visibility_changed)
                dock.toggleViewAction().triggered.connect(self._on_folded_dock_toggled)
        names = " and ".join(d.windowTitle() for d in shown).replace(" and ", ", ",
                                                                     len(shown) - 2)
        text = (f"{names} folded away so that the network, the boundary and the curves fit "
                f"at {theme.look().zoom:.0%}: they come back when there is room, or untick "
                f"View > Fold the side panels to fit.")
        say = getattr(self.window, "show_message", None)
        if say is not None:
            # the first time in the banner (zoomed in, the status bar has no room for it)
            say(text, note=not self._told)
            self._told = True

    def _unfold(self) -> None:
        docks, self.folded = self.folded, []
        with self._quiet():
            for dock in docks:
                _disconnect(dock.visibilityChanged, self._on_folded_dock_visibility_changed)
                _disconnect(dock.toggleViewAction().triggered, self._on_folded_dock_toggled)
                dock.show()
            if docks:
                docks[0].raise_()           # the tab that was in front

    def _quiet(self):
        panels = getattr(self.window, "panel_visibility", None)
        outer = panels.quiet() if panels is not None else nullcontext()
        return _Both(outer, self)

    # ---- events -----------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:       # noqa: N802 (Qt's name)
        if obj is self.window and event.type() in (QEvent.Type.Show, QEvent.Type.Resize):
            self._resized.start()
        return False

    def _on_folded_dock_visibility_changed(self, visible: bool) -> None:
        # Shown by someone else: by the user (its View menu entry, which says so first through
        # _on_folded_dock_toggled) or by a layout being applied again (the panels the class
        # sees, a layout restored): decide once the showing is over.
        if visible and not self._folding and self.folded:
            QTimer.singleShot(0, self, self._after_outside_show)

    def _on_folded_dock_toggled(self, checked: bool) -> None:
        if checked and self.folded:
            self._declined = True           # the user wants the panels now

    def _after_outside_show(self) -> None:
        if not self.folded:
            return
        if self._declined:
            self._unfold()
            return
        with self._quiet():                 # a layout re-applied: the room is still short
            for dock in self.folded:
                if not dock.isHidden():
                    dock.hide()

    def _on_action_toggled(self, on: bool) -> None:
        self.settings.setValue(FOLD_KEY, "true" if on else "false")
        self._declined = False
        if not on:
            self._unfold()
        else:
            self.update()

    def _on_theme_look_changed(self, old, new) -> None:
        if (old.zoom, old.presentation) != (new.zoom, new.presentation):
            self._declined = False          # a new zoom decides afresh


class _Both:
    """Enter PanelVisibility.quiet() and mark the fold's own hides and shows."""

    def __init__(self, outer, fold: SideFold):
        self.outer, self.fold = outer, fold

    def __enter__(self):
        self.outer.__enter__()
        self.fold._folding = True

    def __exit__(self, *exc):
        self.fold._folding = False
        return self.outer.__exit__(*exc)


def _disconnect(signal, slot) -> None:
    try:
        signal.disconnect(slot)
    except (RuntimeError, TypeError):
        pass
