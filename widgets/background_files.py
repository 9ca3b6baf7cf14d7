"""Large experiment files opened and saved off the GUI thread, for
``widgets.file_actions.FileActions``.

``BackgroundFiles`` is mixed into ``FileActions``: a file of at least ``background_bytes``
(``BACKGROUND_BYTES`` unless changed) is read and checked by ``self.reader`` and written by
``self.writer`` (``widgets.file_reader``), and a large network's run is asked of the session
without waiting (``session.request_run_state``) and written when the worker answers. It uses
what ``FileActions`` provides: ``session``, ``experiment``, ``reader``, ``writer``,
``background_bytes``, ``_shown``, ``_state_on_its_way``, ``_wait_for_state``, ``document()``,
``open_document()``, ``_saved()``, ``_forget_recent()``, ``set_modified()``, ``show_error()``
and ``message()``; autosave (``widgets.recovery_actions``) writes through
``_write_in_background()`` too.
"""
from __future__ import annotations

from pathlib import Path

from playground import files
from widgets.file_reader import document_bytes

#: files at least this large are read or written off the GUI thread (compressing 30 MB
#: takes seconds): the window stays responsive
BACKGROUND_BYTES = 4 * 2**20


class BackgroundFiles:
    """Reading and writing large files on the reader's and writer's threads; the slots that
    take their results on the GUI thread."""

    def _read_in_background(self, path: Path) -> bool:
        """A large file: read and check it on the reader's thread (the open experiment stays
        until it is ready, see _on_reader_finished). False for a small or unreadable one."""
        try:
            size = path.stat().st_size
        except OSError:
            return False                  # the ordinary path says why
        if size < self.background_bytes:
            return False
        if not self.reader.read(path):
            self.message(f"Still opening {self.reader.busy.name}\u2026", error=True)
            return True
        self.message(f"Opening {path.name} ({size / 2**20:,.0f} MB)\u2026 the experiment "
                     f"that is open stays until it is read.")
        return True

    def _on_reader_finished(self, path: Path, doc, error) -> None:
        if error is not None:
            self.show_error("Cannot open the experiment",
                            f"{path.name} cannot be opened: {error.problem}\n\n"
                            f"The experiment that is open has not changed.")
            if not path.exists():
                self._forget_recent(path)
            return
        self.open_document(doc, path)

    def _save_when_answered(self, path: Path) -> bool:
        """A large network: ask the session for its run without waiting (the worker answers
        at its next chunk, after a history row) and write it then, on the writer's thread.
        False when the run is small, the session cannot, or the save must be done now."""
        request = getattr(self.session, "request_run_state", None)
        spec = getattr(self.session, "spec", None)
        # params, initial params and two optimizer slots of 8 bytes each
        large = 32 * int(getattr(spec, "n_params", 0)) >= self.background_bytes
        if not callable(request) or not large or self._wait_for_state:
            return False
        if self._state_on_its_way or self.writer.busy is not None:
            raise OSError("the previous save is still being written")
        self._state_on_its_way = True
        self.message(f"Saving {path.name}\u2026")
        asked = (self._shown, getattr(self.session, "generation", None),
                 self.experiment.values())
        request(lambda state: self._on_session_state_answered(path, asked, state))
        return True

    def _on_session_state_answered(self, path: Path, asked: tuple, state) -> None:
        """The run as it was when Save was chosen (``asked``: what was shown, the network's
        generation and the settings then) is here: write it."""
        self._state_on_its_way = False
        shown, generation, values = asked
        if (shown, generation) != (self._shown, getattr(self.session, "generation", None)):
            self.message(f"{path.name} was not saved: the network was replaced before it "
                         f"could be; save again.", error=True)
            return
        try:
            doc = self.document(state or {}, values)
            if not self.writer.write(path, doc, ("save", shown)):
                files.save(path, doc)
                self._saved(path, doc)
        except (OSError, ValueError) as error:
            self.show_error("Cannot save the experiment",
                            f"{path.name} could not be saved: {error}\n\nNothing was "
                            f"overwritten.")

    def _write_in_background(self, path: Path, doc: files.Document, tag: str) -> bool:
        """A large document: write it on the writer's thread (see _on_writer_finished).
        False for a small one (written at once by the caller)."""
        if document_bytes(doc) < self.background_bytes:
            return False
        if tag == "save":
            self.message(f"Saving {path.name}\u2026")
        if not self.writer.write(path, doc, (tag, self._shown)):
            if tag == "save":
                raise OSError(f"{self.writer.busy.name} is still being written")
            return True                   # an autosave waits for the next turn
        return True

    def _on_writer_finished(self, path: Path, doc, error, tag) -> None:
        kind, shown = tag
        if kind == "autosave":
            if error is None:
                self._owns_recovery = True
            else:
                self.message(f"Autosave failed: {error}")
            return
        if error is not None:
            self.show_error("Cannot save the experiment",
                            f"{path.name} could not be saved: {error}\n\nNothing was "
                            f"overwritten.")
        elif shown != self._shown:        # another experiment is shown by now
            self.message(f"Saved {path}")
        else:
            changed = self.experiment.values() != doc.values
            self._saved(path, doc)
            if changed or self._clean_step != doc.step:
                self.set_modified(True)
