"""Hyperparameter search with Optuna: grid, random, TPE and Gaussian-process samplers, pruning,
a study shared by worker processes on this machine or others.

A search is declared by a ``SearchSpec``: the experiment, the settings searched with their
ranges (``Param``; log scale for rates), the metric and its direction, the per-trial budget
(steps or epochs) and the sampler. The spec is stored in the Optuna study itself (its user
attributes, the experiment as an experiment file), so a worker needs only the storage and the
study's name to join: ``python main.py search-worker STUDY --storage URL``.

Each trial trains the experiment with the trial's settings from fresh weights, exactly as
``python main.py run`` would, reporting the metric to Optuna after every frame so that the
pruner stops hopeless trials early. A diverging trial is recorded as failed with the reason
(user attribute ``status``), and the search goes on.

Storage: a path ending in ``.log`` or ``.journal`` (or ``journal:PATH``) is an Optuna journal
file, which processes on one machine or on a shared file system can use at once; anything else
is handed to Optuna as a database URL (``sqlite:///study.db``, ``postgresql://...``).

The spec and its settings are in ``playground.search_space``, what a study found (rows, best
trial, importances, heatmap) in ``playground.search_results``; this module runs the study.
Their public names stay importable from here.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field

from playground import files
from playground.checks import quoted
from playground.search_results import (
    best, document_of, heatmap, importances, trial_row, trials_table)
from playground.search_space import (
    GRID_POINTS, LOG_BY_DEFAULT, METRICS, SAMPLERS, SPEC_ATTR, Param, SearchSpec, parse_param,
    spec_of)

#: The search's public names, importable from here whichever module holds them.
__all__ = ["Search", "storage_for", "create_study", "load_study", "make_sampler",
           "frames_per_trial", "grid_size", "objective", "work", "worker_task", "fail_running",
           "best", "document_of", "heatmap", "importances", "trial_row", "trials_table",
           "GRID_POINTS", "LOG_BY_DEFAULT", "METRICS", "SAMPLERS", "SPEC_ATTR", "Param",
           "SearchSpec", "parse_param", "spec_of"]


# ---- storage and the study ----------------------------------------------------------------------
def storage_for(url: str):
    """An Optuna storage: a journal file for ``*.log`` / ``*.journal`` / ``journal:PATH``,
    else an Optuna database URL."""
    from optuna.storages import JournalStorage, RDBStorage
    from optuna.storages.journal import JournalFileBackend
    url = str(url)
    path = url[len("journal:"):] if url.startswith("journal:") else url
    if url.startswith("journal:") or path.endswith((".log", ".journal")):
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise ValueError(f"The folder of the journal file {quoted(path)} does not exist.")
        return JournalStorage(JournalFileBackend(path))
    if "://" not in url:
        raise ValueError(f"{quoted(url)} is neither a journal file (*.log, *.journal) nor a "
                         f"database URL such as sqlite:///study.db.")
    return RDBStorage(url)


def create_study(spec: SearchSpec, storage_url: str, name: str):
    """A new study holding ``spec`` (or the existing one of that name when it holds the same
    search)."""
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(storage=storage_for(storage_url), study_name=name,
                                direction=spec.direction, load_if_exists=True)
    stored = study.user_attrs.get(SPEC_ATTR)
    if stored is None:
        study.set_user_attr(SPEC_ATTR, spec.to_attr())
    elif stored != spec.to_attr():
        raise ValueError(f"The study {quoted(name)} exists with another search; choose "
                         f"another name.")
    return study


def load_study(storage_url: str, name: str):
    """(study, spec) of an existing search."""
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.load_study(study_name=name, storage=storage_for(storage_url))
    except KeyError:
        raise ValueError(f"There is no study {quoted(name)} in {quoted(storage_url)}.") \
            from None
    if SPEC_ATTR not in study.user_attrs:
        raise ValueError(f"The study {quoted(name)} was not made by NN Playground.")
    return study, spec_of(study)


def make_sampler(spec: SearchSpec, worker: int = 0):
    import optuna
    seed = spec.seed * 1000 + worker
    if spec.sampler == "grid":
        return optuna.samplers.GridSampler({p.name: p.grid() for p in spec.params}, seed=seed)
    if spec.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if spec.sampler == "gp":
        try:
            import torch  # noqa: F401  Optuna's Gaussian process runs on PyTorch
        except ImportError:
            raise ValueError("The Gaussian-process sampler needs PyTorch (pip install "
                             "torch==2.13.0); use tpe instead.") from None
        return optuna.samplers.GPSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def frames_per_trial(spec: SearchSpec) -> int:
    """About how many frames (metric reports) a trial of the experiment's own batch size has."""
    from playground.experiment import train_count
    v = spec.document.values
    n = train_count(v["n_points"], v["train_ratio"]) if "n_points" in v else 1
    steps = spec.steps if spec.steps is not None else \
        spec.epochs * -(-n // max(1, min(int(v["batch_size"]), n)))
    return max(1, steps // max(1, int(v["steps_per_frame"])))


def grid_size(spec: SearchSpec) -> int:
    return math.prod(len(p.grid()) for p in spec.params)


# ---- one trial ----------------------------------------------------------------------------------
def objective(spec: SearchSpec):
    """Optuna's objective for ``spec``: train, report the metric each frame, return it."""
    import optuna
    from playground.headless import HeadlessRun

    def run_trial(trial) -> float:
        trial.set_user_attr("worker", os.getpid())     # first: a stopped worker's trial
        params = {p.name: p.suggest(trial) for p in spec.params}
        run = HeadlessRun(files.Document(spec.values_of(params)), resolution=2)
        step = [0]

        def progress(_):
            value = run.history.last(spec.metric)
            step[0] += 1
            if spec.prune and math.isfinite(value):
                trial.report(value, step[0])
                if trial.should_prune():
                    trial.set_user_attr("seconds", round(time.perf_counter() - t0, 4))
                    trial.set_user_attr("steps", run.trainer.step_count)
                    raise optuna.TrialPruned(f"stopped at step {run.trainer.step_count}")

        t0 = time.perf_counter()
        if spec.epochs is not None:
            stopped = run.train_epochs(spec.epochs, progress)
        else:
            stopped = run.train(spec.steps, progress)
        trial.set_user_attr("seconds", round(time.perf_counter() - t0, 4))
        trial.set_user_attr("steps", run.trainer.step_count)
        if stopped == "diverged":
            trial.set_user_attr("status", "diverged")
            trial.set_user_attr("message", getattr(run, "message", "training diverged"))
            return math.nan          # Optuna records the trial as failed; the search goes on
        trial.set_user_attr("status", "done")
        value = run.history.last(spec.metric)
        return value if math.isfinite(value) else math.nan

    return run_trial


def work(study, spec: SearchSpec, n_trials: int, worker: int = 0, on_trial=None) -> None:
    """Run trials in this process until the study has ``n_trials`` finished or running
    trials (shared with every other worker of the study)."""
    import optuna
    from optuna.study import MaxTrialsCallback
    from optuna.trial import TrialState
    study.sampler = make_sampler(spec, worker)
    # a trial is judged against the median only after the first five trials, and only after
    # a third of its own frames: early curves cross, and a slow start is not a bad end
    study.pruner = (optuna.pruners.MedianPruner(n_startup_trials=5,
                                                n_warmup_steps=frames_per_trial(spec) // 3)
                    if spec.prune else optuna.pruners.NopPruner())
    if spec.sampler == "grid":
        n_trials = min(n_trials, grid_size(spec))
    # queued (WAITING) trials are not counted: they are what the workers will run next
    counted = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.RUNNING)
    done = MaxTrialsCallback(n_trials, states=counted)
    callbacks = [done] + ([lambda s, t: on_trial(t)] if on_trial is not None else [])
    if len(study.get_trials(deepcopy=False, states=counted)) >= n_trials:
        return
    study.optimize(objective(spec), callbacks=callbacks, catch=(ValueError, FloatingPointError),
                   gc_after_trial=False)


def worker_task(payload: dict, report) -> int:
    """A search worker in a spawned process: join the study, run trials, report each one."""
    study, spec = load_study(payload["storage"], payload["study"])

    def on_trial(t):
        report(trial_row(t))

    work(study, spec, payload["n_trials"], payload["worker"], on_trial)
    return payload["worker"]


def fail_running(study, numbers) -> int:
    """Mark trials ``numbers`` that are still RUNNING as FAIL (their worker was stopped), so
    the study holds no trial that will never finish. Returns how many."""
    from optuna.trial import TrialState
    n = 0
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if t.number in numbers:
            study.tell(t.number, state=TrialState.FAIL, skip_if_finished=True)
            n += 1
    return n


# ---- a local search --------------------------------------------------------------------------
@dataclass
class Search:
    """A search run by worker processes on this machine (``start``/``poll``/``cancel``, or
    ``run``); trials shared through ``storage_url``."""
    spec: SearchSpec
    storage_url: str
    name: str
    n_trials: int = 20
    workers: int = 2
    rows: list = field(default_factory=list)

    def __post_init__(self):
        if not isinstance(self.n_trials, int) or self.n_trials < 1:
            raise ValueError("A search needs at least one trial.")
        self.study = create_study(self.spec, self.storage_url, self.name)
        self.pool = None
        self.failed: list[str] = []          # workers that crashed, with the reason
        self.worker_pids: set[int] = set()

    def start(self) -> None:
        from playground.processes import ProcessPool
        self.pool = ProcessPool(self.workers)
        for w in range(self.workers):
            self.pool.submit(w, worker_task, {"storage": self.storage_url, "study": self.name,
                                              "n_trials": self.n_trials, "worker": w})
        self.worker_pids.update(self.pool.pids())

    def poll(self, timeout: float = 0.0) -> list[dict]:
        """Take in the trials the workers finished since the last call (rows of trial_row)."""
        new = []
        for m in self.pool.poll(timeout):
            if m.kind == "progress":
                new.append(m.data)
                self.rows.append(m.data)
            elif m.kind == "failed":
                self.failed.append(str(m.data))
        self.worker_pids.update(self.pool.pids())
        return new

    @property
    def running(self) -> bool:
        return self.pool is not None and self.pool.busy

    def run(self, on_trial=None) -> list[dict]:
        """Start the workers and wait for them; the study's trials."""
        self.start()
        try:
            while self.running:
                for row in self.poll(timeout=0.2):
                    if on_trial is not None:
                        on_trial(row)
        except BaseException:
            self.cancel()
            raise
        return trials_table(self.study)

    def cancel(self) -> int:
        """Stop every worker now; the trials they were running are marked failed, the
        finished ones stay in the study. Returns how many trials were cut short."""
        from optuna.trial import TrialState
        if self.pool is not None:
            self.pool.cancel()
        cut = {t.number for t in self.study.get_trials(deepcopy=False,
                                                         states=(TrialState.RUNNING,))
               if t.user_attrs.get("worker", None) in self.worker_pids | {None}}
        return fail_running(self.study, cut)
