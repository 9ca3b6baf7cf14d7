"""The File menu of a window: New, Open, Save, Save As, Open Recent, Examples and Export, with
unsaved-changes prompts, drag and drop, the file name and a modified marker in the title, and
autosave to a recovery file that is offered again after a crash.

``FileActions(window, experiment, session, settings)`` installs itself on a QMainWindow. It reads
and writes files through ``playground.files`` and talks to the model through a few verbs:

- ``experiment.values()``, ``experiment.update(values)`` and ``experiment.state_changed``;
- ``session.snapshot_ready`` (for the modified marker), and, when the session offers them,
  ``session.run_state() -> {"trainer": Trainer.state_dict() | None, "history": {...}}`` to save
  the weights, optimizer state and history, and ``session.load_document(values, trainer,
  history)`` to reopen them. Without those two only the settings are saved and restored.

A file is read and checked completely before anything changes, so a bad file leaves the open
experiment as it was; the error names the problem. Dialogs go through the ``ask_*`` and
``show_error`` methods, which tests replace. The Export submenu and the pictures of views are
``widgets.export_actions``, autosave and recovery ``widgets.recovery_actions``, and opening and
saving large files off the GUI thread ``widgets.background_files``, all mixed into
``FileActions``.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, QSettings, QStandardPaths, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from playground import files, presets
from playground.checks import one_line
from playground.files import APP_NAME
from widgets.background_files import BACKGROUND_BYTES, BackgroundFiles
from widgets.export_actions import ExportActions, safe_stem
from widgets.file_reader import FileReader, FileWriter
from widgets.recovery_actions import RecoveryActions

MAX_RECENT = 8
RECENT_KEY = "files/recent"
LAST_FOLDER_KEY = "files/last_folder"
AUTOSAVE_MS = 60_000
FILE_FILTER = f"NN Playground experiments (*{files.EXTENSION});;All files (*)"


def default_recovery_path() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder or Path.home() / ".nn-playground") / f"recovery{files.EXTENSION}"


class FileActions(ExportActions, RecoveryActions, BackgroundFiles, QObject):
    """File verbs for one window. ``path`` is the file the experiment was opened from or last
    saved to (None: untitled); ``modified`` says whether it changed since. ``lesson`` is the
    explanation of the open lesson file (its ``lesson`` section, None for a plain experiment):
    saving keeps it, and ``lesson_changed(lesson or None)`` tells the lesson panel."""

    lesson_changed = Signal(object)
    comparison_changed = Signal(object)   # the saved comparison (a file section) or None

    def __init__(self, window: QMainWindow, experiment, session, settings: QSettings,
                 menu: QMenu | None = None, recovery_path: str | os.PathLike | None = None,
                 autosave_ms: int = AUTOSAVE_MS):
        super().__init__(window)
        self.window, self.experiment, self.session = window, experiment, session
        self.settings = settings
        self.path: Path | None = None
        self.name = "Untitled"
        self.modified = False
        self.lesson: dict | None = None
        #: the run comparison saved with the experiment (Tools > Compare runs), or None
        self.comparison: dict | None = None
        self.recovery_path = Path(recovery_path) if recovery_path else default_recovery_path()
        self._clean_step = 0
        self._restoring = False
        #: True once this window wrote the recovery file or dealt with the one it found: only
        #: then may it delete it (a file left by a crash waits until it has been offered).
        self._owns_recovery = False
        #: files of at least this many bytes are read (self.reader) and written
        #: (self.writer) in the background
        self.background_bytes = BACKGROUND_BYTES
        self.reader = FileReader(self)
        self.reader.finished.connect(self._on_reader_finished)
        self.writer = FileWriter(self)
        self.writer.finished.connect(self._on_writer_finished)
        self._shown = 0                # counts documents shown (a late save must not
                                       # retitle the next one)
        self._state_on_its_way = False    # a Save waits for the worker's answer
        self._wait_for_state = False      # save now (before the experiment is replaced)
        self.menu = menu if menu is not None else self._file_menu()
        self._build_actions()
        experiment.state_changed.connect(self._on_experiment_state_changed)
        snapshot_ready = getattr(session, "snapshot_ready", None)
        if snapshot_ready is not None:
            snapshot_ready.connect(self._on_session_snapshot_ready)
        window.setAcceptDrops(True)
        window.installEventFilter(self)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(int(autosave_ms))
        self.autosave_timer.timeout.connect(self._on_autosave_timer_timeout)
        if autosave_ms > 0:
            self.autosave_timer.start()
        self._update_title()

    # ---- building ---------------------------------------------------------------------------
    def _file_menu(self) -> QMenu:
        existing = getattr(self.window, "file_menu", None)
        return existing if isinstance(existing, QMenu) else self.window.menuBar().addMenu("&File")

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action("&New", self.new, QKeySequence.StandardKey.New,
                                       "Start again from the default experiment")
        self.open_action = self._action("&Open\u2026", self.open, QKeySequence.StandardKey.Open,
                                        "Open an experiment file")
        self.save_action = self._action("&Save", self.save, QKeySequence.StandardKey.Save,
                                        "Save the experiment, its weights and its history")
        self.save_as_action = self._action("Save &As\u2026", self.save_as,
                                           QKeySequence.StandardKey.SaveAs,
                                           "Save the experiment under a new name")
        self.recent_menu = QMenu("Open &Recent", self.window)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.examples_menu = QMenu("&Examples", self.window)
        # Two sections: the 2-D point experiments, then the conv nets on images.
        for title, shipped in (("2-D points", presets.PRESETS),
                               ("Images (conv nets)", presets.IMAGE_PRESETS)):
            self.examples_menu.addSection(title)
            for preset in shipped:
                action = self._action(preset.title, lambda p=preset.name: self.open_preset(p),
                                      tip=preset.description)
                action.setToolTip(preset.description)
                action.setData(preset.name)
                self.examples_menu.addAction(action)
        self.examples_menu.setToolTipsVisible(True)
        self._build_export_menu()
        first = self.menu.actions()[0] if self.menu.actions() else None
        for item in (self.new_action, self.open_action, self.recent_menu, self.examples_menu,
                     None, self.save_action, self.save_as_action, self.export_menu, None):
            if item is None:
                self.menu.insertSeparator(first) if first else self.menu.addSeparator()
            elif isinstance(item, QMenu):
                self.menu.insertMenu(first, item) if first else self.menu.addMenu(item)
            else:
                self.menu.insertAction(first, item) if first else self.menu.addAction(item)
        self._fill_recent_menu()

    # ---- the document -------------------------------------------------------------------------
    def document(self, state: dict | None = None, values: dict | None = None) -> files.Document:
        """The open experiment as a Document: the settings, plus the weights, optimizer state
        and history when the session can give them (settings only if the run diverged).
        ``state``, ``values``: the session's run_state() ({}: none) and the settings when the
        caller has them already."""
        values = self.experiment.values() if values is None else values
        trainer = history = None
        run_state = getattr(self.session, "run_state", None)
        if state is not None or callable(run_state):
            state = (state if state is not None else run_state()) or {}
            trainer, history = state.get("trainer"), state.get("history")
            if trainer is not None and not (np.isfinite(trainer["params"]).all() and
                                            np.isfinite(trainer["initial_params"]).all()):
                trainer = history = None      # a diverged network: keep the settings
            if trainer is None:
                history = None
        meta = {"title": self.name if self.path is None else self.path.stem}
        return files.Document(values, trainer, history, meta,
                              dict(self.lesson) if self.lesson else None, self.comparison)

    def set_lesson(self, lesson: dict | None) -> None:
        """Make ``lesson`` (a file's lesson section, or None) the open experiment's
        explanation, saved with it from now on."""
        self.lesson = dict(lesson) if lesson else None
        self.lesson_changed.emit(self.lesson)

    def set_comparison(self, section: dict | None, modified: bool = True) -> None:
        """Keep ``section`` (``Comparison.section()``) with the experiment: it is saved with
        it from now on (None: no comparison)."""
        self.comparison = section
        if modified:
            self.set_modified(True)
        self.comparison_changed.emit(section)

    def apply_document(self, doc: files.Document) -> None:
        """Replace the open experiment with ``doc`` (already read and checked)."""
        self._restoring = True
        self._shown += 1
        load = getattr(self.session, "load_document", None)
        try:
            if callable(load):
                load(doc.values, doc.trainer, doc.history)
            else:
                self.experiment.update(doc.values)      # settings only: a fresh network
        finally:
            self._restoring = False
        self._clean_step = doc.step if callable(load) else 0
        self.set_lesson(doc.lesson)
        self.set_comparison(doc.comparison, modified=False)

    # ---- verbs ------------------------------------------------------------------------------
    def new(self) -> bool:
        if not self.maybe_save():
            return False
        doc = presets.document(presets.PRESETS_BY_NAME["default"])
        self.apply_document(doc)
        self._set_file(None, "Untitled")
        self._discard_recovery()
        return True

    def open(self) -> bool:
        if not self.maybe_save():
            return False
        path = self.ask_open_path()
        return bool(path) and self.open_path(path, ask=False)

    def open_path(self, path: str | os.PathLike, ask: bool = True) -> bool:
        """Open the experiment file at ``path``; on a bad file say why and change nothing."""
        if ask and not self.maybe_save():
            return False
        path = Path(path)
        if self._read_in_background(path):
            return True
        try:
            doc = files.load(path)
        except files.FileFormatError as error:
            self.show_error("Cannot open the experiment",
                            f"{one_line(path.name, 80)} cannot be opened: {error.problem}\n\n"
                            f"The experiment that is open has not changed.")
            if not path.exists():
                self._forget_recent(path)
            return False
        return self.open_document(doc, path)

    def open_document(self, doc: files.Document, path: str | os.PathLike | None = None,
                      name: str | None = None) -> bool:
        """Show ``doc``, already read and checked (``python main.py FILE`` hands one over):
        from ``path`` (None: untitled, as ``name``). An experiment the window cannot show is
        refused with its reason, and the open one stays as it was (False)."""
        refusal = getattr(self.session, "refusal", None)
        reason = refusal(doc.values) if callable(refusal) else None
        if reason:
            shown = one_line(Path(path).name, 80) if path is not None else (name or doc.title)
            self.show_error("Cannot open the experiment",
                            f"{shown} cannot be opened here: {reason}\n\n"
                            f"The experiment that is open has not changed.")
            return False
        self.apply_document(doc)
        if path is not None:
            path = Path(path)
            self._set_file(path, path.stem)
            self._add_recent(path)
            self.message(f"Opened {path.name}: {files.summary(doc)}")
        else:
            self._set_file(None, name or (f"{doc.title} (example)" if doc.meta.get("preset")
                                          else doc.title or "Untitled"))
            description = doc.meta.get("description", "")
            self.message(description or files.summary(doc), note=bool(description))
        self._discard_recovery()
        return True

    def open_preset(self, name: str) -> bool:
        """Open a shipped example; it opens untitled, so Save asks where to put the copy."""
        if not self.maybe_save():
            return False
        try:
            doc = presets.load(name)
        except (files.FileFormatError, KeyError) as error:
            self.show_error("Cannot open the example", str(error))
            return False
        return self.open_document(doc, None, f"{doc.title or name} (example)")

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        suggested = self.path or self._last_folder() / f"{safe_stem(self.name)}{files.EXTENSION}"
        path = self.ask_save_path(str(suggested))
        if not path:
            return False
        return self.save_to(files.with_extension(path))

    def save_to(self, path: str | os.PathLike) -> bool:
        path = Path(path)
        try:
            if self._save_when_answered(path):
                return True
            doc = self.document()
            if self._write_in_background(path, doc, "save"):
                return True
            files.save(path, doc)
        except (OSError, ValueError) as error:
            self.show_error("Cannot save the experiment",
                            f"{one_line(path.name, 80)} could not be saved: "
                            f"{one_line(error)}\n\nNothing was overwritten.")
            return False
        self._saved(path, doc)
        return True

    def _saved(self, path: Path, doc: files.Document) -> None:
        """``doc`` is on disk at ``path``: the window's file is that one, unchanged since."""
        self._clean_step = doc.step
        self._set_file(path, path.stem)
        self._add_recent(path)
        self._discard_recovery()
        if path.is_symlink():           # files.save wrote through the link and kept it
            self.message(f"Saved {one_line(os.path.realpath(path))} (through the link "
                         f"{one_line(path.name, 80)})")
        else:
            self.message(f"Saved {one_line(path)}")

    def maybe_save(self) -> bool:
        """Before the experiment is replaced or the window closes: True to go on."""
        if not self.modified:
            return True
        answer = self.ask_unsaved(self.name)
        if answer == "save":
            self._wait_for_state = True        # the experiment is replaced right after
            try:
                return self.save()
            finally:
                self._wait_for_state = False
        return answer == "discard"

    # ---- recent files ----------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value(RECENT_KEY, [])
        if isinstance(value, str):
            value = [value] if value else []
        return [str(v) for v in (value or [])][:MAX_RECENT]

    def _add_recent(self, path: Path) -> None:
        entry = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != entry]
        self.settings.setValue(RECENT_KEY, [entry] + recent[:MAX_RECENT - 1])
        self.settings.setValue(LAST_FOLDER_KEY, str(Path(entry).parent))
        self._fill_recent_menu()

    def _forget_recent(self, path: Path) -> None:
        entry = str(Path(path).resolve())
        self.settings.setValue(RECENT_KEY, [p for p in self.recent_files() if p != entry])
        self._fill_recent_menu()

    def clear_recent(self) -> None:
        self.settings.setValue(RECENT_KEY, [])
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for i, entry in enumerate(recent, start=1):
            action = self._action(f"&{i} {Path(entry).name}",
                                  lambda e=entry: self.open_path(e), tip=entry)
            action.setData(entry)
            self.recent_menu.addAction(action)
        if recent:
            self.recent_menu.addSeparator()
        clear = self._action("Clear Menu", self.clear_recent)
        clear.setEnabled(bool(recent))
        self.recent_menu.addAction(clear)

    def _last_folder(self) -> Path:
        folder = self.settings.value(LAST_FOLDER_KEY, "")
        return Path(folder) if folder and Path(str(folder)).is_dir() else Path.home()

    # ---- modified marker and title ----------------------------------------------------------
    def set_modified(self, modified: bool) -> None:
        if modified != self.modified:
            self.modified = modified
            self._update_title()

    def _set_file(self, path: Path | None, name: str) -> None:
        self.path = Path(path) if path is not None else None
        self.name = name
        self.modified = True          # forces the title update below
        self.set_modified(False)

    def _update_title(self) -> None:
        self.window.setWindowTitle(f"{self.name}[*] \u2014 {APP_NAME}")
        self.window.setWindowModified(self.modified)

    def _on_experiment_state_changed(self, name: str) -> None:
        if not self._restoring:
            self.set_modified(True)

    def _on_session_snapshot_ready(self, snapshot) -> None:
        if not self._restoring and getattr(snapshot, "step", self._clean_step) != \
                self._clean_step:
            self.set_modified(True)

    # ---- window events: close, drag and drop --------------------------------------------------
    def eventFilter(self, watched, event) -> bool:
        if watched is self.window:
            kind = event.type()
            if kind == QEvent.Type.Close:
                if not self.maybe_save():
                    event.ignore()
                    return True
                self.autosave_timer.stop()
                if self._state_on_its_way:    # run_state() delivers that answer too, then
                    self.session.run_state()  # the write starts: wait for it below
                self.writer.wait()        # a save still on its way reaches the disk
                self._discard_recovery()
            elif kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
                if dropped_file(event.mimeData()) is not None:
                    event.acceptProposedAction()
                    return True
            elif kind == QEvent.Type.Drop:
                path = dropped_file(event.mimeData())
                if path is not None:
                    event.acceptProposedAction()
                    QTimer.singleShot(0, lambda: self.open_path(path))
                    return True
        return super().eventFilter(watched, event)

    # ---- dialogs (tests replace these) --------------------------------------------------------
    def ask_unsaved(self, name: str) -> str:
        """'save', 'discard' or 'cancel'."""
        buttons = QMessageBox.StandardButton
        box = self.message_box(QMessageBox.Icon.Warning, APP_NAME,
                               f"Save the changes to {name} before closing it?",
                               buttons.Save | buttons.Discard | buttons.Cancel)
        box.setInformativeText("Unsaved changes to the settings, weights and history are lost "
                               "otherwise.")
        box.setDefaultButton(buttons.Save)
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(
            QMessageBox.StandardButton(box.exec()), "cancel")

    def ask_open_path(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open an experiment",
                                              str(self._last_folder()), FILE_FILTER)
        return path or None

    def ask_save_path(self, suggested: str, file_filter: str = FILE_FILTER) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Save as", suggested, file_filter)
        return path or None

    def ask_folder(self, title: str) -> str | None:
        return QFileDialog.getExistingDirectory(self.window, title, str(self._last_folder())) \
            or None

    def show_error(self, title: str, text: str) -> None:
        self.message(text.splitlines()[0], error=True)
        self.message_box(QMessageBox.Icon.Warning, title, text).exec()

    def message_box(self, icon, title: str, text: str, buttons=None) -> QMessageBox:
        """A dialog that shows ``text`` as plain text: messages quote what files say, and a
        file must not put a link or an image into the playground's own warning."""
        box = QMessageBox(icon, title, text, parent=self.window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        if buttons is not None:
            box.setStandardButtons(buttons)
        return box

    def message(self, text: str, error: bool = False, note: bool = False) -> None:
        """Tell the user: ``error`` when something failed, ``note`` for text to read at
        leisure (the window keeps it in view until dismissed)."""
        show = getattr(self.window, "show_message", None)
        if callable(show):
            show(text, error=error, note=note) if error or note else show(text)
        elif self.window.statusBar() is not None:
            self.window.statusBar().showMessage(text, 8000)


# ---- helpers --------------------------------------------------------------------------------
def dropped_file(mime) -> str | None:
    """The one local experiment file in a drag, or None."""
    if mime is None or not mime.hasUrls():
        return None
    urls = [u for u in mime.urls() if isinstance(u, QUrl) and u.isLocalFile()]
    if len(urls) != 1:
        return None
    path = urls[0].toLocalFile()
    return path if path.lower().endswith(files.EXTENSION) else None
