"""Training without a window: the same data, network, trainer and history rows as the window.

``HeadlessRun(document)`` rebuilds the experiment a file describes, restores its weights,
optimizer state, counters and history, and trains in frames of ``steps_per_frame`` steps,
recording one history row per frame exactly as the window's worker does. Stopping, saving and
opening again therefore continues bit-identically.

``run_to_folder`` is the ``python main.py run`` command: train, then write the updated experiment
file, the history as CSV and PNG pictures of the decision boundary and the loss curves.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from engine.trainer import Trainer
from playground import export, files, pictures, pipeline
from playground.history import History
from playground.run import Run, steps_to_epoch

#: Without --steps or --epochs and without a stop condition in the file, train this many epochs.
DEFAULT_EPOCHS = 50
#: Without --steps or --epochs, never train more than this many steps waiting for a condition.
MAX_UNTIL_STOP_STEPS = 1_000_000
PICTURE_RESOLUTION = 240


@dataclass
class Outcome:
    """What a headless run did. Losses are on the full splits; accuracy None for regression."""
    steps: int                  # the network's step counter after the run
    epochs: int                 # its epoch counter
    steps_run: int              # steps trained by this run
    seconds: float
    train_loss: float
    test_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None
    diverged: bool
    stopped: str                # "steps", "epochs", "stop_epoch", "stop_loss", "diverged"
    message: str = ""
    files: dict = field(default_factory=dict)

    @property
    def steps_per_second(self) -> float:
        return self.steps_run / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict:
        """Plain JSON data; NaN and infinite numbers become null."""
        def clean(v):
            return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v
        return {"steps": self.steps, "epochs": self.epochs, "steps_run": self.steps_run,
                "seconds": round(self.seconds, 4),
                "steps_per_second": round(self.steps_per_second, 2),
                "train_loss": clean(self.train_loss), "test_loss": clean(self.test_loss),
                "train_accuracy": clean(self.train_accuracy),
                "test_accuracy": clean(self.test_accuracy), "diverged": self.diverged,
                "stopped": self.stopped, "message": self.message,
                "files": {k: str(v) for k, v in self.files.items()}}


class HeadlessRun:
    """One experiment's network, trained in frames like the window's worker (``playground.run``).

    document : files.Document (its trainer state and history are restored when present)
    """

    def __init__(self, document: files.Document, resolution: int = PICTURE_RESOLUTION):
        self.values = dict(document.values)
        self.meta = dict(document.meta)
        self.lesson = document.lesson        # a lesson's explanation stays with its file
        self.data = pipeline.prepare(self.values, boundary_resolution=resolution,
                                     map_resolution=2)
        d = self.data
        n_outputs = d.n_classes if d.task == "multiclass" else 1
        self.spec = pipeline.network_spec(self.values, d.n_inputs, n_outputs)
        self.config = pipeline.train_config(self.values)
        has_test = len(d.X_test) > 0
        self.trainer = Trainer(self.spec, self.config, d.X_train, d.Y_train,
                               d.X_test if has_test else None, d.Y_test if has_test else None,
                               seed=self.values["seed"])
        if document.trainer is not None:
            self.trainer.load_state_dict(document.trainer)
        self.run = Run(self.trainer, d)
        self.run.set_stops(self.values["stop_at_epoch"], self.values["stop_at_test_loss"])
        if document.history is not None and len(document.history["step"]):
            self.run.restore_history(document.history)
        else:
            self.record_row()

    @property
    def history(self) -> History:
        return self.run.history

    @property
    def diverged(self) -> bool:
        return self.run.diverged

    @property
    def message(self) -> str:
        return self.run.message

    # ---- training ----------------------------------------------------------------------------
    def train(self, n_steps: int, progress: Callable[[int], None] | None = None) -> str | None:
        """Train n_steps in frames of steps_per_frame, one history row per frame. Returns
        "diverged" when the run diverged (it stops there), else None."""
        return self.run.train(n_steps, self.values["steps_per_frame"], progress)

    def train_epochs(self, n_epochs: int, progress=None) -> str | None:
        return self.train(steps_to_epoch(self.trainer, self.trainer.epoch + int(n_epochs)),
                          progress)

    def train_until_stop(self, max_steps: int = MAX_UNTIL_STOP_STEPS,
                         progress=None) -> str:
        """Train until the experiment's stop conditions (stop at epoch, stop at test loss) say
        so, as the window does while playing; at most max_steps steps."""
        return self.run.train_until_stop(max_steps, self.values["steps_per_frame"], progress)

    def planned_steps(self, steps: int | None, epochs: int | None) -> int | None:
        """How many steps --steps / --epochs will take (None: until a stop condition)."""
        if steps is not None:
            return int(steps)
        if epochs is not None:
            return steps_to_epoch(self.trainer, self.trainer.epoch + int(epochs))
        stop_epoch = int(self.values["stop_at_epoch"])
        if stop_epoch > self.trainer.epoch and not self.values["stop_at_test_loss"]:
            return steps_to_epoch(self.trainer, stop_epoch)
        return None

    # ---- what gets recorded -------------------------------------------------------------------
    def record_row(self, result=None) -> None:
        """One history row, computed as the window's worker computes it."""
        self.run.record_row(result)
        self.run.clear_pending()

    def document(self) -> files.Document:
        """The experiment as it is now, ready to save (weights saved only while finite)."""
        state = self.trainer.state_dict() if not self.diverged else None
        history = self.history.as_dict() if state is not None else None
        return files.Document(dict(self.values), state, history, dict(self.meta), self.lesson)

    def outputs(self):
        """Network outputs on the picture grid: (R, R) or (R, R, K), rows from y_min."""
        d = self.data
        r = int(round(math.sqrt(len(d.boundary_inputs))))
        with np.errstate(all="ignore"):
            out = np.asarray(self.trainer.predict(d.boundary_inputs))
        return out.reshape(r, r, -1) if d.task == "multiclass" else out[:, 0].reshape(r, r)

    def outcome(self, steps_run: int, seconds: float, stopped: str) -> Outcome:
        h = self.history

        def last(name):
            v = h.last(name)
            return None if not np.isfinite(v) else v

        regression = self.data.task == "regression"
        return Outcome(
            steps=self.trainer.step_count, epochs=self.trainer.epoch, steps_run=steps_run,
            seconds=seconds, train_loss=h.last("train_loss"),
            test_loss=last("test_loss") if len(self.data.X_test) else None,
            train_accuracy=None if regression else last("train_accuracy"),
            test_accuracy=None if regression else last("test_accuracy"),
            diverged=self.diverged, stopped=stopped, message=self.message)


# ---- the command -------------------------------------------------------------------------------
class ProgressBar:
    """A one-line progress bar on a terminal (stderr), redrawn at most 10 times a second."""

    def __init__(self, total: int | None, stream=None, width: int = 30):
        self.total, self.width = total, width
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self._shown = 0.0
        self._start = time.perf_counter()

    def update(self, steps: int, loss: float = math.nan) -> None:
        self.done += steps
        now = time.perf_counter()
        if self.enabled and now - self._shown >= 0.1:
            self._shown = now
            self._draw(loss)

    def _draw(self, loss: float) -> None:
        rate = self.done / max(time.perf_counter() - self._start, 1e-9)
        if self.total:
            f = min(1.0, self.done / self.total)
            bar = "#" * int(f * self.width) + "-" * (self.width - int(f * self.width))
            head = f"[{bar}] {f * 100:5.1f}% {self.done}/{self.total}"
        else:
            head = f"{self.done} steps"
        tail = f" loss {loss:.4f}" if math.isfinite(loss) else ""
        self.stream.write(f"\r{head}  {rate:,.0f} steps/s{tail}   ")
        self.stream.flush()

    def close(self, loss: float = math.nan) -> None:
        if self.enabled:
            self._draw(loss)
            self.stream.write("\n")
            self.stream.flush()


def run_to_folder(document: files.Document, out: str | Path, name: str,
                  steps: int | None = None, epochs: int | None = None, seed: int | None = None,
                  progress_stream=None) -> Outcome:
    """Train ``document`` and write ``<name>.nnp``, ``history.csv``, ``boundary.png`` and
    ``loss.png`` into the folder ``out`` (created when missing).

    steps / epochs : train that many more (at most one of them); neither: until the file's stop
        condition, or DEFAULT_EPOCHS epochs when it has none
    seed : a new weight seed; the network then starts again from fresh weights and history
    """
    if steps is not None and epochs is not None:
        raise ValueError("give --steps or --epochs, not both")
    if seed is not None:
        from playground.experiment import Experiment
        values = Experiment(document.values).values()
        values["seed"] = seed
        values = Experiment(values).values()
        document = replace(document, values=values, trainer=None, history=None)
    run = HeadlessRun(document)
    start_step = run.trainer.step_count
    until_stop = (steps is None and epochs is None and
                  (run.values["stop_at_epoch"] > run.trainer.epoch or
                   run.values["stop_at_test_loss"] > 0))
    if steps is None and epochs is None and not until_stop:
        epochs = DEFAULT_EPOCHS
    bar = ProgressBar(run.planned_steps(steps, epochs), progress_stream)

    def report(n):
        bar.update(n, run.history.last("train_loss"))

    t0 = time.perf_counter()
    if until_stop:
        stopped = run.train_until_stop(progress=report)
    elif epochs is not None:
        stopped = run.train_epochs(epochs, report) or "epochs"
    else:
        stopped = run.train(steps, report) or "steps"
    seconds = time.perf_counter() - t0
    bar.close(run.history.last("train_loss"))
    outcome = run.outcome(run.trainer.step_count - start_step, seconds, stopped)
    outcome.files = write_outputs(run, Path(out), name)
    return outcome


def write_outputs(run: HeadlessRun, folder: Path, name: str) -> dict:
    """Write the experiment file, the history CSV and the two pictures; {kind: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    doc = run.document()
    experiment_path = files.with_extension(folder / name)
    files.save(experiment_path, doc)
    written["experiment"] = experiment_path
    written["history"] = export.write_history_csv(folder / "history.csv", run.history.as_dict())
    v = run.values
    if run.data.supports_boundary:      # 2-D points (image experiments have no boundary)
        boundary = pictures.boundary_picture(run.outputs(), run.data, v["discretize"],
                                             v["show_test"])
        written["boundary"] = folder / "boundary.png"
        boundary.save(written["boundary"])
    written["loss"] = folder / "loss.png"
    history = run.history.as_dict()
    diverged_at = int(history["step"][-1]) if run.diverged and len(history["step"]) else None
    pictures.loss_picture(history, v["log_loss"], diverged_at=diverged_at).save(written["loss"])
    return written
