"""One training run, written once: frames of steps in chunks, a history row per frame, the
stop rules. Qt-free.

``Run(trainer, data)`` is what every driver trains (and ``build_snapshot`` makes the view
products a frame carries to the window): the window's worker thread
(``playground.worker`` paces frames with a timer and asks the run to stop at a chunk boundary
when a command waits), headless runs (``playground.headless``: ``python main.py run``) and the
worker processes of comparisons and searches. A frame runs ``n`` steps in chunks of about
``CHUNK_SECONDS`` (one iteration for the second-order methods), records one history row (the
same recipe everywhere, so a file continues the same whoever trained it) and says why it
stopped: all steps ran, a command was waiting, the run diverged, or a stop condition (stop at
epoch, stop at test loss) was met. Chunking does not change the run: the engine's counter-based
random numbers make n steps in any chunks bit-identical to one call.

Rows evaluate the whole training and test splits, except in a window that plays a large image
set (``Run(..., sample_limit=...)`` with ``live`` set): there a row evaluates a fixed sample of
each split (``image_frames.EvalSample``), and the row of a frame that ends an epoch, or one
that ``settle()`` redoes on pause, the whole splits again (``last_whole`` says which).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from engine import blas
from engine.kernels import POS
from playground.grids import GRID_DTYPE, DetailGrids
from playground.history import COLUMNS, History
from playground.image_frames import EMPTY, EvalSample, image_products
from playground.pacing import CHUNK_SECONDS, chunk_steps, joined
from playground.snapshot import Snapshot, frozen

#: Why a frame ended (None: it ran all its steps).
INTERRUPTED, DIVERGED, STOP_EPOCH, STOP_LOSS = "interrupted", "diverged", "stop_epoch", "stop_loss"


@dataclass(frozen=True)
class Frame:
    """What one frame did: why it ended, the steps it ran, the seconds the compiled calls took,
    the joined engine result (per-step losses and rates) and, when it paused, why in words."""
    reason: str | None
    steps: int
    seconds: float
    result: object
    message: str = ""


class Run:
    """A trainer on its prepared data, trained a frame at a time.

    trainer : engine.trainer.Trainer;  data : playground.pipeline.PreparedData
    ``history`` holds every row (``keep_history``; the window's session keeps its own);
    ``take_rows()`` hands over those recorded since the last call (the worker sends them with
    its next snapshot). ``sample_limit``: splits larger than this are evaluated on a fixed
    sample of that many while ``live`` is True (the window playing); None: always whole.
    """

    def __init__(self, trainer, data, chunk_seconds: float = CHUNK_SECONDS,
                 keep_history: bool = True, sample_limit: int | None = None):
        self.trainer = trainer
        self.data = data
        self.chunk_seconds = float(chunk_seconds)
        self.keep_history = keep_history
        self.history = History()
        self.last_row: dict | None = None
        self.stop_epoch = 0
        self.stop_loss = 0.0
        #: measured seconds per step of the compiled calls (sizes the chunks)
        self.step_seconds = 0.0
        self.diverged = not np.isfinite(trainer.params).all()
        self.message = ""
        self._pending: list[dict] = []
        self.sample = EvalSample(data, sample_limit) if sample_limit is not None else None
        if self.sample is not None and self.sample.whole:
            self.sample = None               # small enough: every row is whole
        #: True while frames are played live (rows then evaluate the sample, if any)
        self.live = False
        #: whether the last row evaluated the whole splits (False: the live sample)
        self.last_whole = True

    # ---- rows ---------------------------------------------------------------------------------
    def record_row(self, result=None, whole: bool = True) -> dict:
        """Record one history row (see ``history_row``) and return it; ``whole`` False: on the
        live sample when there is one."""
        sampled = not whole and self.sample is not None
        row = history_row(self.trainer, self.sample if sampled else self.data, result,
                          self.trainer.config.learning_rate)
        self.last_row, self.last_whole = row, not sampled
        if self.keep_history:
            self.history.extend({c: np.array([row[c]], dtype=np.float64) for c in COLUMNS})
        self._pending.append(row)
        return row

    def settle(self) -> bool:
        """On pause: when the last row evaluated the live sample, evaluate the whole splits at
        the same step and use that row instead (in ``pending_rows`` too while it was not handed
        over yet). Returns True when it did."""
        if self.last_whole or self.last_row is None:
            return False
        row = history_row(self.trainer, self.data, None, self.last_row["learning_rate"])
        if self._pending and self._pending[-1] is self.last_row:
            self._pending[-1] = row
        self.last_row, self.last_whole = row, True
        return True

    def restore_history(self, history: dict) -> None:
        """Continue a saved history ({column: (rows,)}, which ends at the trainer's step)."""
        self.history.clear()
        self.history.extend(history)
        self._pending.clear()
        if len(self.history):
            self.last_row = {c: float(self.history.last(c)) for c in COLUMNS}
            self.last_whole = True

    def take_rows(self) -> list[dict]:
        """The rows recorded since the last call (they are handed over once)."""
        rows, self._pending = self._pending, []
        return rows

    def pending_rows(self) -> list[dict]:
        """The rows recorded since the last ``take_rows`` (still held)."""
        return list(self._pending)

    def clear_pending(self) -> None:
        self._pending.clear()

    def restart(self) -> None:
        """After the trainer went back to its initial weights: no rows, not diverged."""
        self.history.clear()
        self._pending.clear()
        self.last_row = None
        self.last_whole = True
        self.diverged = not np.isfinite(self.trainer.params).all()
        self.message = ""

    # ---- frames -------------------------------------------------------------------------------
    def set_stops(self, stop_epoch: int = 0, stop_loss: float = 0.0) -> None:
        """Pause at epoch ``stop_epoch`` / when the test loss falls to ``stop_loss`` (0: never)."""
        self.stop_epoch, self.stop_loss = int(stop_epoch), float(stop_loss)

    def frame_steps(self, steps_per_frame: int) -> int:
        """The steps of the next frame: ``steps_per_frame``, ending early at the stop epoch."""
        n = max(1, int(steps_per_frame))
        if self.stop_epoch > self.trainer.epoch:
            n = min(n, steps_to_epoch(self.trainer, self.stop_epoch))
        return n

    def train_frame(self, n_steps: int, interrupted: Callable[[], bool] | None = None,
                    stop_rules: bool = True) -> Frame:
        """Train ``n_steps`` in chunks (fewer when ``interrupted()`` turns true between two
        chunks), record the frame's row and apply the stop rules (``stop_rules``: the stop
        epoch and test loss; divergence always stops)."""
        trainer = self.trainer
        second_order = bool(getattr(trainer.config, "second_order", False))
        results, seconds, left, cut = [], 0.0, int(n_steps), False
        epoch = trainer.epoch
        while left > 0:
            chunk = chunk_steps(left, self.step_seconds, second_order, self.chunk_seconds)
            start = time.perf_counter()
            result = trainer.run(chunk)
            took = time.perf_counter() - start
            seconds += took
            if result.steps_done:
                per_step = took / result.steps_done
                self.step_seconds = per_step if self.step_seconds <= 0 else \
                    0.5 * (self.step_seconds + per_step)
            results.append(result)
            left -= result.steps_done
            if result.diverged:
                break
            if left > 0 and interrupted is not None and interrupted():
                cut = True
                break
        result = joined(results) if results else trainer.run(0)
        row = self.record_row(result, whole=not self.live or trainer.epoch != epoch)
        done = result.steps_done
        if result.diverged:
            self.diverged = True
            self.message = divergence_message(trainer.step_count, trainer.config,
                                              bool(np.isnan(result.losses).any()))
            return Frame(DIVERGED, done, seconds, result, self.message)
        if stop_rules and self.stop_epoch and trainer.epoch >= self.stop_epoch:
            return Frame(STOP_EPOCH, done, seconds, result,
                         f"Reached epoch {self.stop_epoch}: training paused.")
        test = row["test_loss"]
        if stop_rules and self.stop_loss and np.isfinite(test) and test <= self.stop_loss:
            return Frame(STOP_LOSS, done, seconds, result,
                         f"Test loss {test:.4f} fell below the target {self.stop_loss:g}: "
                         f"training paused.")
        return Frame(INTERRUPTED if cut else None, done, seconds, result)

    def train(self, n_steps: int, steps_per_frame: int,
              progress: Callable[[int], None] | None = None) -> str | None:
        """Train ``n_steps`` in frames of ``steps_per_frame`` (no stop conditions: the steps
        were asked for). Returns "diverged" when it diverged (it stops there), else None."""
        left = int(n_steps)
        while left > 0 and not self.diverged:
            frame = self.train_frame(min(left, int(steps_per_frame)), stop_rules=False)
            left -= frame.steps
            if progress is not None:
                progress(frame.steps)
            if frame.reason == DIVERGED:
                return DIVERGED
        return None

    def train_until_stop(self, max_steps: int, steps_per_frame: int,
                         progress: Callable[[int], None] | None = None) -> str:
        """Train as the window plays, until a stop condition or divergence; at most max_steps.
        Returns the reason: "diverged", "stop_epoch", "stop_loss" or "steps"."""
        done = 0
        while done < max_steps and not self.diverged:
            frame = self.train_frame(min(self.frame_steps(steps_per_frame), max_steps - done))
            done += frame.steps
            if progress is not None:
                progress(frame.steps)
            if frame.reason in (DIVERGED, STOP_EPOCH, STOP_LOSS):
                return frame.reason
        return DIVERGED if self.diverged else "steps"


# ---- the rules every driver shares ----------------------------------------------------------
def history_row(trainer, data, result=None, learning_rate: float = math.nan) -> dict:
    """One history row {column: float}: the step and epoch counters, losses and accuracies on
    the full training and test splits (accuracy NaN for regression, test values NaN without a
    test split), and the learning rate of the chunk's last step (``learning_rate``, the
    configured rate, before any training).

    data : pipeline.PreparedData, or an image_frames.EvalSample (the splits' live sample);
    result : what ``trainer.run(n)`` returned, or None
    """
    # BLAS on one thread, wherever the row is recorded (window, headless, comparisons): the
    # splits' products in parallel chunks on a many-threaded BLAS waited on each other (8x128:
    # 75-130 ms a row on a busy 2-core machine, 15-45 on one thread), and one setting for all
    # drivers keeps a row's last bits the same whoever records it
    with blas.single_threaded():
        train_loss, train_acc = _evaluate(trainer, data.X_train, data.Y_train)
        test_loss, test_acc = (_evaluate(trainer, data.X_test, data.Y_test)
                               if len(data.X_test) else (math.nan, None))
    lr = (float(result.learning_rates[-1]) if result is not None and
          len(result.learning_rates) else float(learning_rate))
    return {"step": trainer.step_count, "epoch": trainer.epoch,
            "train_loss": train_loss, "test_loss": test_loss,
            "train_accuracy": math.nan if train_acc is None else train_acc,
            "test_accuracy": math.nan if test_acc is None else test_acc,
            "learning_rate": lr}


def _evaluate(trainer, X, Y) -> tuple[float, float | None]:
    with np.errstate(all="ignore"):
        loss, acc = trainer.evaluate(X, Y)
    return float(loss), (None if acc is None else float(acc))


def steps_to_epoch(trainer, epoch: int) -> int:
    """Steps from now until the trainer's epoch counter reaches ``epoch`` (> current epoch).

    An epoch ends when the last (possibly smaller) batch of the shuffled training set is used;
    a full-batch (second-order) step is one epoch.
    """
    ahead = epoch - trainer.epoch
    if ahead <= 0:
        return 0
    if trainer.config.second_order:
        return ahead
    n = trainer.X.shape[0]
    batch = min(trainer.config.batch_size, n)
    left = n - int(trainer.state[POS])
    return -(-left // batch) + (ahead - 1) * trainer.steps_per_epoch


def steps_to_epoch_after(trainer, pending: int) -> int:
    """Steps from now to the end of the epoch that ``pending`` more steps leave the trainer in
    (the end of the current epoch when ``pending`` is 0; one epoch further when the pending
    steps end exactly on an epoch's end)."""
    to_next = steps_to_epoch(trainer, trainer.epoch + 1)
    if pending < to_next:
        return to_next
    per_epoch = 1 if trainer.config.second_order else trainer.steps_per_epoch
    over = (pending - to_next) % per_epoch
    return pending + per_epoch - over


def divergence_message(step: int, config, nan: bool) -> str:
    """What happened, in words, and what to try."""
    lr = config.learning_rate
    what = "not a number (NaN)" if nan else "infinite"
    return (f"Training diverged at step {step:,}: the loss became {what}, so training paused. "
            f"The learning rate {lr:g} is probably too high: try {lr / 10:g}, then press Reset.")


# ---- the view products ------------------------------------------------------------------
def build_snapshot(trainer, job, rows: list[dict], last: dict | None, rate: float,
                   focus, steps_per_frame_at_60: int = 0, grids: DetailGrids | None = None,
                   level: int = 0, sample_index: int = 0,
                   eval_indices: np.ndarray | None = None, timing: dict | None = None
                   ) -> Snapshot:
    """The view products of a frame: the network evaluated on the grids at detail ``level``
    (0: every point; see grids.py), the hovered neuron's map when ``focus`` asks for one, and
    copies of everything else the views draw (weights, rows, numbers), as one immutable
    Snapshot. ``job`` says which network (its generation, data and config). An image
    experiment has no grids: its frame carries ``image_frames.image_products`` instead (the
    feature maps of test image ``sample_index``, predictions on the test images
    ``eval_indices``, None: all of them). A ``timing`` dict gets "forward": the seconds the
    grids' forward passes took (the part of a build that grows with the points evaluated)."""
    data = job.data
    if data.modality == "images":
        views = dict(boundary=EMPTY, neuron_maps=(), output_map=EMPTY,
                     images=image_products(trainer, data, sample_index, eval_indices))
    else:
        views = _point_views(trainer, data, focus, grids, level, timing)
    history = {name: np.array([row[name] for row in rows], dtype=np.float64) for name in COLUMNS}
    return Snapshot(
        generation=job.generation, step=int(trainer.step_count), epoch=int(trainer.epoch),
        steps_per_second=float(rate), steps_per_frame_at_60=int(steps_per_frame_at_60),
        train_loss=last["train_loss"] if last else math.nan,
        test_loss=last["test_loss"] if last else math.nan,
        train_accuracy=_none_if_nan(last["train_accuracy"]) if last else None,
        test_accuracy=_none_if_nan(last["test_accuracy"]) if last else None,
        learning_rate=(last["learning_rate"] if last else job.config.learning_rate)
        if trainer.config.second_order else trainer.learning_rate,
        schedule_start=tuple(trainer.schedule_start),
        params=frozen(trainer.params, np.float64), buffers=frozen(trainer.buffers, np.float64),
        history=history, detail=level, **views)


def _point_views(trainer, data, focus, grids: DetailGrids | None, level: int,
                 timing: dict | None = None) -> dict:
    """The decision boundary, neuron maps, output map and hovered neuron's map of a 2-D
    points network at detail ``level``."""
    if grids is None:
        grids = DetailGrids(data.boundary_inputs, data.map_inputs)
    # the worker thread's BLAS on one core: a small grid's products spread over every core
    # wait on the GUI thread and on each other on a busy machine (engine/blas.py); a diverged
    # network's weights overflow float32 (GRID_DTYPE): its grids draw as 0 (grids.full)
    with blas.single_threaded(), np.errstate(over="ignore", invalid="ignore"):
        return _evaluated_views(trainer, data, focus, grids, level,
                                {} if timing is None else timing)


def _evaluated_views(trainer, data, focus, grids: DetailGrids, level: int, timing: dict
                     ) -> dict:
    start = time.perf_counter()
    hidden, small = trainer.activations(grids.inputs("map", level), GRID_DTYPE)  # both at once
    forward = time.perf_counter() - start
    maps = tuple(_read_only(grids.full("map", level, h)) for h in hidden)
    small = grids.full("map", level, small)
    boundary_inputs = grids.inputs("boundary", level)
    focus_map = None
    start = time.perf_counter()
    if focus is not None and focus[0] < len(hidden) and focus[1] < hidden[focus[0]].shape[1]:
        # the hovered neuron and the output from one pass over the boundary grid
        units, out = trainer.activations(boundary_inputs, GRID_DTYPE)
        forward += time.perf_counter() - start
        focus_map = _read_only(grids.full("boundary", level, units[focus[0]][:, focus[1]])[0])
    else:
        out = trainer.predict(boundary_inputs, GRID_DTYPE)
        forward += time.perf_counter() - start
    timing["forward"] = forward
    out = grids.full("boundary", level, out)
    boundary = out.transpose(1, 2, 0) if data.task == "multiclass" else out[0]
    return dict(boundary=_read_only(np.ascontiguousarray(boundary)), neuron_maps=maps,
                output_map=_read_only(small), focus=focus_map,
                focus_key=focus if focus_map is not None else None)


def _read_only(a: np.ndarray) -> np.ndarray:
    """``grids.full``'s fresh, cleaned array, marked read-only (no second copy)."""
    a.flags.writeable = False
    return a


def _none_if_nan(v: float) -> float | None:
    return None if v is None or not np.isfinite(v) else float(v)
