"""What a hyperparameter search tries (Qt-free, no Optuna): the searched settings and the spec.

A ``Param`` is one searched setting with its range (log scale for rates) or its choices;
``parse_param`` reads one from the command line (``learning_rate=1e-4:1``). A ``SearchSpec`` is
the whole search: the experiment, the params, the metric and its direction, the per-trial budget
(steps or epochs), the sampler, the seed and pruning; it is validated on construction (every
corner of the space must be a valid experiment) and stored in an Optuna study's user attributes
(``to_attr`` / ``from_attr``, under ``SPEC_ATTR``).
"""
from __future__ import annotations

import base64
from dataclasses import asdict, dataclass

import numpy as np

from playground import files
from playground.checks import quoted
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


def spec_of(study) -> SearchSpec:
    """The spec stored in ``study`` (one NN Playground made: ``SPEC_ATTR`` is there)."""
    return SearchSpec.from_attr(study.user_attrs[SPEC_ATTR])
