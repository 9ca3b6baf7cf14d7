"""The Help menu: the keyboard cheat sheet (F1), "What am I looking at?" for each view, and the
tooltips of the controls that set no field.

``install(window)`` adds the menu and returns the ``HelpMenu`` (also ``window.help_menu``). The
cheat sheet is read from the window when it opens: every QAction with a shortcut (its menu, its
text, its status tip) and every QShortcut (described by its What's This text, or by the tooltip
of the control that names its key, "Train one mini-batch step (S)"), so a key added anywhere
shows up without a second list. The words of the view help and of the tooltips come from
``playground.tips``.
"""
import html
import re

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractButton, QDialog, QDialogButtonBox, QDockWidget, QLabel,
                               QMenu, QScrollArea, QTabBar, QVBoxLayout, QWhatsThis, QWidget)

from playground import tips
from widgets import theme

SHEET_SIZE = (1100, 650)
TWO_COLUMNS_WIDTH = 1000      # pixels at 100%: below this the cheat sheet has one column
VIEW_HELP_SIZE = (520, 380)
#: The view (an attribute of the window) each "What am I looking at?" entry is about.
VIEW_OF_HELP = {"network": "network_view", "links": "network_view", "neurons": "network_view",
                "boundary": "boundary_view", "curves": "curves_panel"}
#: Key names as tooltips write them, where Qt abbreviates them.
KEY_NAMES = {"Esc": "Escape", "Del": "Delete", "Ins": "Insert", "PgUp": "Page Up",
             "PgDown": "Page Down"}
#: The buttons Qt puts on a dock's title bar, by object name, and their CONTROL_TIPS key.
DOCK_BUTTONS = {"qt_dockwidget_closebutton": "dock_close",
                "qt_dockwidget_floatbutton": "dock_float"}


def plain(text: str) -> str:
    """A menu text without its mnemonic ampersands and its trailing ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(".\u2026 ")


def key_text(sequence: QKeySequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.NativeText)


def menu_paths(window) -> dict:
    """{QAction: "File > Examples"} for every action in the window's menus."""
    paths: dict = {}

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if sub is not None:
                walk(sub, f"{path} > {plain(action.text())}")
            elif action not in paths:
                paths[action] = path

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), plain(top.text()))
    return paths


def shortcut_rows(window) -> list[tuple[str, str, str, str]]:
    """(group, keys, command, what it does) for every action with a shortcut and every
    QShortcut of ``window``, in menu order, the window's own keys last."""
    paths = menu_paths(window)
    rows, seen = [], set()
    actions = list(paths) + [a for a in window.findChildren(QAction) if a not in paths]
    for action in actions:
        keys = [k for k in action.shortcuts() if not k.isEmpty()]
        if not keys or id(action) in seen:
            continue
        seen.add(id(action))
        group = paths.get(action, "Window").split(" > ")[0]
        tip = action.statusTip() or (action.toolTip() if action.toolTip() != plain(
            action.text()) else "")
        if tip.startswith(plain(action.text())) and ": " in tip:
            tip = tip.split(": ", 1)[1]      # "Presentation mode (F11): full screen..."
        rows.append((group, ", ".join(key_text(k) for k in keys), plain(action.text()), tip))
    for shortcut in window.findChildren(QShortcut):
        if shortcut.key().isEmpty():
            continue
        key = key_text(shortcut.key())
        command, tip = describe_shortcut(window, shortcut, key)
        if not shortcut.isEnabled():
            tip = (tip + " " if tip else "") + "(only when it applies)"
        rows.append(("Window", key, command, tip))
    return rows


def describe_shortcut(window, shortcut: QShortcut, key: str) -> tuple[str, str]:
    """(command, what it does) of a QShortcut: its What's This text, or the tooltip of the
    window's control that names its key in brackets, or a sentence of a tooltip naming it."""
    if shortcut.whatsThis():
        return shortcut.whatsThis(), ""
    tooltips = [w.toolTip() for w in window.findChildren(QWidget) if w.toolTip()] + \
               [a.toolTip() for a in window.findChildren(QAction) if a.toolTip()]
    names = {key, shortcut.key().toString(QKeySequence.SequenceFormat.PortableText),
             KEY_NAMES.get(key, key)}
    for tip in tooltips:
        for name in names:
            if tip.endswith(f"({name})"):
                return tip[:-len(name) - 2].strip(), ""
    for tip in tooltips:
        for sentence in tip.replace("\n", " ").split(". "):
            if any(f" {name} " in f" {sentence.rstrip('.')} " for name in names):
                return sentence.rstrip(".").strip(), tip.split("(")[0].strip()
    return key, ""


def shortcut_sheet_html(rows, columns: int = 2) -> str:
    """The rows as HTML, grouped by menu; with ``columns`` 2, the groups in two columns of
    about equal length."""
    groups: list[tuple[str, list]] = []
    for g, keys, command, tip in rows:
        if not groups or groups[-1][0] != g:
            groups.append((g, []))
        groups[-1][1].append((keys, command, tip))
    sizes = [1 + 1.6 * len(items) for _, items in groups]
    split, best = 0, float("inf")
    for k in range(len(groups) + 1):
        imbalance = abs(sum(sizes[:k]) - sum(sizes[k:]))
        if imbalance < best:
            split, best = k, imbalance
    note = f"<p>{html.escape(tips.CONTROL_TIPS['field_keys'])}</p>"
    if columns == 1:
        return _groups_html(groups) + note
    columns = [_groups_html(groups[:split]), _groups_html(groups[split:])]
    return ("<table width='100%' cellspacing='0' cellpadding='0'><tr>"
            f"<td width='50%' valign='top' style='padding-right:18px'>{columns[0]}</td>"
            f"<td width='50%' valign='top'>{columns[1]}</td></tr></table>" + note)


def _groups_html(groups) -> str:
    grey = theme.color("muted")
    parts = ["<table cellspacing='0' cellpadding='2' width='100%'>"]
    for g, items in groups:
        parts.append(f"<tr><td colspan='2' style='padding-top:6px'><b>{html.escape(g)}"
                     f"</b></td></tr>")
        for keys, command, tip in items:
            note = f"<br><span style='color:{grey}'>{html.escape(tip)}</span>" if tip else ""
            parts.append(f"<tr><td width='34%' valign='top'><b>{html.escape(keys)}</b></td>"
                         f"<td valign='top'>{html.escape(command)}{note}</td></tr>")
    parts.append("</table>")
    return "".join(parts)


class HelpDialog(QDialog):
    """A small window of rich text in a scroll area, with a Close button."""

    def __init__(self, title: str, text_html: str, size: tuple, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.text = QLabel(text_html)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setFont(theme.font(1))
        self.text.setContentsMargins(8, 8, 8, 8)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.text)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setToolTip("Close this window")
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.resize(*size)

    def set_html(self, text_html: str) -> None:
        self.text.setText(text_html)

    def fitted(self, size: tuple) -> tuple[int, int]:
        """``size`` (pixels at 100%) times the zoom in use, within the screen."""
        width, height = theme.px(size[0]), theme.px(size[1])
        screen = self.parentWidget().screen() if self.parentWidget() else self.screen()
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width() - 40), min(height, room.height() - 60)
        return width, height

    def show_sized(self, size: tuple) -> None:
        self.resize(*self.fitted(size))
        self.show()
        self.raise_()


def view_help_html(view: tips.ViewHelp) -> str:
    return f"<h3>{html.escape(view.title)}</h3>" + "".join(
        f"<p>{_unbroken(html.escape(p))}</p>" for p in view.paragraphs)


def _unbroken(text: str) -> str:
    """Formulas such as |w| kept on one line (a line break after the first bar misreads)."""
    return re.sub(r"\|[^|\s]+\|", lambda m: "\u2060".join(m.group()), text)


class HelpMenu(QObject):
    """Help > Keyboard shortcuts (F1), What am I looking at? (one entry per view), What's This
    (Shift+F1: click any view for its help)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.sheet: HelpDialog | None = None
        self.view_windows: dict[str, HelpDialog] = {}
        self.menu = QMenu("&Help", window)
        self.shortcuts_action = QAction("&Keyboard shortcuts\u2026", window)
        self.shortcuts_action.setShortcut(QKeySequence(Qt.Key.Key_F1))
        self.shortcuts_action.setStatusTip("Every key of the window, read from its menus and "
                                           "controls")
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        window.addAction(self.shortcuts_action)    # F1 works with the menu bar hidden too
        self.menu.addAction(self.shortcuts_action)
        looking = self.menu.addMenu("&What am I looking at?")
        looking.setToolTipsVisible(True)
        self.view_actions: dict[str, QAction] = {}
        for view in tips.VIEW_HELP:
            action = QAction(view.title, window)
            action.setStatusTip(f"How to read {view.title.lower()}")
            action.triggered.connect(lambda _=False, k=view.key: self.show_view_help(k))
            looking.addAction(action)
            self.view_actions[view.key] = action
        self.whats_this = QWhatsThis.createAction(window)
        self.whats_this.setStatusTip("Click a view to read what it shows")
        window.addAction(self.whats_this)
        self.menu.addAction(self.whats_this)
        window.menuBar().addMenu(self.menu)
        self._set_whats_this()
        self._retip = QTimer(self)
        self._retip.setSingleShot(True)
        self._retip.setInterval(0)
        self._retip.timeout.connect(self.apply_tooltips)
        self.apply_tooltips()
        window.installEventFilter(self)

    # ---- windows ---------------------------------------------------------------------------
    def show_shortcuts(self) -> HelpDialog:
        """The cheat sheet, read from the window as it is now."""
        rows = shortcut_rows(self.window)
        if self.sheet is None:
            self.sheet = HelpDialog("Keyboard shortcuts", "", SHEET_SIZE, self.window)
        # two columns where they have room (a narrow screen or a large zoom gets one)
        wide = self.sheet.fitted(SHEET_SIZE)[0] >= theme.px(TWO_COLUMNS_WIDTH)
        self.sheet.set_html(shortcut_sheet_html(rows, 2 if wide else 1))
        #: (group, keys, command, what it does) of each line shown, for reading back
        self.sheet.rows = rows
        self.sheet.show_sized(SHEET_SIZE)
        return self.sheet

    def show_view_help(self, key: str) -> HelpDialog:
        view = tips.VIEW_HELP_BY_KEY[key]
        dialog = self.view_windows.get(key)
        if dialog is None:
            dialog = HelpDialog(view.title, view_help_html(view), VIEW_HELP_SIZE, self.window)
            self.view_windows[key] = dialog
        dialog.show_sized(VIEW_HELP_SIZE)
        return dialog

    def _set_whats_this(self) -> None:
        """Each view's What's This text: every help page about it, one after the other."""
        by_view: dict[str, list] = {}
        for view in tips.VIEW_HELP:
            by_view.setdefault(VIEW_OF_HELP[view.key], []).append(view_help_html(view))
        for attribute, pages in by_view.items():
            widget = getattr(self.window, attribute, None)
            if isinstance(widget, QWidget):
                widget.setWhatsThis("".join(pages))

    # ---- tooltips of the controls that set no field ---------------------------------------
    def apply_tooltips(self) -> None:
        """Dock title buttons and the tabs of tabbed docks (Qt makes both, and remakes the
        tab bars when docks move, so this runs again on every layout change)."""
        direct = Qt.FindChildOption.FindDirectChildrenOnly
        for dock in self.window.findChildren(QDockWidget, options=direct):
            for name, key in DOCK_BUTTONS.items():
                button = dock.findChild(QAbstractButton, name, direct)
                if button is not None:
                    button.setToolTip(tips.CONTROL_TIPS[key])
        for bar in self.window.findChildren(QTabBar, options=direct):
            for i in range(bar.count()):
                bar.setTabToolTip(i, tips.CONTROL_TIPS["tab"].format(title=bar.tabText(i)))

    def eventFilter(self, watched, event) -> bool:        # noqa: N802 (Qt's name)
        if watched is self.window and event.type() in (QEvent.Type.LayoutRequest,
                                                       QEvent.Type.ChildAdded):
            self._retip.start()           # once the layout change is over (its tabs named)
        return False


def install(window: QWidget) -> HelpMenu:
    """Give ``window`` (a QMainWindow) its Help menu; returns it (also ``window.help_menu``)."""
    help_menu = HelpMenu(window)
    window.help_menu = help_menu
    return help_menu
