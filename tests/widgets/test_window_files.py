"""Experiment files in the real window: save and reopen continues bit-identically, a bad file
leaves the open experiment as it was, and ``python main.py FILE`` opens a file where it was left."""
import io
import zipfile

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

import main
from playground import files
from playground.fields import Layer

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target

#: Adam with a decaying schedule and dropout: the moments, the schedule's clock and the dropout
#: draws all have to come back from the file for the continuation to match.
VALUES = dict(n_points=100, steps_per_frame=25, optimizer="adam", schedule="exponential",
              schedule_params={"k": 0.005},
              layers=(Layer(6, "tanh", dropout=0.1), Layer(4, "relu")))


def wait_step(qtbot, window, step):
    session = window.session
    qtbot.waitUntil(lambda: session.latest is not None
                    and session.latest.generation == session.generation
                    and session.latest.step == step, timeout=TIMEOUT)
    return session.latest


def train(qtbot, window, n):
    start = wait_step(qtbot, window, window.session.latest.step if window.session.latest else 0)
    window.session.step(n)
    return wait_step(qtbot, window, start.step + n)


def test_save_open_and_continue_equals_never_stopping(qtbot, make_window, tmp_path):
    path = tmp_path / "lesson.nnp"
    first = make_window(**VALUES)
    wait_step(qtbot, first, 0)
    train(qtbot, first, 50)
    first.file_actions.ask_save_path = lambda *a: str(path)
    first.file_actions.save_action.trigger()                 # untitled: Save asks where
    assert not first.isWindowModified() and first.windowTitle().startswith("lesson[*]")
    saved = files.load(path)
    assert saved.step == 50 and list(saved.history["step"]) == [0, 25, 50]

    reopened = make_window()                                  # the default experiment
    wait_step(qtbot, reopened, 0)
    reopened.file_actions.ask_open_path = lambda: str(path)
    reopened.file_actions.open_action.trigger()
    at = wait_step(qtbot, reopened, 50)
    assert reopened.experiment.values() == first.experiment.values()
    assert reopened.windowTitle().startswith("lesson[*]") and not reopened.isWindowModified()
    np.testing.assert_array_equal(at.params, first.session.latest.params)
    np.testing.assert_array_equal(reopened.session.history.column("train_loss"),
                                  first.session.history.column("train_loss"))
    train(qtbot, reopened, 75)
    assert reopened.isWindowModified()                        # trained since it was opened

    straight = make_window(**VALUES)
    wait_step(qtbot, straight, 0)
    train(qtbot, straight, 125)
    got, want = reopened.session.run_state(), straight.session.run_state()
    for key in ("params", "initial_params", "state", "slots"):
        np.testing.assert_array_equal(got["trainer"][key], want["trainer"][key], err_msg=key)
    for column, expected in want["history"].items():
        np.testing.assert_array_equal(got["history"][column], expected, err_msg=column)
    np.testing.assert_array_equal(reopened.session.latest.boundary,
                                  straight.session.latest.boundary)


def _bad_file(kind: str, good: bytes) -> bytes:
    if kind == "not a zip":
        return b"these are my notes, not an experiment"
    if kind == "truncated":
        return good[:len(good) // 2]
    source = zipfile.ZipFile(io.BytesIO(good))
    npz = np.load(io.BytesIO(source.read(files.ARRAYS_NAME)), allow_pickle=False)
    arrays = {name: npz[name] for name in npz.files}
    if kind == "NaN weights":
        arrays["params"] = arrays["params"].copy()
        arrays["params"][3] = np.nan
    else:                                                     # "wrong shape"
        arrays["params"] = arrays["params"][:-1]
    packed = io.BytesIO()
    np.savez(packed, **arrays)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(files.DOCUMENT_NAME, source.read(files.DOCUMENT_NAME))
        z.writestr(files.ARRAYS_NAME, packed.getvalue())
    return out.getvalue()


@pytest.mark.parametrize("kind,words", [("not a zip", "not a ZIP"), ("truncated", "ZIP"),
                                        ("NaN weights", "params"), ("wrong shape", "params")])
def test_a_bad_file_shows_why_and_the_open_experiment_stays(qtbot, make_window, tmp_path,
                                                            monkeypatch, kind, words):
    w = make_window(dataset="circle", n_points=100)
    wait_step(qtbot, w, 0)
    trained = train(qtbot, w, 30)
    w.experiment.set("learning_rate", 0.2)
    good = tmp_path / "good.nnp"
    files.save(good, w.file_actions.document())
    bad = tmp_path / "bad.nnp"
    bad.write_bytes(_bad_file(kind, good.read_bytes()))
    before = (w.experiment.values(), w.session.generation, w.windowTitle(), len(w.session.history))

    shown = []

    def answered(box):                       # the real dialog, answered instead of shown
        shown.append((box.parent(), box.windowTitle(), box.text()))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", answered)
    del w.file_actions.show_error                             # the real message, not a recorder
    w.file_actions.ask_open_path = lambda: str(bad)
    w.file_actions.open_action.trigger()

    assert len(shown) == 1
    parent, title, text = shown[0]
    assert parent is w and title == "Cannot open the experiment"
    assert "bad.nnp" in text and words in text and "has not changed" in text
    assert w.banner.isVisible() and "bad.nnp" in w.banner.text.text()
    assert w.banner.action.isHidden()         # no Reset offered: it would lose the weights
    assert (w.experiment.values(), w.session.generation, w.windowTitle(),
            len(w.session.history)) == before
    assert w.isWindowModified() and w.file_actions.path is None
    np.testing.assert_array_equal(w.session.latest.params, trained.params)
    train(qtbot, w, 5)                                        # and it trains on from step 30
    assert w.session.latest.step == 35


def test_main_py_opens_a_file_where_it_was_left(qtbot, make_window, tmp_path, capsys):
    path = tmp_path / "homework.nnp"
    w = make_window(**VALUES)
    wait_step(qtbot, w, 0)
    train(qtbot, w, 25)
    assert w.file_actions.save_to(path)

    experiment, document, file_path = main.load_experiment(str(path))   # python main.py FILE
    opened = make_window(experiment)
    opened.file_actions.open_document(document, file_path)
    at = wait_step(qtbot, opened, 25)
    np.testing.assert_array_equal(at.params, w.session.latest.params)
    assert opened.windowTitle().startswith("homework[*]") and opened.file_actions.path == path

    shot = tmp_path / "shot.png"
    assert main.main([str(path), "--screenshot", str(shot), "--steps", "0"]) == 0
    assert "step 25" in capsys.readouterr().out and shot.stat().st_size > 10_000


def test_main_py_refuses_a_bad_file_before_any_window(tmp_path, capsys):
    bad = tmp_path / "broken.nnp"
    bad.write_bytes(b"PK\x03\x04 broken")
    assert main.main([str(bad)]) == 1
    err = capsys.readouterr().err
    assert "broken.nnp" in err and "ZIP" in err
    assert main.main(["no-such-preset"]) == 1
    assert " list'" in capsys.readouterr().err      # names the command that lists them


def test_main_py_help_documents_every_command(capsys):
    with pytest.raises(SystemExit) as exit:
        main.main(["--help"])
    out = capsys.readouterr().out
    assert exit.value.code == 0
    for word in ("FILE_OR_EXAMPLE", "--screenshot", "run", "list", "export", "exit codes"):
        assert word in out
    assert set(main.COMMANDS) >= {"run", "list", "export"}


def test_a_headless_run_continues_in_the_window_as_it_would_headless(qtbot, make_window,
                                                                      tmp_path):
    """``main.py run`` trains, the window opens its file and trains on: the same weights and
    history as a headless run that never stopped (both record rows by one recipe)."""
    from playground.experiment import Experiment
    from playground.headless import HeadlessRun
    values = Experiment(VALUES).values()
    headless = HeadlessRun(files.Document(values), resolution=2)
    headless.train(50)
    path = tmp_path / "from-cli.nnp"
    files.save(path, headless.document())

    w = make_window()
    assert w.file_actions.open_path(path)
    wait_step(qtbot, w, 50)
    train(qtbot, w, 75)
    headless.train(75)
    got, want = w.session.run_state(), headless.document()
    np.testing.assert_array_equal(got["trainer"]["params"], want.trainer["params"])
    np.testing.assert_array_equal(got["trainer"]["slots"], want.trainer["slots"])
    for column, expected in want.history.items():
        np.testing.assert_array_equal(got["history"][column], expected, err_msg=column)


def test_ctrl_s_and_ctrl_o_from_the_keyboard(qtbot, make_window, tmp_path):
    from PySide6.QtCore import Qt
    w = make_window(dataset="xor")
    wait_step(qtbot, w, 0)
    w.activateWindow()
    qtbot.waitUntil(lambda: w.isActiveWindow(), timeout=TIMEOUT)
    w.file_actions.ask_save_path = lambda *a: str(tmp_path / "keys")
    qtbot.keyClick(w.network_view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert (tmp_path / "keys.nnp").exists() and w.windowTitle().startswith("keys[*]")
    w.experiment.set("dataset", "moons")
    w.file_actions.ask_open_path = lambda: str(tmp_path / "keys.nnp")
    qtbot.keyClick(w.network_view, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert w.experiment.dataset == "xor" and not w.isWindowModified()


def test_a_cancelled_close_keeps_the_window_training(qtbot, make_window):
    w = make_window()
    wait_step(qtbot, w, 0)
    w.experiment.set("learning_rate", 0.02)
    asked = []
    w.file_actions.ask_unsaved = lambda name: asked.append(name) or "cancel"
    w.session.play()
    assert not w.close()
    assert asked == ["Untitled"] and w.isVisible() and w.session.running
    step = w.session.latest.step
    qtbot.waitUntil(lambda: w.session.latest.step > step + 100, timeout=TIMEOUT)
    w.session.pause()


def test_an_image_experiment_opens_in_the_window(qtbot, make_window, tmp_path):
    """File > Open of a conv-net file: the experiment, its file and its title are the file's,
    and the network trains as an image network."""
    from playground import files, presets
    window = make_window()
    path = tmp_path / "lenet.nnp"
    document = presets.load("lenet_digits")
    files.save(path, document)
    assert window.file_actions.open_path(path, ask=False)
    qtbot.waitUntil(lambda: window.session.latest is not None, timeout=TIMEOUT)
    assert window.file_actions.errors == []
    assert window.experiment.values() == files.load(path).values
    assert window.file_actions.path == path and "lenet" in window.windowTitle()
    assert window.session.modality == "images" and window.session.latest.images is not None
