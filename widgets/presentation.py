"""Zoom, theme and presentation mode: the View menu's look of the window, an application setting
(QSettings), never part of the experiment.

- Zoom: Ctrl+plus, Ctrl+minus, Ctrl+0 walk ``theme.ZOOMS``; the whole interface follows (fonts,
  style sheet sizes, plots' axes, lines and markers, the network view).
- Theme: System (the default: light or dark as the system's colour scheme says), Light, Dark.
- Presentation mode (F11 or the toolbar's Present button): full screen, a zoom of at least
  ``theme.PRESENTATION_ZOOM``, thicker lines, larger markers and a high-contrast palette. F11 or
  Escape leaves it and gives back the window's previous size, layout and zoom.

``LookActions`` keeps the look in ``theme`` (``theme.set_look``) and restyles the window
(``widgets.zoom.Restyle``) at each change.
"""
from PySide6.QtCore import QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QMenu

from widgets import theme, zoom

ZOOM_KEY = "look/zoom"
THEME_KEY = "look/theme"
THEME_TITLES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}
APP_SETTING = "a setting of the app, not saved in the experiment"
#: Leaving presentation mode gives the window its size and layout back at once and again this
#: much later: the window manager leaves full screen, and the panels' least sizes at the old
#: zoom are known, only after a few events.
RESTORE_AGAIN_MS = 150


class LookActions(QObject):
    """The View menu's Zoom, Theme and Presentation mode of ``window``; ``settings`` remembers
    the zoom and the theme. ``panels`` (a ``PanelVisibility``, optional) keeps the hidden
    panels as the experiment says when presentation mode gives back the layout."""

    def __init__(self, window: QMainWindow, settings: QSettings, panels=None):
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.panels = panels
        self.zoom = theme.nearest_zoom(_float(settings.value(ZOOM_KEY), 1.0))
        name = settings.value(THEME_KEY)
        self.theme_name = name if name in theme.THEMES else "system"
        self.presenting = False
        self._before: dict | None = None      # what presentation mode gives back
        self._restyle = zoom.Restyle(window)

        self.zoom_in = self._action("Zoom &in", self.zoom_in_step,
                                    [QKeySequence.StandardKey.ZoomIn, QKeySequence("Ctrl+=")])
        self.zoom_out = self._action("Zoom &out", self.zoom_out_step,
                                     [QKeySequence.StandardKey.ZoomOut])
        self.zoom_reset = self._action("&Actual size (100%)", lambda: self.set_zoom(1.0),
                                       [QKeySequence("Ctrl+0")])
        self.present = self._action("&Presentation mode", self.toggle_presentation,
                                    [QKeySequence(Qt.Key.Key_F11)])
        self.present.setCheckable(True)
        self.present.setIconText("Present")
        self.present.setToolTip("Presentation mode (F11): full screen, larger text, thicker "
                                "lines and points, high contrast. F11 or Escape leaves it.")
        self.present.setIcon(theme.icon("present"))
        # Escape leaves presentation mode; outside it Escape belongs to the fields (FieldFocus).
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self.escape.setEnabled(False)
        self.escape.activated.connect(self.leave_presentation)

        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for key in theme.THEMES:
            action = QAction(THEME_TITLES[key], self, checkable=True)
            action.setChecked(key == self.theme_name)
            action.triggered.connect(lambda _=False, k=key: self.set_theme(k))
            self.theme_group.addAction(action)
            self.theme_actions[key] = action
        self.zoom_label = QAction(self)
        self.zoom_label.setEnabled(False)

        hints = QGuiApplication.styleHints() if QGuiApplication.instance() else None
        if hints is not None:
            hints.colorSchemeChanged.connect(self._on_style_hints_color_scheme_changed)
        self.apply()

    def _action(self, text: str, slot, keys) -> QAction:
        action = QAction(text, self.window)
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _=False: slot())
        self.window.addAction(action)          # the keys work with the menu bar hidden too
        return action

    def fill_menu(self, view: QMenu) -> None:
        """Presentation mode, then the Zoom and Theme sub-menus, into the View menu."""
        view.addAction(self.present)
        zoom_menu = view.addMenu("&Zoom")
        zoom_menu.setToolTipsVisible(True)
        zoom_menu.addAction(self.zoom_label)
        zoom_menu.addSeparator()
        for action in (self.zoom_in, self.zoom_out, self.zoom_reset):
            zoom_menu.addAction(action)
        theme_menu = view.addMenu("&Theme")
        for action in self.theme_actions.values():
            theme_menu.addAction(action)
        theme_menu.addSeparator()
        note = theme_menu.addAction("Zoom and theme are settings of the app, not saved in "
                                    "the experiment")
        note.setEnabled(False)
        self.zoom_menu, self.theme_menu = zoom_menu, theme_menu

    # ---- intent -----------------------------------------------------------------------------
    def zoom_in_step(self) -> None:
        self.set_zoom(theme.zoom_step(self.zoom, +1))

    def zoom_out_step(self) -> None:
        self.set_zoom(theme.zoom_step(self.zoom, -1))

    def set_zoom(self, value: float) -> None:
        """Zoom the interface to ``value`` (1.0 is 100%; the nearest of ``theme.ZOOMS``);
        remembered as an app setting, except in presentation mode, which gives back the zoom
        it found."""
        self.zoom = theme.nearest_zoom(value)
        if not self.presenting:
            self.settings.setValue(ZOOM_KEY, self.zoom)
        self.apply()
        show = getattr(self.window, "show_message", None)
        if show is not None:
            show(f"Zoom {round(self.zoom * 100)}% ({APP_SETTING})")

    def set_theme(self, name: str) -> None:
        """``name`` in ``theme.THEMES``: follow the system, or always light or dark."""
        if name not in theme.THEMES:
            raise ValueError(f"theme must be one of {', '.join(theme.THEMES)}, not {name!r}")
        self.theme_name = name
        self.settings.setValue(THEME_KEY, name)
        self.theme_actions[name].setChecked(True)
        self.apply()

    def toggle_presentation(self) -> None:
        if self.presenting:
            self.leave_presentation()
        else:
            self.enter_presentation()

    def enter_presentation(self, full_screen: bool = True) -> None:
        """Full screen, larger, thicker, high contrast; what it changes is kept to give back.
        (``full_screen`` False keeps the window's size: a screenshot of a given size.)"""
        if self.presenting:
            return
        w = self.window
        self._before = {"zoom": self.zoom, "state": w.saveState(),
                        "geometry": w.saveGeometry(), "rect": w.geometry(),
                        "window_state": w.windowState()}
        self.presenting = True
        self.zoom = max(self.zoom, theme.PRESENTATION_ZOOM)
        self.escape.setEnabled(True)
        self.apply()
        show = getattr(w, "show_message", None)
        if show is not None:
            show(f"Presentation mode, zoom {round(self.zoom * 100)}%: F11 or Escape leaves it")
        if full_screen:
            w.showFullScreen()
            # Without a window manager (a bare X server, a kiosk) nobody makes the window as
            # large as its screen: ask for that too (a window manager does it anyway).
            w.setGeometry(w.screen().geometry())

    def leave_presentation(self) -> None:
        """Back to the window, layout and zoom from before presentation mode."""
        if not self.presenting:
            return
        before, self._before = self._before, None
        self.presenting = False
        self.escape.setEnabled(False)
        self.zoom = before["zoom"]
        self.apply()                # first: the sizes the window may take are the old ones
        w = self.window
        w.setWindowState(before["window_state"])
        if not before["window_state"] & Qt.WindowState.WindowFullScreen:
            w.showNormal() if not before["window_state"] & Qt.WindowState.WindowMaximized \
                else w.showMaximized()
        self._restore(before)
        QTimer.singleShot(RESTORE_AGAIN_MS, self, lambda: self._restore(before))

    def _restore(self, before: dict) -> None:
        w = self.window
        w.restoreGeometry(before["geometry"])
        if not w.windowState() & (Qt.WindowState.WindowFullScreen |
                                  Qt.WindowState.WindowMaximized):
            w.setGeometry(before["rect"])     # (not every platform restores a full screen's)
        self._restore_state(before["state"])

    def _restore_state(self, state) -> None:
        if self.panels is not None:
            with self.panels.quiet():
                self.window.restoreState(state)
            self.panels.apply()
        else:
            self.window.restoreState(state)

    # ---- applying ---------------------------------------------------------------------------
    def look(self) -> theme.Look:
        """The look the settings and the mode ask for now."""
        return theme.Look(zoom=self.zoom, dark=theme.dark_for(self.theme_name),
                          presentation=self.presenting)

    def apply(self) -> None:
        theme.set_look(self.look(), restyle=self._restyle)
        self._update_actions()

    def _update_actions(self) -> None:
        self.zoom_label.setText(f"Zoom {round(self.zoom * 100)}% ({APP_SETTING})")
        self.zoom_in.setEnabled(self.zoom < theme.ZOOMS[-1])
        self.zoom_out.setEnabled(self.zoom > theme.ZOOMS[0])
        self.present.setChecked(self.presenting)

    def _on_style_hints_color_scheme_changed(self, scheme) -> None:
        if self.theme_name == "system":
            self.apply()


def _float(value, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default
