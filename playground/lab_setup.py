"""The optimizer lab's setup (Qt-free): the racers it offers and what one lab races.

The catalogue (``RACER_LABELS``, ``SUGGESTED_LR``, ``racer_hypers``, ``suggested_config``) says
which optimizers may race and at which settings; a ``Racer`` is one of them with its settings and
label; a ``LabSetup`` is everything a lab shows: the surface and its settings, the gradient noise,
the start point, the racers, the learning-rate schedule and gradient clipping (first-order
racers), and the number of steps. Both are immutable, validated on construction, and round-trip
through ``to_dict`` / ``from_dict`` (strict: an unknown or bad value is refused by name).

    setup = LabSetup.default("rosenbrock")
    setup.with_changes(steps=100).racers[0].label      # 'SGD'
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from engine.hyper import Hyper
from engine.optimizers import OPTIMIZERS
from engine.race import RACERS
from engine.schedules import SCHEDULES, schedule_from_config
from engine.second_order import SECOND_ORDER
from engine.surfaces import SURFACES, make_surface
from playground.checks import is_number, is_whole_number, quoted

MAX_STEPS = 5000
MAX_RACERS = 12
MAX_LABEL = 40

#: What the lab calls each racer (a key of engine.race.RACERS).
RACER_LABELS = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov",
                "adagrad": "AdaGrad", "adadelta": "AdaDelta", "rmsprop": "RMSProp",
                "adam": "Adam", "adam_no_bias": "Adam, no bias corr.", "adamw": "AdamW",
                "newton": "Newton", "lbfgs": "L-BFGS", "cg": "Conjugate gradient"}

_LR = Hyper("learning_rate", 0.01, 0.0, 100.0, "Step size: the update is lr times the "
            "optimizer's direction.")
_WD = Hyper("weight_decay", 0.01, 0.0, 10.0, "Decoupled weight decay: x <- (1 - lr wd) x "
            "before each Adam step (AdamW).")
#: Hyperparameters a racer keeps fixed (they define it, or mean nothing on a 2-D surface).
_FIXED = {"bias_correction", "max_params"}

#: Learning rates a racer starts with on each surface (chosen so each makes visible progress
#: there in a few hundred steps without blowing up); AdaDelta's is its paper's 1.0 everywhere.
SUGGESTED_LR = {
    "saddle": dict(sgd=0.05, momentum=0.02, nesterov=0.02, adagrad=0.1, rmsprop=0.01, adam=0.02,
                   adam_no_bias=0.02, adamw=0.02),
    "quartic_saddle": dict(sgd=0.1, momentum=0.01, nesterov=0.01, adagrad=0.3, rmsprop=0.01,
                           adam=0.03, adam_no_bias=0.01, adamw=0.03),
    "valley": dict(sgd=0.03, momentum=0.01, nesterov=0.01, adagrad=0.5, rmsprop=0.03, adam=0.1,
                   adam_no_bias=0.03, adamw=0.1),
    "rosenbrock": dict(sgd=0.001, momentum=0.001, nesterov=0.001, adagrad=0.5, rmsprop=0.01,
                       adam=0.1, adam_no_bias=0.03, adamw=0.1),
    "beale": dict(sgd=0.01, momentum=0.001, nesterov=0.001, adagrad=0.5, rmsprop=0.01, adam=0.1,
                  adam_no_bias=0.03, adamw=0.1),
    "himmelblau": dict(sgd=0.003, momentum=0.0003, nesterov=0.0003, adagrad=0.3, rmsprop=0.03,
                       adam=0.03, adam_no_bias=0.01, adamw=0.03),
    "cliff": dict(sgd=0.3, momentum=0.05, nesterov=0.05, adagrad=0.5, rmsprop=0.03, adam=0.1,
                  adam_no_bias=0.03, adamw=0.1),
}


#: What the panels list, in order: the surfaces, the racers and the schedules (registry keys).
SURFACE_KEYS = tuple(SURFACES)
RACER_KEYS = tuple(RACERS)
SCHEDULE_KEYS = tuple(SCHEDULES)


def surface_info(key: str):
    """The registry's Surface ``key``: label, formula, box, start, minima, HYPERPARAMS."""
    if key not in SURFACES:
        raise ValueError(f"unknown surface {quoted(key)}; choose one of {list(SURFACES)}")
    return SURFACES[key]


def schedule_hypers(name: str) -> tuple:
    """The ``Hyper`` declarations of schedule ``name`` (a key of SCHEDULE_KEYS)."""
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {quoted(name)}; choose one of {list(SCHEDULES)}")
    return SCHEDULES[name].HYPERPARAMS


def is_second_order(optimizer: str) -> bool:
    """True for Newton, L-BFGS and CG (no learning rate, schedule or clipping)."""
    return RACERS[optimizer][0] in SECOND_ORDER


def racer_hypers(optimizer: str) -> tuple:
    """The ``Hyper`` declarations a racer of ``optimizer`` (a key of RACERS) may set, in the
    order a panel lists them: the learning rate first (first order), then the method's own."""
    if optimizer not in RACERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {list(RACERS)}")
    engine_name, fixed = RACERS[optimizer]
    if engine_name in SECOND_ORDER:
        return tuple(h for h in SECOND_ORDER[engine_name].HYPERPARAMS if h.name not in _FIXED)
    own = tuple(h for h in OPTIMIZERS[engine_name].HYPERPARAMS if h.name not in _FIXED)
    return (_LR,) + own + ((_WD,) if "weight_decay" in fixed else ())


def suggested_config(optimizer: str, surface: str) -> dict:
    """Every hyperparameter of ``optimizer`` at its default, the learning rate suggested for
    ``surface`` (a key of SURFACES)."""
    config = {h.name: h.default for h in racer_hypers(optimizer)}
    if "learning_rate" in config:
        config["learning_rate"] = SUGGESTED_LR.get(surface, {}).get(optimizer, 1.0)
    if "weight_decay" in config:
        config["weight_decay"] = RACERS[optimizer][1]["weight_decay"]
    return config


# ------------------------------------------------------------------------------ the setup
@dataclass(frozen=True)
class Racer:
    """One optimizer in the race: ``optimizer`` a key of RACERS, ``config`` its settings
    (every name of ``racer_hypers(optimizer)``, validated), ``label`` its name in the legend,
    ``visible`` whether its path is drawn."""
    optimizer: str
    config: dict
    label: str
    visible: bool = True

    @staticmethod
    def make(optimizer, config=None, label=None, visible=True, surface="rosenbrock"):
        """A racer with the settings of ``suggested_config`` overridden by ``config``."""
        if optimizer not in RACERS:
            raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {list(RACERS)}")
        full = {**suggested_config(optimizer, surface), **(config or {})}
        return Racer(optimizer, full, RACER_LABELS[optimizer] if label is None else label,
                     visible)

    def __post_init__(self):
        if not isinstance(self.optimizer, str) or self.optimizer not in RACERS:
            raise ValueError(f"unknown optimizer {quoted(self.optimizer)}; "
                             f"choose one of {list(RACERS)}")
        if not isinstance(self.config, dict):
            raise ValueError(f"{self.optimizer}: config must be a dict, got {quoted(self.config)}")
        specs = {h.name: h for h in racer_hypers(self.optimizer)}
        unknown = sorted(set(self.config) - set(specs), key=str)
        if unknown:
            raise ValueError(f"{self.optimizer}: unknown setting {quoted(unknown[0])}; "
                             f"known: {list(specs)}")
        checked = {}
        for name, spec in specs.items():
            value = self.config.get(name, spec.default)
            if spec.kind != "bool" and value is not None and not is_number(value):
                raise ValueError(f"{self.optimizer}: {name} must be a number, got "
                                 f"{quoted(value)}")
            checked[name] = spec.check(value, self.optimizer)
        object.__setattr__(self, "config", checked)
        if not isinstance(self.label, str) or not self.label.strip() \
                or len(self.label) > MAX_LABEL or not self.label.isprintable():
            raise ValueError(f"a racer's label must be 1 to {MAX_LABEL} printable characters, "
                             f"got {quoted(self.label)}")
        if not isinstance(self.visible, bool):
            raise ValueError(f"{self.label}: visible must be true or false, got "
                             f"{quoted(self.visible)}")

    def to_dict(self) -> dict:
        return {"optimizer": self.optimizer, "label": self.label, "visible": self.visible,
                "config": dict(self.config)}


#: The racers of a new lab: the ten that animate together in the window (all but L-BFGS and
#: CG, which add little on top of Newton at a glance; "Add racer" brings them in).
DEFAULT_RACERS = ("sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam",
                  "adam_no_bias", "adamw", "newton")

_SETUP_KEYS = ("surface", "surface_params", "noise_std", "seed", "start", "racers", "schedule",
               "clip", "steps")


@dataclass(frozen=True)
class LabSetup:
    """What the lab races (validated on construction; ValueError names the bad field).

    surface        : a key of SURFACES          surface_params : its parameters (declared Hypers)
    noise_std, seed: gradient noise (0: exact)  start : (x, y), where every racer starts
    racers         : tuple of Racer (1 to MAX_RACERS, labels unique)
    schedule       : {"name": a key of SCHEDULES, **its hyperparameters} (first-order racers)
    clip           : bound on the gradient norm, 0.0 = off (first-order racers)
    steps          : steps each racer takes (1 to MAX_STEPS)
    """
    surface: str = "rosenbrock"
    surface_params: dict = field(default_factory=dict)
    noise_std: float = 0.0
    seed: int = 0
    start: tuple = (-1.2, 1.0)
    racers: tuple = ()
    schedule: dict = field(default_factory=lambda: {"name": "constant"})
    clip: float = 0.0
    steps: int = 300

    @staticmethod
    def default(surface: str = "rosenbrock", racers=DEFAULT_RACERS, **changes) -> "LabSetup":
        """A lab on ``surface`` at its start point, the ``racers`` at their suggested rates."""
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {quoted(surface)}; choose one of {list(SURFACES)}")
        made = tuple(Racer.make(r, surface=surface) for r in racers)
        return LabSetup(**{"surface": surface, "start": SURFACES[surface].start, "racers": made,
                           **changes})

    def __post_init__(self):
        if not isinstance(self.surface, str) or self.surface not in SURFACES:
            raise ValueError(f"surface: unknown surface {quoted(self.surface)}; "
                             f"choose one of {list(SURFACES)}")
        if not isinstance(self.surface_params, dict) or \
                not all(isinstance(k, str) for k in self.surface_params):
            raise ValueError(f"surface_params must be a dict, got {quoted(self.surface_params)}")
        for name, value in self.surface_params.items():
            if not is_number(value):
                raise ValueError(f"surface_params: {name} must be a number, got {quoted(value)}")
        if not is_number(self.noise_std):
            raise ValueError(f"noise_std must be a number, got {quoted(self.noise_std)}")
        if not is_whole_number(self.seed):
            raise ValueError(f"seed must be a whole number, got {quoted(self.seed)}")
        surface = make_surface(self.surface, noise_std=self.noise_std, seed=self.seed,
                               **self.surface_params)       # checks params, noise and seed
        object.__setattr__(self, "surface_params", dict(surface.params))
        object.__setattr__(self, "noise_std", float(self.noise_std))
        start = self.start
        if not isinstance(start, (tuple, list)) or len(start) != 2 \
                or not all(is_number(v) for v in start) or max(abs(v) for v in start) > 1e6:
            raise ValueError(f"start must be two numbers within +-1e6, got {quoted(start)}")
        object.__setattr__(self, "start", (float(start[0]), float(start[1])))
        racers = self.racers
        if not isinstance(racers, (tuple, list)) or not 1 <= len(racers) <= MAX_RACERS \
                or not all(isinstance(r, Racer) for r in racers):
            raise ValueError(f"racers must be 1 to {MAX_RACERS} racers, got {quoted(racers)}")
        labels = [r.label for r in racers]
        if len(set(labels)) != len(labels):
            twice = next(lab for lab in labels if labels.count(lab) > 1)
            raise ValueError(f"racers: two racers are called {quoted(twice)}")
        object.__setattr__(self, "racers", tuple(racers))
        if not isinstance(self.schedule, dict) or not isinstance(self.schedule.get("name"), str):
            raise ValueError(f"schedule must be a dict with a name, got {quoted(self.schedule)}")
        for name, value in self.schedule.items():
            if name != "name" and not is_number(value):
                raise ValueError(f"schedule: {name} must be a number, got {quoted(value)}")
        object.__setattr__(self, "schedule", schedule_from_config(self.schedule).get_config())
        if not is_number(self.clip) or not 0.0 <= self.clip <= 1e6:
            raise ValueError(f"clip must be a number in [0, 1e6] (0: off), got {quoted(self.clip)}")
        object.__setattr__(self, "clip", float(self.clip))
        if not is_whole_number(self.steps) or not 1 <= self.steps <= MAX_STEPS:
            raise ValueError(f"steps must be a whole number from 1 to {MAX_STEPS}, got "
                             f"{quoted(self.steps)}")

    def make_surface(self):
        """The engine Surface this setup races on."""
        return make_surface(self.surface, noise_std=self.noise_std, seed=self.seed,
                            **self.surface_params)

    def with_changes(self, **changes) -> "LabSetup":
        """A validated copy with ``changes`` (names of the fields)."""
        unknown = sorted(set(changes) - set(_SETUP_KEYS))
        if unknown:
            raise ValueError(f"unknown lab setting {quoted(unknown[0])}; known: {list(_SETUP_KEYS)}")
        return replace(self, **changes)

    # -- plain data -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Plain JSON-ready data; ``from_dict`` reads it back to an equal setup."""
        return {"surface": self.surface, "surface_params": dict(self.surface_params),
                "noise_std": self.noise_std, "seed": self.seed, "start": list(self.start),
                "racers": [r.to_dict() for r in self.racers], "schedule": dict(self.schedule),
                "clip": self.clip, "steps": self.steps}

    @staticmethod
    def from_dict(data) -> "LabSetup":
        """The setup ``to_dict`` wrote. Every field must be there, nothing else may be: a bad
        value raises ValueError naming it."""
        if not isinstance(data, dict):
            raise ValueError(f"a lab setup must be an object, got {quoted(data)}")
        missing = [k for k in _SETUP_KEYS if k not in data]
        extra = sorted((k for k in data if k not in _SETUP_KEYS), key=str)
        if missing:
            raise ValueError(f"the lab setup has no {quoted(missing[0])}")
        if extra:
            raise ValueError(f"unknown lab setting {quoted(extra[0])}; known: {list(_SETUP_KEYS)}")
        racers = data["racers"]
        if not isinstance(racers, list):
            raise ValueError(f"racers must be a list, got {quoted(racers)}")
        made = []
        for i, r in enumerate(racers):
            keys = ("optimizer", "label", "visible", "config")
            if not isinstance(r, dict) or sorted(r, key=str) != sorted(keys):
                raise ValueError(f"racer {i + 1} must be an object with exactly {list(keys)}")
            made.append(Racer(r["optimizer"], r["config"], r["label"], r["visible"]))
        start = data["start"]
        if not isinstance(start, list):
            raise ValueError(f"start must be a list of two numbers, got {quoted(start)}")
        return LabSetup(**{**data, "racers": tuple(made), "start": tuple(start)})
