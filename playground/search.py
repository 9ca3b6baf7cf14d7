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
"""
from __future__ import annotations

import base64
import math
import os
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from playground import files
from playground.checks import quoted
from playground.compare import value_text
from playground.experiment import Experiment, InvalidValue
from playground.fields import FIELDS_BY_NAME

SAMPLERS = ("grid", "random", "tpe", "gp")
METRICS = {"test_loss": "minimize", "train_loss": "minimize", "test_accuracy": "maximize",
           "train_accuracy": "maximize"}
#: Settings searched on a log scale unless the spec says otherwise.
LOG_BY_DEFAULT = {"learning_rate", "l1", "l2", "weight_decay", "init_scale"}
SPEC_ATTR = "nn_playground_spec"
#: Points of a float or wide int range a grid search takes.
GRID_POINTS = 5


@dataclass(frozen=True)
class Param:
    """One searched setting: a range [low, high] (``log``: sampled on a log scale) for numbers,
    or ``choices`` for words and switches."""
    name: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple = ()

    def __post_init__(self):
        f = FIELDS_BY_NAME.get(self.name)
        if f is None:
            raise ValueError(f"Unknown setting {quoted(self.name)}.")
        if f.kind not in (int, float, str, bool):
            raise ValueError(f"{f.title} cannot be searched (it is not a single value).")
        if self.choices:
            object.__setattr__(self, "choices", tuple(self.choices))
            for c in self.choices:
                if not isinstance(c, f.kind) or (f.kind is int and isinstance(c, bool)):
                    raise ValueError(f"{f.title} takes {f.kind.__name__} values, not "
                                     f"{quoted(c)}.")
            return
        if f.kind not in (int, float):
            raise ValueError(f"{f.title} is searched over a list of choices, e.g. "
                             f"{self.name}=A,B.")
        if self.low is None or self.high is None or not self.low < self.high:
            raise ValueError(f"{f.title} needs a range LOW:HIGH with LOW < HIGH.")
        if f.low is not None and (self.low < f.low or self.high > f.high):
            raise ValueError(f"{f.title} can range from {f.low:g} to {f.high:g}; "
                             f"{self.low:g}:{self.high:g} goes beyond.")
        if self.log and self.low <= 0:
            raise ValueError(f"A log-scale range of {f.title} must start above 0.")

    @property
    def kind(self) -> type:
        return FIELDS_BY_NAME[self.name].kind

    def suggest(self, trial):
        if self.choices:
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.kind is int:
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.name, float(self.low), float(self.high), log=self.log)

    def grid(self) -> list:
        """The values a grid search tries."""
        if self.choices:
            return list(self.choices)
        if self.log:
            points = np.geomspace(self.low, self.high, GRID_POINTS)
        else:
            points = np.linspace(self.low, self.high, GRID_POINTS)
        if self.kind is int:
            return sorted({int(round(p)) for p in points})
        return [float(f"{p:.6g}") for p in points]


def parse_param(text: str) -> Param:
    """``learning_rate=1e-4:1`` (log scale for rates; add ``:log`` or ``:linear`` to say),
    ``batch_size=5:50``, ``optimizer=sgd,adam,rmsprop``, ``normalize=true,false``."""
    from playground.compare import parse_value
    name, sep, rest = text.partition("=")
    name, rest = name.strip(), rest.strip()
    if not sep or not name or not rest:
        raise ValueError(f"--param takes SETTING=LOW:HIGH or SETTING=A,B,..., not "
                         f"{quoted(text)}.")
    if ":" in rest:
        parts = [p.strip() for p in rest.split(":")]
        scale = parts.pop() if len(parts) == 3 else ("log" if name in LOG_BY_DEFAULT
                                                     else "linear")
        if len(parts) != 2 or scale not in ("log", "linear"):
            raise ValueError(f"--param takes SETTING=LOW:HIGH[:log|:linear], not "
                             f"{quoted(text)}.")
        low, high = (parse_value(name, p) for p in parts)
        return Param(name, low, high, log=scale == "log")
    return Param(name, choices=tuple(parse_value(name, c) for c in rest.split(",")))


@dataclass(frozen=True)
class SearchSpec:
    """What a search tries and how each trial is judged."""
    document: files.Document
    params: tuple
    metric: str = "test_loss"
    steps: int | None = None
    epochs: int | None = 20
    sampler: str = "tpe"
    seed: int = 0
    prune: bool = True

    def __post_init__(self):
        object.__setattr__(self, "params", tuple(self.params))
        if not self.params:
            raise ValueError("Search at least one setting.")
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError("Each setting can be searched once.")
        if self.metric not in METRICS:
            raise ValueError(f"Unknown metric {quoted(self.metric)}; choose one of "
                             f"{', '.join(METRICS)}.")
        if self.sampler not in SAMPLERS:
            raise ValueError(f"Unknown sampler {quoted(self.sampler)}; choose one of "
                             f"{', '.join(SAMPLERS)}.")
        if (self.steps is None) == (self.epochs is None):
            raise ValueError("Give each trial a budget of steps or of epochs (one of them).")
        values = Experiment(self.document.values).values()
        if self.metric.startswith("test") and values["train_ratio"] >= 1.0:
            raise ValueError("The test metrics need a test split.")
        try:        # the corners of the space must be valid experiments
            for p in self.params:
                for v in ([p.low, p.high] if not p.choices else p.choices):
                    Experiment({**values, p.name: p.kind(v) if p.kind is int else v})
        except InvalidValue as error:
            raise ValueError(f"The search space holds an impossible experiment: {error}") \
                from None
        object.__setattr__(self, "document", files.Document(values))

    @property
    def direction(self) -> str:
        return METRICS[self.metric]

    def values_of(self, params: dict) -> dict:
        """The experiment's values with a trial's settings."""
        return Experiment({**self.document.values, **params}).values()

    # ---- stored in the study --------------------------------------------------------------
    def to_attr(self) -> dict:
        return {"experiment": base64.b64encode(files.dumps(self.document)).decode("ascii"),
                "params": [asdict(p) for p in self.params], "metric": self.metric,
                "steps": self.steps, "epochs": self.epochs, "sampler": self.sampler,
                "seed": self.seed, "prune": self.prune}

    @classmethod
    def from_attr(cls, d: dict) -> "SearchSpec":
        document = files.loads(base64.b64decode(d["experiment"]))
        params = tuple(Param(**{**p, "choices": tuple(p.get("choices") or ())})
                       for p in d["params"])
        return cls(document, params, d["metric"], d["steps"], d["epochs"], d["sampler"],
                   int(d["seed"]), bool(d["prune"]))


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
    return study, SearchSpec.from_attr(study.user_attrs[SPEC_ATTR])


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


# ---- what a search found --------------------------------------------------------------------
def trial_row(t) -> dict:
    """A finished trial as plain data: number, state, value, settings, seconds, status."""
    value = t.value if t.values else None
    status = t.user_attrs.get("status") or t.state.name.lower()
    if t.state.name == "PRUNED":
        status = "pruned"
    elif t.state.name == "FAIL" and status == "done":
        status = "failed"
    return {"number": t.number, "state": t.state.name.lower(), "status": status,
            "value": None if value is None or not math.isfinite(value) else float(value),
            "params": dict(t.params), "seconds": t.user_attrs.get("seconds"),
            "message": t.user_attrs.get("message", "")}


def trials_table(study) -> list[dict]:
    return [trial_row(t) for t in study.get_trials(deepcopy=False)]


def best(study) -> dict | None:
    from optuna.trial import TrialState
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        return None
    return trial_row(study.best_trial)


def importances(study) -> dict:
    """How much each setting matters to the metric (Optuna's fANOVA), {} with too few trials."""
    import optuna
    from optuna.trial import TrialState
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if len(complete) < 3 or len(complete[0].params) < 1:
        return {}
    try:
        return {k: float(v) for k, v in optuna.importance.get_param_importances(study).items()}
    except (RuntimeError, ValueError, ZeroDivisionError):
        return {}


def heatmap(study, x: str, y: str, bins: int = 6) -> dict:
    """The metric over two settings: {"x": edges, "y": edges, "values": (bins, bins) mean
    metric of the complete trials in each cell (NaN where none)}; log-spaced edges for
    log-scale ranges, one cell per choice for choices."""
    from optuna.trial import TrialState
    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    spec = SearchSpec.from_attr(study.user_attrs[SPEC_ATTR])
    params = {p.name: p for p in spec.params}
    axes = []
    for name in (x, y):
        p = params.get(name)
        if p is None:
            raise ValueError(f"{quoted(name)} is not searched in this study.")
        if p.choices:
            axes.append(("choices", list(p.choices)))
        elif p.log:
            axes.append(("edges", np.geomspace(p.low, p.high, bins + 1).tolist()))
        else:
            axes.append(("edges", np.linspace(p.low, p.high, bins + 1).tolist()))

    def cell(axis, v):
        kind, a = axis
        if kind == "choices":
            return a.index(v)
        return int(min(max(np.searchsorted(a, v, side="right") - 1, 0), len(a) - 2))

    shape = tuple(len(a) if k == "choices" else len(a) - 1 for k, a in axes)
    total, count = np.zeros(shape[::-1]), np.zeros(shape[::-1])
    for t in trials:
        i, j = cell(axes[0], t.params[x]), cell(axes[1], t.params[y])
        total[j, i] += t.value
        count[j, i] += 1
    with np.errstate(invalid="ignore"):
        values = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return {"x": axes[0][1], "y": axes[1][1], "values": values, "counts": count}


def document_of(study, number: int) -> files.Document:
    """Trial ``number``'s experiment, ready to open and train (fresh weights)."""
    spec = SearchSpec.from_attr(study.user_attrs[SPEC_ATTR])
    trial = study.trials[number]
    values = spec.values_of(dict(trial.params))
    title = ", ".join(f"{k}={value_text(v, 4)}" for k, v in trial.params.items())
    return files.Document(values, meta={"title": f"trial {number}: {title}"})


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
