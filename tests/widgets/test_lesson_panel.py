"""The Lessons menu and the lesson panel in a real main window: a lesson opens from the menu (or
as a file) with its explanation beside the views, Show me applies its step and plays, a plain
experiment takes the panel away, a lab lesson opens the optimizer lab."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMenu

from playground import files, lessons
from playground.fields import Layer
from playground.lab import LabSetup
from playground.lab_lessons import LAB_LESSONS
from widgets.lesson_panel import LessonPanel, formula_lines

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


def lessons_menu(window) -> QMenu:
    (menu,) = [a.menu() for a in window.menuBar().actions()
               if a.menu() is not None and a.text().replace("&", "") == "Lessons"]
    return menu


def in_front(dock) -> bool:
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def open_from_menu(window, name: str) -> None:
    menu = lessons_menu(window)
    (action,) = [a for sub in menu.actions() if sub.menu() is not None
                 for a in sub.menu().actions() if a.data() == name]
    action.trigger()


def test_the_menu_groups_every_lesson_by_concept(make_window):
    window = make_window()
    menu = lessons_menu(window)
    groups = {a.text(): [b.data() for b in a.menu().actions()]
              for a in menu.actions() if a.menu() is not None}
    assert groups == {concept: [lesson.name for lesson in group]
                      for concept, group in lessons.by_concept()}


def test_a_lesson_opens_from_the_menu_with_its_explanation(make_window, qtbot):
    window = make_window()
    dock = window.lesson_menu.dock
    assert dock.isHidden() and not dock.toggleViewAction().isEnabled()
    lesson = lessons.LESSONS_BY_NAME["zeros_init"]
    open_from_menu(window, "zeros_init")
    assert window.experiment.values() == lessons.document(lesson).values
    qtbot.waitUntil(lambda: in_front(dock), timeout=TIMEOUT)
    shown = [label.text() for label in dock.findChildren(QLabel) if label.isVisible()]
    assert lesson.title in shown and lesson.look_at in shown and lesson.try_next in shown
    assert formula_lines(lesson.formula) in shown
    assert "(lesson)" in window.windowTitle() and not window.isWindowModified()
    assert dock.toggleViewAction().isEnabled()
    # a plain experiment takes the panel away
    window.file_actions.open_preset("xor")
    assert dock.isHidden() and not dock.toggleViewAction().isEnabled()


def test_show_me_applies_its_step_and_plays(make_window, qtbot):
    window = make_window()
    open_from_menu(window, "nonlinear_xor")
    panel = window.lesson_menu.panel
    qtbot.waitUntil(lambda: panel.show_me_button.isVisible(), timeout=TIMEOUT)
    assert not window.session.running
    qtbot.mouseClick(panel.show_me_button, Qt.MouseButton.LeftButton)
    assert window.experiment.layers == lessons.LESSONS_BY_NAME["nonlinear_xor"].show_me["layers"]
    assert window.session.running
    qtbot.waitUntil(lambda: window.session.latest is not None and
                    window.session.latest.generation == window.session.generation and
                    window.session.latest.step > 0, timeout=TIMEOUT)
    window.session.pause()


def test_a_show_me_step_the_experiment_refuses_changes_nothing(qtbot, make_session):
    experiment, session = make_session()
    panel = LessonPanel(experiment, session)
    qtbot.addWidget(panel)
    panel.show()
    before = experiment.values()
    panel.set_lesson({"name": "n", "title": "T", "concept": "", "look_at": "", "formula": "",
                      "try_next": "", "show_me": {"learning_rate": -1.0}})
    qtbot.mouseClick(panel.show_me_button, Qt.MouseButton.LeftButton)
    assert experiment.values() == before and not session.running
    assert panel.error.isVisible() and "learning" in panel.error.text().lower()
    # without a Show me step there is no button; empty parts are not shown
    panel.set_lesson({"name": "n", "title": "T", "concept": "", "look_at": "", "formula": "",
                      "try_next": "", "show_me": {}})
    assert not panel.show_me_button.isVisible() and not panel.error.isVisible()
    assert not panel.formula_card.isVisible() and not panel.look_at.isVisible()


def test_lesson_text_is_shown_as_plain_text(qtbot, make_session):
    experiment, session = make_session()
    panel = LessonPanel(experiment, session)
    qtbot.addWidget(panel)
    markup = "<b>not bold</b> <img src='x'>"
    panel.set_lesson({"name": "n", "title": markup, "concept": "c", "look_at": markup,
                      "formula": "a ; b\nc", "try_next": markup, "show_me": {}})
    for label in (panel.title, panel.look_at, panel.try_next):
        assert label.text() == markup and label.textFormat() == Qt.TextFormat.PlainText
    assert panel.formula.text() == "a\nb\nc"


def test_formula_lines_puts_each_part_on_its_own_line():
    assert formula_lines("v ← ρv + ∇f ;  x ← x − ηv") == "v ← ρv + ∇f\nx ← x − ηv"
    assert formula_lines(" ; one ;; \n two ") == "one\ntwo"
    assert formula_lines("") == ""


def test_opening_a_lesson_file_shows_its_panel_and_saving_keeps_it(make_window, qtbot,
                                                                 tmp_path):
    path = files.save(tmp_path / "mine.nnp", lessons.load("dead_relu"))
    window = make_window()
    assert window.file_actions.open_path(path)
    dock = window.lesson_menu.dock
    qtbot.waitUntil(lambda: in_front(dock), timeout=TIMEOUT)
    assert window.lesson_menu.panel.title.text() == lessons.LESSONS_BY_NAME["dead_relu"].title
    window.experiment.set("learning_rate", 0.5)
    again = tmp_path / "again.nnp"
    window.file_actions.ask_save_path = lambda *a: str(again)
    assert window.file_actions.save_as()
    qtbot.waitUntil(again.exists, timeout=TIMEOUT)
    saved = files.load(again)
    assert saved.lesson == lessons.section(lessons.LESSONS_BY_NAME["dead_relu"])
    assert saved.values["learning_rate"] == 0.5


def test_opening_a_lesson_asks_about_unsaved_changes(make_window):
    window = make_window()
    window.experiment.set("learning_rate", 0.2)
    asked = []
    window.file_actions.ask_unsaved = lambda name: asked.append(name) or "cancel"
    open_from_menu(window, "zeros_init")
    assert asked and window.experiment.learning_rate == 0.2
    assert window.lesson_menu.dock.isHidden()


def test_a_lab_lesson_opens_the_optimizer_lab(make_window, qtbot):
    window = make_window()
    lesson = LAB_LESSONS[0]
    before = window.experiment.values()
    open_from_menu(window, lesson.name)
    labs = window.lab_actions.labs
    assert len(labs) == 1 and labs[0].lab.setup == LabSetup.from_dict(lesson.lab)
    assert lesson.title in labs[0].windowTitle()
    assert window.experiment.values() == before        # the experiment is left alone
    window.lab_actions.close_all()
    qtbot.waitUntil(lambda: not window.lab_actions.labs, timeout=TIMEOUT)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_the_lesson_column_is_wide_enough_to_read(make_window, qtbot, size):
    window = make_window(size=size)
    open_from_menu(window, "vanishing_sigmoid")     # six layers: the widest network
    dock = window.lesson_menu.dock
    qtbot.waitUntil(lambda: in_front(dock) and dock.width() >= 300, timeout=TIMEOUT)
    assert window.output_dock.width() >= 300
    assert all(isinstance(layer, Layer) for layer in window.experiment.layers)
    # a new zoom lays the docks out again: the lesson keeps a readable column
    try:
        window.look_actions.set_zoom(1.5)
        qtbot.wait(50)
        qtbot.waitUntil(lambda: dock.width() >= 300, timeout=TIMEOUT)
    finally:
        window.look_actions.set_zoom(1.0)
