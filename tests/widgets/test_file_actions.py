"""The File menu: new, open, save, recent files, examples, exports, unsaved-changes prompts,
drag and drop, the title's modified marker, autosave and recovery after a crash."""
import os

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QObject, QPoint, QPointF, Qt, QUrl, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMainWindow

from playground import files, presets
from playground.experiment import Experiment
from playground.fields import Layer
from playground.headless import HeadlessRun
from widgets.file_actions import FileActions, dropped_file

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


def _unexpected(*args):
    raise AssertionError(f"unexpected dialog {args}")


def prepare(actions: FileActions, recorder: list | None = None) -> FileActions:
    """Replace every dialog: unexpected ones fail the test instead of blocking it."""
    actions.ask_unsaved = lambda name: "discard"
    actions.ask_open_path = _unexpected
    actions.ask_save_path = _unexpected
    actions.ask_folder = _unexpected
    actions.ask_recover = _unexpected
    errors = recorder if recorder is not None else []
    actions.show_error = lambda title, text: errors.append(text)
    actions.errors = errors
    return actions


@pytest.fixture
def window_actions(make_window, tmp_path):
    """(window, actions): a real main window and its own FileActions (the session saves and
    restores weights, optimizer state and history), recovering from tmp_path/recovery.nnp."""

    def make(**values):
        window = make_window(**values)
        actions = prepare(window.file_actions)
        actions.recovery_path = tmp_path / "recovery.nnp"
        return window, actions

    return make


class FakeSession(QObject):
    """A session with the state hooks: run_state() and load_document()."""
    snapshot_ready = Signal(object)

    def __init__(self, experiment, state=None):
        super().__init__()
        self.experiment, self.state, self.loaded = experiment, state, []

    def run_state(self):
        return self.state

    def load_document(self, values, trainer, history):
        self.loaded.append((values, trainer, history))
        self.experiment.update(values)


@pytest.fixture
def bare(qtbot, settings, tmp_path):
    """(window, experiment, session, actions) on a plain QMainWindow with a FakeSession."""
    window = QMainWindow()
    qtbot.addWidget(window)
    experiment = Experiment({"n_points": 60})
    run = HeadlessRun(files.Document(experiment.values()), resolution=2)
    run.train(25)
    session = FakeSession(experiment, {"trainer": run.trainer.state_dict(),
                                       "history": run.history.as_dict()})
    actions = prepare(FileActions(window, experiment, session, settings,
                                  recovery_path=tmp_path / "recovery.nnp", autosave_ms=0))
    window.show()
    yield window, experiment, session, actions
    actions.ask_unsaved = lambda name: "discard"


def menu_texts(menu):
    return [a.text() for a in menu.actions()]


# ---- the menu and the title ---------------------------------------------------------------------
def test_file_menu_holds_the_verbs_with_their_shortcuts(window_actions):
    w, actions = window_actions()
    texts = [t.replace("&", "") for t in menu_texts(w.file_menu)]
    for expected in ("New", "Open\u2026", "Open Recent", "Examples", "Save", "Save As\u2026",
                     "Export"):
        assert expected in texts
    assert texts[-1] == "Quit"
    assert actions.open_action.shortcut().toString() == "Ctrl+O"
    assert actions.save_action.shortcut().toString() == "Ctrl+S"
    assert actions.new_action.shortcut().toString() == "Ctrl+N"
    assert actions.save_as_action.shortcut().toString() == "Ctrl+Shift+S"
    examples = [a for a in actions.examples_menu.actions() if not a.isSeparator()]
    assert [a.data() for a in examples] == [p.name for p in presets.PRESETS + presets.IMAGE_PRESETS]
    sections = [a.text() for a in actions.examples_menu.actions() if a.isSeparator()]
    assert sections == ["2-D points", "Images (conv nets)"]


def test_title_shows_the_name_and_a_modified_marker(window_actions):
    w, actions = window_actions()
    assert w.windowTitle() == "Untitled[*] \u2014 NN Playground"
    assert not w.isWindowModified()
    w.experiment.set("learning_rate", 0.1)
    assert w.isWindowModified() and actions.modified


def test_training_marks_the_experiment_modified(qtbot, window_actions):
    w, actions = window_actions()
    w.session.step(3)
    qtbot.waitUntil(lambda: actions.modified, timeout=TIMEOUT)


# ---- save and open ------------------------------------------------------------------------------
def test_save_as_writes_the_file_and_names_the_window(window_actions, tmp_path):
    w, actions = window_actions()
    w.experiment.update({"dataset": "xor", "learning_rate": 0.07})
    actions.ask_save_path = lambda suggested, *a: str(tmp_path / "lesson")
    assert actions.save()                                    # untitled: Save asks for a name
    saved = files.load(tmp_path / "lesson.nnp")
    assert saved.values == w.experiment.values()
    assert w.windowTitle().startswith("lesson[*]") and not w.isWindowModified()
    assert actions.recent_files()[0] == str((tmp_path / "lesson.nnp").resolve())
    w.experiment.set("learning_rate", 0.02)
    actions.ask_save_path = _unexpected                      # titled: Save does not ask
    assert actions.save() and files.load(tmp_path / "lesson.nnp").values["learning_rate"] == 0.02


def test_open_replaces_the_experiment(window_actions, tmp_path):
    w, actions = window_actions()
    values = Experiment({"dataset": "moons", "layers": (Layer(3, "relu"),)}).values()
    files.save(tmp_path / "moons.nnp", files.Document(values))
    actions.ask_open_path = lambda: str(tmp_path / "moons.nnp")
    assert actions.open()
    assert w.experiment.values() == values
    assert actions.path == tmp_path / "moons.nnp" and not actions.modified
    assert w.windowTitle().startswith("moons[*]")


@pytest.mark.parametrize("content,words", [
    (b"not a zip at all", "not a ZIP"),
    (None, "newer version"),
    (b"", "not a ZIP"),
])
def test_a_bad_file_is_refused_and_the_open_experiment_stays(window_actions, tmp_path,
                                                              content, words):
    w, actions = window_actions(dataset="circle")
    w.experiment.set("learning_rate", 0.2)
    before = w.experiment.values()
    path = tmp_path / "bad.nnp"
    if content is None:                                       # a file from the future
        import io
        import json
        import zipfile
        src = zipfile.ZipFile(io.BytesIO(files.dumps(files.Document(before))))
        document = json.loads(src.read(files.DOCUMENT_NAME))
        document["version"] = 7
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr(files.DOCUMENT_NAME, json.dumps(document))
            z.writestr(files.ARRAYS_NAME, src.read(files.ARRAYS_NAME))
        content = out.getvalue()
    path.write_bytes(content)
    assert not actions.open_path(path)
    assert words in actions.errors[-1] and "bad.nnp" in actions.errors[-1]
    assert "has not changed" in actions.errors[-1]
    assert w.experiment.values() == before
    assert actions.modified and actions.path is None


def test_unsaved_changes_prompt_on_new_open_and_close(window_actions, tmp_path):
    w, actions = window_actions()
    w.experiment.set("learning_rate", 0.2)
    asked = []
    actions.ask_unsaved = lambda name: asked.append(name) or "cancel"
    assert not actions.new() and w.experiment.learning_rate == 0.2
    assert not actions.open()
    assert not w.close() and w.isVisible()                    # close cancelled
    assert asked == ["Untitled"] * 3
    actions.ask_unsaved = lambda name: "discard"
    assert actions.new()
    assert w.experiment.values() == Experiment().values() and not actions.modified


def test_choosing_save_in_the_prompt_saves_first(window_actions, tmp_path):
    w, actions = window_actions()
    w.experiment.set("noise", 0.3)
    actions.ask_unsaved = lambda name: "save"
    actions.ask_save_path = lambda suggested, *a: str(tmp_path / "kept.nnp")
    assert actions.open_preset("xor")
    assert files.load(tmp_path / "kept.nnp").values["noise"] == 0.3
    assert w.experiment.dataset == "xor"
    assert w.windowTitle().startswith("Exclusive or (example)[*]") and actions.path is None


def test_recent_files_menu(window_actions, tmp_path):
    w, actions = window_actions()
    paths = []
    for i in range(10):
        path = tmp_path / f"e{i}.nnp"
        files.save(path, files.Document(Experiment({"data_seed": i}).values()))
        assert actions.open_path(path)
        paths.append(str(path.resolve()))
    assert actions.recent_files() == paths[::-1][:8]
    actions.recent_menu.popup(w.mapToGlobal(w.rect().center()))   # the user opens the menu
    entries = [a for a in actions.recent_menu.actions() if a.data()]
    actions.recent_menu.hide()
    assert [a.data() for a in entries] == paths[::-1][:8]
    entries[3].trigger()
    assert w.experiment.data_seed == 6
    os.remove(paths[9])
    assert not actions.open_path(paths[9])
    assert paths[9] not in actions.recent_files()
    actions.clear_recent()
    assert actions.recent_files() == []


def test_examples_open_untitled(qtbot, window_actions):
    w, actions = window_actions()
    action = next(a for a in actions.examples_menu.actions() if a.data() == "spiral_k")
    action.trigger()
    assert w.experiment.dataset == "spiral_k" and w.experiment.output_activation == "softmax"
    assert actions.path is None and not actions.modified
    # its description stays in view to be read (a note: no Reset button) until dismissed,
    # and training it does not hide it
    description = next(p.description for p in presets.PRESETS if p.name == "spiral_k")
    assert w.banner.isVisible() and w.banner.text.text() == description
    assert w.banner.property("kind") == "info" and not w.banner.action.isVisible()
    w.session.step(5)
    qtbot.waitUntil(lambda: w.session.latest is not None and w.session.latest.step == 5,
                    timeout=TIMEOUT)
    assert w.banner.isVisible()
    w.banner.close_button.click()
    assert not w.banner.isVisible()


# ---- drag and drop ------------------------------------------------------------------------------
def drag_events(path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    return mime, enter, drop


def test_dropping_an_experiment_file_opens_it(qtbot, window_actions, tmp_path):
    w, actions = window_actions()
    assert w.acceptDrops()
    path = tmp_path / "dropped.nnp"
    files.save(path, files.Document(Experiment({"dataset": "gauss"}).values()))
    mime, enter, drop = drag_events(path)
    QApplication.sendEvent(w, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(w, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: w.experiment.dataset == "gauss", timeout=TIMEOUT)
    assert actions.path == path


def test_other_files_are_not_accepted(window_actions, tmp_path):
    w, actions = window_actions()
    other = tmp_path / "notes.txt"
    other.write_text("x")
    mime, enter, _ = drag_events(other)
    enter.ignore()
    QApplication.sendEvent(w, enter)
    assert not enter.isAccepted()
    assert dropped_file(mime) is None


# ---- autosave and recovery ----------------------------------------------------------------------
def test_autosave_and_recovery_after_a_crash(window_actions, tmp_path):
    recovery = tmp_path / "recovery.nnp"
    w, first = window_actions()
    assert not first.autosave() and not recovery.exists()     # nothing unsaved yet
    w.experiment.update({"dataset": "moons", "noise": 0.2})
    assert first.autosave() and recovery.exists()
    first.recovery_path = tmp_path / "elsewhere.nnp"          # "crash": the file stays

    w2, second = window_actions()
    offered = []
    second.ask_recover = lambda doc: offered.append(doc.meta["original_name"]) or True
    assert second.offer_recovery()
    assert offered == ["Untitled"]
    assert w2.experiment.dataset == "moons" and w2.experiment.noise == 0.2
    assert second.modified and "(recovered)" in w2.windowTitle()
    w2.close()                                                # discards: a clean exit
    assert not recovery.exists()


def test_declined_recovery_is_deleted(window_actions, tmp_path):
    w, actions = window_actions()
    files.save(actions.recovery_path, files.Document(Experiment().values(),
                                                     meta={"pid": "999999999"}))
    actions.ask_recover = lambda doc: False
    assert not actions.offer_recovery()
    assert not actions.recovery_path.exists()


def test_recovery_of_a_running_instance_is_not_offered(window_actions):
    w, actions = window_actions()
    files.save(actions.recovery_path, files.Document(Experiment().values(),
                                                     meta={"pid": str(os.getppid())}))
    assert not actions.offer_recovery()                      # ask_recover would fail the test
    assert actions.recovery_path.exists()


def test_autosave_timer_writes_while_modified(qtbot, make_window, tmp_path):
    w = make_window(autosave_ms=50)
    actions = prepare(w.file_actions)
    actions.recovery_path = tmp_path / "r.nnp"
    w.experiment.set("l2", 0.01)
    assert actions.modified
    qtbot.waitUntil(lambda: (tmp_path / "r.nnp").exists(), timeout=TIMEOUT)
    assert files.load(tmp_path / "r.nnp").values["l2"] == 0.01


# ---- the full state through the session's hooks -------------------------------------------------
def test_save_and_open_carry_weights_optimizer_state_and_history(bare, tmp_path):
    window, experiment, session, actions = bare
    actions.ask_save_path = lambda suggested, *a: str(tmp_path / "full.nnp")
    assert actions.save_as()
    saved = files.load(tmp_path / "full.nnp")
    np.testing.assert_array_equal(saved.trainer["params"], session.state["trainer"]["params"])
    np.testing.assert_array_equal(saved.history["train_loss"],
                                  session.state["history"]["train_loss"])
    assert saved.step == 25
    assert actions.open_path(tmp_path / "full.nnp")
    values, trainer, history = session.loaded[-1]
    assert values == experiment.values() and trainer["state"][0] == 25
    np.testing.assert_array_equal(history["step"], session.state["history"]["step"])


def test_a_snapshot_at_the_saved_step_is_not_a_change(bare, tmp_path):
    window, experiment, session, actions = bare
    actions.ask_save_path = lambda suggested, *a: str(tmp_path / "s.nnp")
    actions.save_as()

    class Snap:
        step = 25
    session.snapshot_ready.emit(Snap())
    assert not actions.modified
    Snap.step = 26
    session.snapshot_ready.emit(Snap())
    assert actions.modified


def test_a_diverged_network_saves_its_settings(bare, tmp_path):
    window, experiment, session, actions = bare
    session.state["trainer"]["params"][:] = np.nan
    actions.ask_save_path = lambda suggested, *a: str(tmp_path / "d.nnp")
    assert actions.save_as()
    saved = files.load(tmp_path / "d.nnp")
    assert saved.trainer is None and saved.values == experiment.values()


def test_a_failed_save_says_so_and_keeps_the_old_file(bare, tmp_path):
    window, experiment, session, actions = bare
    target = tmp_path / "ro" / "x.nnp"
    assert not actions.save_to(target)                       # the folder does not exist
    assert "could not be saved" in actions.errors[-1]
    assert actions.path is None


# ---- exports ------------------------------------------------------------------------------------
def test_every_view_exports_as_png_and_svg(qtbot, window_actions, tmp_path):
    w, actions = window_actions()
    qtbot.waitUntil(lambda: w.session.latest is not None, timeout=TIMEOUT)
    views = actions.views()
    assert {"Network", "Data", "Training", "Output", "Curves"} <= set(views)
    actions.export_menu.popup(w.mapToGlobal(w.rect().center()))   # the user opens the menu
    labels = menu_texts(actions.export_menu)
    actions.export_menu.hide()
    assert "Output as SVG\u2026" in labels and "Curves as PNG\u2026" in labels
    for title in ("Network", "Output", "Curves"):
        for suffix in (".png", ".svg"):
            path = tmp_path / f"{title}{suffix}"
            actions.ask_save_path = lambda suggested, *a, p=path: str(p)
            assert actions.export_view(title, suffix), actions.errors
            data = path.read_bytes()
            assert data.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in data[:2000]


def test_export_pytorch_and_history(bare, tmp_path):
    window, experiment, session, actions = bare
    actions.ask_folder = lambda title: str(tmp_path / "torch")
    assert actions.export_pytorch()
    assert {p.name for p in (tmp_path / "torch").iterdir()} == {
        "untitled.py", "untitled.npz", "untitled_history.csv"}
    actions.ask_save_path = lambda suggested, *a: str(tmp_path / "h.csv")
    assert actions.export_history()
    assert (tmp_path / "h.csv").read_text().count("\n") == len(session.state["history"]["step"]) + 1


def test_closed_svg_paths_are_spelled_out_for_pyqtgraph():
    from widgets.export_actions import _spell_out_closes
    assert _spell_out_closes("M0,0 L1,0 L1,1 Z M5,5 L6,5 Z") == \
        "M0,0 L1,0 L1,1 L0,0 M5,5 L6,5 L5,5"
    assert _spell_out_closes("M0,0 L2,2") == "M0,0 L2,2"


def test_open_document_adopts_a_document_read_elsewhere(window_actions, tmp_path):
    w, actions = window_actions()
    path = tmp_path / "given.nnp"
    files.save(path, files.Document(Experiment({"dataset": "circle"}).values()))
    actions.open_document(files.load(path), path)            # python main.py given.nnp
    assert w.experiment.dataset == "circle" and w.windowTitle().startswith("given[*]")
    actions.open_document(presets.load("moons"))               # python main.py moons
    assert w.windowTitle().startswith("Two moons (example)[*]") and actions.path is None


def test_a_crashed_sessions_recovery_file_waits_until_offered(window_actions, tmp_path):
    recovery = tmp_path / "recovery.nnp"
    files.save(recovery, files.Document(Experiment({"noise": 0.4}).values(),
                                        meta={"pid": "999999999", "original_name": "lost"}))
    w, actions = window_actions()
    w.experiment.set("noise", 0.1)
    assert not actions.autosave()                 # does not overwrite the crashed session's work
    actions.open_document(presets.load("xor"))    # python main.py xor: opened before the offer
    w.close()
    assert files.load(recovery).meta["original_name"] == "lost"
