"""Hostile files through the window: File > Open of a file whose text tries to be rich text, a
forged or damaged recovery file at start-up, Save onto a read-only file and onto a link. The
dialogs are the real ones (plain text), answered by a timer that reads them first."""
import json
import os
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "playground"))
from files_helpers import pack, trained_document, unpack  # noqa: E402

from playground import files  # noqa: E402
from playground.experiment import Experiment  # noqa: E402

HOSTILE = ("<a href='file:///etc/passwd'>Click here to repair this file</a>"
           "<img src='/usr/share/icons/x.png'>\n")


def answer_next_box(qtbot, button, seen: list) -> None:
    """When the next modal message box opens, record (text format, text) and press
    ``button``."""

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append((box.textFormat(), box.text()))
        box.button(button).click()

    QTimer.singleShot(0, answer)


@pytest.fixture
def window(make_window, tmp_path):
    w = make_window()
    w.file_actions.recovery_path = tmp_path / "recovery.nnp"
    return w


def hostile_file(tmp_path) -> Path:
    document, arrays = unpack(files.dumps(trained_document(3)))
    document["fields"]["dataset"] = HOSTILE * 20
    path = tmp_path / "hostile.nnp"
    path.write_bytes(pack(document, arrays))
    return path


def test_a_file_cannot_put_a_link_into_the_warning(qtbot, window, tmp_path):
    actions = window.file_actions
    del actions.show_error                       # the real dialog, not the recorder
    path = hostile_file(tmp_path)
    actions.ask_open_path = lambda: str(path)
    before = window.experiment.values()
    seen = []
    answer_next_box(qtbot, QMessageBox.StandardButton.Ok, seen)
    actions.open_action.trigger()
    assert seen, "no message box"
    text_format, text = seen[0]
    assert text_format == Qt.TextFormat.PlainText
    assert "hostile.nnp cannot be opened" in text and "has not changed" in text
    assert "Click here to repair this file</a><img" not in text     # cut short
    assert window.experiment.values() == before
    assert window.banner.isVisible()
    assert window.banner.text.textFormat() == Qt.TextFormat.PlainText
    assert window.banner.text.text().startswith("hostile.nnp cannot be opened")
    assert "\n" not in window.banner.text.text()
    assert "<a href" not in window.status.toolTip()        # a tooltip would render it


@pytest.mark.parametrize("pid", ["\u00b2", "9" * 30, "-5", "0", "\u0661\u0662", "12 34", ""])
def test_a_forged_recovery_file_is_offered_safely(qtbot, window, pid):
    actions = window.file_actions
    del actions.ask_recover                      # the real question
    files.save(actions.recovery_path, files.Document(
        Experiment({"noise": 0.3}).values(),
        meta={"pid": pid, "original_name": HOSTILE * 100, "autosaved": "\x1b[2J" * 50}))
    seen = []
    answer_next_box(qtbot, QMessageBox.StandardButton.Yes, seen)
    assert actions.offer_recovery()
    text_format, text = seen[0]
    assert text_format == Qt.TextFormat.PlainText
    assert len(text) < 300 and "\x1b" not in text and "\n" not in text
    assert window.experiment.noise == 0.3
    title = window.windowTitle()
    assert "(recovered)" in title and len(title) < 120 and "\n" not in title


def test_a_damaged_recovery_file_is_removed_with_a_message(window):
    actions = window.file_actions
    document, arrays = unpack(files.dumps(trained_document(2)))
    text = json.dumps(document)[:-1] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}"
    actions.recovery_path.write_bytes(pack(document, arrays, json_text=text))
    before = window.experiment.values()
    assert not actions.offer_recovery()          # ask_recover (declining) is never asked
    assert not actions.recovery_path.exists()
    assert "recovery file could not be read" in window.banner.text.text()
    assert "nested" in window.banner.text.text()
    assert window.experiment.values() == before


def test_a_recovery_path_that_is_a_pipe_does_not_hang_start_up(window):
    actions = window.file_actions
    os.mkfifo(actions.recovery_path)
    assert not actions.offer_recovery()
    assert "named pipe" in window.banner.text.text()


def test_save_onto_a_read_only_file_is_refused_and_says_so(window, tmp_path):
    actions = window.file_actions
    target = tmp_path / "kept.nnp"
    files.save(target, files.Document(Experiment({"noise": 0.1}).values()))
    target.chmod(0o444)
    old = target.read_bytes()
    window.experiment.set("noise", 0.4)
    assert not actions.save_to(target)
    assert "read-only" in actions.errors[-1] and "Nothing was overwritten" in actions.errors[-1]
    assert target.read_bytes() == old and actions.path is None and actions.modified


def test_save_onto_a_link_writes_its_target_and_keeps_the_link(window, tmp_path):
    actions = window.file_actions
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "work.nnp"
    files.save(real, files.Document(Experiment({"noise": 0.1}).values()))
    link = tmp_path / "link.nnp"
    link.symlink_to(real)
    window.experiment.set("noise", 0.35)
    assert actions.save_to(link)
    assert link.is_symlink() and files.load(real).values["noise"] == 0.35
    shown = window.status.currentMessage() + window.status.toolTip()     # whole, or cut
    assert "through the link link.nnp" in shown
    assert window.windowTitle().startswith("link[*]")
