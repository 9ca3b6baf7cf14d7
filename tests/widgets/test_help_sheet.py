"""F1 opens a keyboard cheat sheet read from the window (every action with a shortcut, every
QShortcut, a key added later too); Help > What am I looking at? explains each view."""
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QDialog, QMenu

from playground import tips

TIMEOUT = 30_000


def press_f1(qtbot, window) -> QDialog:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F1)
    sheets = [d for d in window.findChildren(QDialog)
              if d.isVisible() and d.windowTitle() == "Keyboard shortcuts"]
    assert len(sheets) == 1
    return sheets[0]


def sheet_text(dialog) -> str:
    from PySide6.QtGui import QTextDocument
    doc = QTextDocument()
    doc.setHtml(dialog.text.text())
    return doc.toPlainText().replace("\u2060", "")     # word joiners keep |w| on one line


def native(sequence) -> str:
    return sequence.toString(QKeySequence.SequenceFormat.NativeText)


def help_menu(window) -> QMenu:
    return next(a.menu() for a in window.menuBar().actions()
                if a.menu() is not None and a.text().replace("&", "") == "Help")


def test_f1_lists_every_shortcut_of_the_window(qtbot, make_window):
    w = make_window()
    sheet = press_f1(qtbot, w)
    text = sheet_text(sheet)
    actions = [a for a in w.findChildren(QAction) if any(not k.isEmpty() for k in a.shortcuts())]
    assert len(actions) >= 8                   # File, Edit, View and Help keys at least
    for action in actions:
        for sequence in action.shortcuts():
            assert native(sequence) in text, action.text()
        assert action.text().replace("&", "").rstrip(".\u2026") in text
    shortcuts = w.findChildren(QShortcut)
    assert {native(s.key()) for s in shortcuts} >= {"Space", "S", "E", "R", "N"}
    rows = {keys: (command, tip) for _, keys, command, tip in sheet.rows}
    for s in shortcuts:
        assert native(s.key()) in rows and native(s.key()) in text
    # a QShortcut is described by the control that names its key
    assert rows["S"][0] == "Train one mini-batch step"
    assert rows["N"][0] == "Start again from new random weights"
    assert rows["Ctrl+Z"][0].startswith("Undo")
    assert rows["F1"][0] == "Keyboard shortcuts"


def test_a_key_added_later_is_on_the_sheet(qtbot, make_window):
    w = make_window()
    extra = QAction("Frobnicate the network", w)
    extra.setShortcut(QKeySequence("Ctrl+Alt+K"))
    w.addAction(extra)
    assert "Frobnicate the network" in sheet_text(press_f1(qtbot, w))
    extra.setShortcut(QKeySequence("Ctrl+Alt+J"))
    text = sheet_text(press_f1(qtbot, w))       # read again when it opens
    assert native(QKeySequence("Ctrl+Alt+J")) in text
    assert native(QKeySequence("Ctrl+Alt+K")) not in text


def test_each_view_has_its_what_am_i_looking_at_page(qtbot, make_window):
    w = make_window()
    looking = next(a.menu() for a in help_menu(w).actions()
                   if a.menu() is not None and "looking at" in a.text())
    titles = [a.text() for a in looking.actions()]
    assert titles == [v.title for v in tips.VIEW_HELP]
    assert {"network", "links", "neurons", "boundary", "curves"} <= set(tips.VIEW_HELP_BY_KEY)
    for action, view in zip(looking.actions(), tips.VIEW_HELP):
        action.trigger()
        dialog = next(d for d in w.findChildren(QDialog)
                      if d.isVisible() and d.windowTitle() == view.title)
        shown = sheet_text(dialog)
        assert all(p in shown for p in view.paragraphs)
    # Shift+F1 then a click on a view shows the same words
    for view in (w.network_view, w.boundary_view, w.curves_panel):
        assert view.whatsThis()
    assert "Link colours" in w.network_view.whatsThis()
    assert "decision boundary" in w.boundary_view.whatsThis()


def test_the_view_help_says_what_the_colours_mean():
    text = " ".join(" ".join(v.paragraphs) for v in tips.VIEW_HELP)
    for phrase in ("Blue links are positive weights, orange ones negative",
                   "95th percentile", "training points filled, test points outlined",
                   "test loss", "overfitting", "a = g(w\u00b7x + b)"):
        assert phrase in text


def test_the_sheet_lays_its_groups_in_two_columns_or_one():
    from widgets.help import shortcut_sheet_html
    rows = [("File", "Ctrl+N", "New", "Start again"), ("File", "Ctrl+O", "Open", ""),
            ("Edit", "Ctrl+Z", "Undo", ""), ("Help", "F1", "Keyboard shortcuts", "")]
    two, one = shortcut_sheet_html(rows, 2), shortcut_sheet_html(rows, 1)
    assert two.count("<table") == 3 and one.count("<table") == 1
    for text in (two, one):
        assert all(k in text for _, k, _, _ in rows) and "Start again" in text
        assert text.index("File") < text.index("Edit") < text.index("Help")
