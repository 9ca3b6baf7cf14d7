"""Autosave and recovery for ``widgets.file_actions.FileActions``: while the experiment has
unsaved changes it is written to a recovery file now and then; a session that crashed leaves
that file behind, and the next start offers to open it.

``RecoveryActions`` is mixed into ``FileActions`` and uses what that class provides:
``recovery_path``, ``modified``, ``path`` and ``name``, ``document()``, ``apply_document()``,
``_set_file()``, ``set_modified()``, ``_write_in_background()``, ``message()`` and
``message_box()``. The recovery file's notes about itself (who wrote it, when) are checked by
``playground.recovery``: the file may have been forged.
"""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from playground import files
from playground.checks import one_line
from playground.files import APP_NAME
from playground.recovery import recovery_meta, recovery_names, written_by_a_running_window


class RecoveryActions:
    """Autosave to ``recovery_path`` and the offer to recover at start. ``_owns_recovery`` is
    True once this window wrote the recovery file or dealt with the one it found: only then may
    it delete it (a file left by a crash waits until it has been offered)."""

    _owns_recovery = False

    def autosave(self, in_background: bool = True) -> bool:
        """Write the experiment to the recovery file when it has unsaved changes (a large one
        on the writer's thread, unless ``in_background`` is False)."""
        if not self.modified:
            return False
        try:
            doc = self.document()
            doc.meta.update(recovery_meta(self.path, self.name))
            if self.recovery_path.exists() and not self._owns_recovery:
                return False          # unsaved work of a crashed session, not offered yet
            self.recovery_path.parent.mkdir(parents=True, exist_ok=True)
            if in_background and self._write_in_background(self.recovery_path, doc,
                                                           "autosave"):
                return True               # a large run: written on the writer's thread
            files.save(self.recovery_path, doc)
            self._owns_recovery = True
        except (OSError, ValueError) as error:
            self.message(f"Autosave failed: {one_line(error)}")
            return False
        return True

    def write_recovery_now(self) -> bool:
        """For a stop from outside (Ctrl-C, SIGTERM): let a write under way reach the disk,
        then write unsaved work to the recovery file on this thread, before the app ends."""
        self.writer.wait()
        return self.autosave(in_background=False)

    def offer_recovery(self) -> bool:
        """At start: if an earlier session left unsaved work behind (it crashed), offer to
        open it. Returns True when it was recovered."""
        path = self.recovery_path
        try:
            if not path.exists() and not path.is_symlink():
                return False
        except OSError:
            return False
        try:
            doc = files.load(path)
        except files.FileFormatError as error:
            self._owns_recovery = True
            self._discard_recovery()
            self.message(f"The autosaved recovery file could not be read and was removed: "
                         f"{error.problem}", error=True)
            return False
        if written_by_a_running_window(doc.meta):
            return False              # another window of a running playground autosaved it
        self._owns_recovery = True
        name, when = recovery_names(doc.meta)
        if not self.ask_recover(doc):
            self._discard_recovery()
            return False
        self.apply_document(doc)
        self._set_file(None, f"{name} (recovered)")
        self.set_modified(True)        # it was never saved where the user wanted it
        self.message(f"Recovered the unsaved experiment from {when}")
        return True

    def _discard_recovery(self) -> None:
        if not self._owns_recovery:
            return
        try:
            self.recovery_path.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass

    def _on_autosave_timer_timeout(self) -> None:
        self.autosave()

    def ask_recover(self, doc: files.Document) -> bool:
        name, when = recovery_names(doc.meta)
        buttons = QMessageBox.StandardButton
        box = self.message_box(QMessageBox.Icon.Question, APP_NAME,
                               f"{APP_NAME} did not close properly last time. Recover the "
                               f"unsaved changes to {name} (autosaved {when})?",
                               buttons.Yes | buttons.No)
        return box.exec() == buttons.Yes
