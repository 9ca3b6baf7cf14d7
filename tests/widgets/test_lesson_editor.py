"""File > Save as lesson...: the explanation editor, and the lesson file it writes (the
experiment, its hidden panels and the explanation), which opens again with its panel."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from playground import files, lessons
from widgets.lesson_editor import LessonEditor

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


def save_button(editor: LessonEditor):
    return editor.buttons.button(QDialogButtonBox.StandardButton.Save)


def typing(qtbot, title="", concept="", look_at="", formula="", try_next="", keep=None,
           accept=True):
    """A run_editor that types into the dialog as a teacher would and presses Save (or
    Cancel)."""
    def run(editor: LessonEditor) -> bool:
        editor.show()
        for widget, text in ((editor.title, title), (editor.concept.lineEdit(), concept),
                             (editor.look_at, look_at), (editor.formula, formula),
                             (editor.try_next, try_next)):
            if not text:
                continue
            widget.setFocus()
            widget.selectAll()
            if text.isascii():
                qtbot.keyClicks(widget, text)
            else:           # (QTest types only what a keyboard map has: paste the rest)
                widget.insert(text) if hasattr(widget, "insert") else \
                    widget.insertPlainText(text)
        if keep is not None and editor.keep_show_me.isChecked() != keep:
            editor.keep_show_me.setFocus()
            qtbot.keyClick(editor.keep_show_me, Qt.Key.Key_Space)
        button = save_button(editor) if accept else \
            editor.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        return editor.result() == LessonEditor.DialogCode.Accepted
    return run


def test_the_editor_needs_a_title_and_previews_the_formula(qtbot):
    editor = LessonEditor(None, hidden_panels=("curves",), concepts=("Momentum",))
    qtbot.addWidget(editor)
    editor.show()
    assert not save_button(editor).isEnabled()
    qtbot.keyClicks(editor.title, "My lesson")
    assert save_button(editor).isEnabled()
    qtbot.keyClicks(editor.formula, "a = b ; c = d")
    assert editor.preview.text() == "a = b\nc = d"
    assert "Curves" in editor.panels_note.text()
    assert not editor.keep_show_me.isEnabled()          # nothing to keep
    assert editor.lesson("mine") == {"name": "mine", "title": "My lesson", "concept": "",
                                     "look_at": "", "formula": "a = b ; c = d",
                                     "try_next": "", "show_me": {}}


def test_the_editor_starts_from_the_open_lesson(qtbot):
    section = lessons.section(lessons.LESSONS_BY_NAME["nonlinear_xor"])
    editor = LessonEditor(section, concepts=("Activation functions",))
    qtbot.addWidget(editor)
    assert editor.lesson("nonlinear_xor") == section
    editor.keep_show_me.setChecked(False)
    assert editor.lesson("x")["show_me"] == {}


def test_save_as_lesson_writes_the_experiment_and_its_explanation(make_window, qtbot,
                                                                  tmp_path):
    window = make_window(dataset="xor")
    window.experiment.set("hidden_panels", ("data", "curves"))
    window.experiment.set("learning_rate", 0.05)
    saver = window.lesson_menu.saver
    assert saver.action in window.file_actions.menu.actions()
    saver.run_editor = typing(qtbot, title="XOR by hand", concept="Activation functions",
                              look_at="The four corners.", formula="ŷ = g(x₁x₂) ; g = tanh",
                              try_next="Remove the hidden layer.")
    target = tmp_path / "xor_lesson"
    window.file_actions.ask_save_path = lambda suggested, *a: str(target)
    assert saver.save_as_lesson()
    path = tmp_path / "xor_lesson.nnp"
    qtbot.waitUntil(path.exists, timeout=TIMEOUT)
    saved = files.load(path)
    assert saved.lesson == {"name": "xor_lesson", "title": "XOR by hand",
                            "concept": "Activation functions", "look_at": "The four corners.",
                            "formula": "ŷ = g(x₁x₂) ; g = tanh",
                            "try_next": "Remove the hidden layer.", "show_me": {}}
    assert saved.values["hidden_panels"] == ("data", "curves")
    assert saved.values["learning_rate"] == 0.05 and saved.values["dataset"] == "xor"
    # the panel shows it now, and the window is that file
    assert window.lesson_menu.panel.title.text() == "XOR by hand"
    assert window.windowTitle().startswith("xor_lesson[*]") and not window.isWindowModified()
    # opened again in another window, the lesson panel and the hidden panels come back
    other = make_window()
    assert other.file_actions.open_path(path)
    dock = other.lesson_menu.dock
    qtbot.waitUntil(lambda: dock.isVisible() and not dock.visibleRegion().isEmpty(),
                    timeout=TIMEOUT)
    assert other.lesson_menu.panel.formula.text() == "ŷ = g(x₁x₂)\ng = tanh"
    assert other.data_dock.isHidden() and other.curves_dock.isHidden()


def test_a_lesson_saved_again_keeps_its_show_me_step_unless_told(make_window, qtbot, tmp_path):
    window = make_window()
    window.lesson_menu.open("nonlinear_xor")
    saver = window.lesson_menu.saver
    window.file_actions.ask_save_path = lambda suggested, *a: str(tmp_path / "kept.nnp")
    saver.run_editor = typing(qtbot)                       # only Save
    assert saver.save_as_lesson()
    qtbot.waitUntil((tmp_path / "kept.nnp").exists, timeout=TIMEOUT)
    declared = lessons.section(lessons.LESSONS_BY_NAME["nonlinear_xor"])
    assert files.load(tmp_path / "kept.nnp").lesson == dict(declared, name="kept")
    window.file_actions.ask_save_path = lambda suggested, *a: str(tmp_path / "plain.nnp")
    saver.run_editor = typing(qtbot, keep=False)
    assert saver.save_as_lesson()
    qtbot.waitUntil((tmp_path / "plain.nnp").exists, timeout=TIMEOUT)
    assert files.load(tmp_path / "plain.nnp").lesson["show_me"] == {}
    assert not window.lesson_menu.panel.show_me_button.isVisible()


def test_cancelling_or_a_failed_save_changes_nothing(make_window, qtbot, tmp_path):
    window = make_window()
    saver = window.lesson_menu.saver
    asked = []
    window.file_actions.ask_save_path = lambda *a: asked.append(a) or str(tmp_path / "x.nnp")
    saver.run_editor = typing(qtbot, title="Never", accept=False)
    assert not saver.save_as_lesson()
    assert not asked and window.file_actions.lesson is None and not list(tmp_path.iterdir())
    # a folder that does not exist: the error is said, the window is no lesson
    window.file_actions.ask_save_path = lambda *a: str(tmp_path / "missing" / "x.nnp")
    saver.run_editor = typing(qtbot, title="Nowhere")
    assert not saver.save_as_lesson()
    assert window.file_actions.errors and "could not be saved" in window.file_actions.errors[-1]
    assert window.file_actions.lesson is None and window.lesson_menu.dock.isHidden()
