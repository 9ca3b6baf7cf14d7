"""The optimizer lab's model: a race of several optimizers on one 2-D loss surface (Qt-free).

A ``LabSetup`` is everything a lab shows: the surface and its settings, the gradient noise, the
start point, the racers (optimizer + hyperparameters + label), the learning-rate schedule and
gradient clipping (first-order racers), and the number of steps. It is immutable, validated on
construction, and round-trips through ``to_dict`` / ``from_dict`` (strict: an unknown or bad
value is refused by name). ``run_lab(setup)`` races every racer through ``engine.race`` (whole
paths, ahead of any drawing); ``Lab`` holds a setup, its paths and the step the views show, and
tells its listeners what changed. Lab files are JSON (``save_lab`` / ``load_lab``), written
atomically through ``playground.disk``.

    lab = Lab(LabSetup.default("rosenbrock"))
    lab.paths[0].xy          # (steps + 1, 2), the first racer's points
    lab.step(); lab.shown    # 1: the views draw the points up to step 1
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from typing import Callable, NamedTuple

import numpy as np

from engine.hyper import Hyper
from engine.optimizers import OPTIMIZERS
from engine.race import RACERS, Path, race
from engine.schedules import SCHEDULES, schedule_from_config
from engine.second_order import SECOND_ORDER
from engine.surfaces import SURFACES, make_surface
from playground import disk
from playground.checks import FileFormatError, is_number, is_whole_number, one_line, quoted

LAB_FORMAT = "nn-playground-lab"
LAB_VERSION = 1
LAB_SUFFIX = ".nnlab"
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


# -------------------------------------------------------------------------------- races
def race_one(setup: LabSetup, index: int) -> Path:
    """The path of ``setup.racers[index]`` (engine.race with the setup's surface, start,
    steps and seed; the schedule and clipping for first-order racers)."""
    r = setup.racers[index]
    first = not is_second_order(r.optimizer)
    schedule = setup.schedule if first and setup.schedule["name"] != "constant" else None
    clip = setup.clip if first and setup.clip > 0.0 else None
    return race(setup.make_surface(), r.optimizer, dict(r.config), setup.start, setup.steps,
                seed=setup.seed, schedule=schedule, clip=clip)


def run_lab(setup: LabSetup) -> tuple:
    """Every racer's whole Path, in the order of ``setup.racers``."""
    return tuple(race_one(setup, i) for i in range(len(setup.racers)))


class Inspection(NamedTuple):
    """One racer at one step t (0-based) for the step-by-step view; vectors float64 (2,).

    point    : x_t          gradient : the gradient that step used (noisy, clipped)
    slots    : ((name, vector), ...) the optimizer's state after the step, as the engine
               keeps it (empty for second-order methods)
    moment   : the velocity (momentum, Nesterov) or first moment (Adam) in gradient units,
               pointing uphill like the gradient (the step goes against it); None: no moment.
               Nesterov keeps v' = rho v - lr g, a step: shown as -v / lr.
    cache    : the second-moment cache (AdaGrad's sum of g^2, RMSProp's and AdaDelta's mean
               g^2, Adam's v), per coordinate; None: none
    moment_name, cache_name : what the view calls them ("" when None)
    step     : x_{t+1} - x_t          lr : the rate that step used (NaN: second order)
    loss     : f(x_t)
    """
    t: int
    point: np.ndarray
    gradient: np.ndarray
    slots: tuple
    moment: np.ndarray | None
    moment_name: str
    cache: np.ndarray | None
    cache_name: str
    step: np.ndarray
    lr: float
    loss: float


_MOMENTS = {"velocity": "v", "first moment": "m"}
_CACHES = {"sum of squared gradients": "cache", "mean squared gradient": "cache",
           "second moment": "v"}


def inspect(path: Path, t: int, optimizer: str = "") -> Inspection:
    """What the racer of ``optimizer`` (a key of RACERS) whose race is ``path`` did at step t
    (clamped to the path's steps)."""
    n = len(path.grads)
    t = int(min(max(t, 0), max(n - 1, 0)))
    if n == 0:
        nan = np.full(2, np.nan)
        return Inspection(0, path.xy[0].copy(), nan, (), None, "", None, "", nan, math.nan,
                          float(path.losses[0]))
    slots = tuple((name, path.slots[t, i].copy()) for i, name in enumerate(path.slot_names))
    lr = float(path.lrs[t])
    moment, moment_name, cache, cache_name = None, "", None, ""
    for name, v in slots:
        if name in _MOMENTS and moment is None:
            moment_name = _MOMENTS[name]
            moment = v
            if optimizer == "nesterov":
                moment = -v / lr if lr > 0 else np.full(2, np.nan)
        elif name in _CACHES and cache is None:
            cache, cache_name = v, _CACHES[name]
    return Inspection(t, path.xy[t].copy(), path.grads[t].copy(), slots, moment, moment_name,
                      cache, cache_name, path.xy[t + 1] - path.xy[t], lr, float(path.losses[t]))


def grid_values(setup: LabSetup, box, n: int = 200):
    """(xs (n,), ys (n,), f (n, n) row-major: f[i, j] = f(xs[j], ys[i])) over ``box`` =
    (x_min, x_max, y_min, y_max), exact (no noise)."""
    x0, x1, y0, y1 = (float(v) for v in box)
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(over="ignore", invalid="ignore"):
        return xs, ys, setup.make_surface().values(X, Y)


def log_levels(f: np.ndarray, n: int = 14):
    """(floor, levels): contour levels spaced evenly in log(f - floor), floor just below the
    grid's least finite value, so a valley's floor gets as many lines as its walls."""
    finite = f[np.isfinite(f)]
    if finite.size == 0:
        return 0.0, np.array([])
    lo, hi = float(finite.min()), float(finite.max())
    span = max(hi - lo, 1e-12)
    floor = lo - 1e-4 * span
    return floor, floor + np.geomspace(1e-3 * span, span, n)


class ContourMap(NamedTuple):
    """What the contour plot draws over ``box``: xs (n,), ys (n,), f (n, n) row-major;
    shade (n, n), the value each pixel is coloured by (log(f - floor) for a surface with a
    minimum, f itself for one without, whose loss has no floor: the saddle); levels (k,),
    the contour levels of f (log-spaced, or evenly spaced without a minimum)."""
    xs: np.ndarray
    ys: np.ndarray
    f: np.ndarray
    shade: np.ndarray
    levels: np.ndarray


def contour_map(setup: LabSetup, box, n: int = 200, n_levels: int = 14) -> ContourMap:
    xs, ys, f = grid_values(setup, box, n)
    finite = np.isfinite(f)
    top = float(f[finite].max()) if finite.any() else 0.0
    f_clean = np.where(finite, f, top)
    if loss_gap(setup) is not None:
        floor, levels = log_levels(f_clean, n_levels)
        with np.errstate(divide="ignore", invalid="ignore"):
            shade = np.log(f_clean - floor)
    else:
        lo = float(f_clean.min())
        levels = np.linspace(lo, top, n_levels + 2)[1:-1]
        shade = f_clean
    return ContourMap(xs, ys, f, shade, levels)


def loss_gap(setup: LabSetup):
    """The least known minimum value f* of the surface (the loss chart plots f - f* on a log
    scale), or None for a surface without one (the saddle goes down for ever)."""
    values = setup.make_surface().minimum_values
    return float(min(values)) if values else None


#: The least gap to the minimum the loss chart shows (f - f* of exactly 0 has no logarithm).
LEAST_GAP = 1e-16


def loss_curve(setup: LabSetup, path: Path) -> np.ndarray:
    """What the loss chart plots against the step, float64 (steps + 1,): f - f*, at least
    LEAST_GAP, where the surface has a known minimum f* (log scale), else f itself."""
    gap = loss_gap(setup)
    if gap is None:
        return path.losses.copy()
    with np.errstate(invalid="ignore"):
        return np.maximum(path.losses - gap, LEAST_GAP)


def chart_range(setup: LabSetup, paths) -> tuple[float, float, bool]:
    """(low, high, log) for the loss chart: every racer's start fits; a race that blows up
    leaves through the top (at most 1000x the largest start, or 20 start-sizes below on a
    surface without a minimum) instead of squashing the others."""
    curves = [loss_curve(setup, p) for p in paths]
    finite = np.concatenate([c[np.isfinite(c)] for c in curves] + [np.zeros(0)])
    starts = np.array([c[0] for c in curves if np.isfinite(c[0])])
    if finite.size == 0 or starts.size == 0:
        return (LEAST_GAP, 1.0, True) if loss_gap(setup) is not None else (-1.0, 1.0, False)
    if loss_gap(setup) is not None:
        top = float(starts.max())
        high = min(float(finite.max()), 1e3 * top) * 2.0
        low = max(float(finite.min()), LEAST_GAP, high * 1e-10)
        return low, high, True
    size = float(np.abs(starts).max()) + 1.0
    high = min(float(finite.max()), float(starts.max()) + 20 * size)
    low = max(float(finite.min()), float(starts.min()) - 20 * size)
    return low, high + 0.05 * (high - low + 1e-12), False


# ----------------------------------------------------------------------------- the model
class Lab:
    """A setup, its paths (computed once per setup) and the step the views show.

    Verbs: ``set_setup`` (or the shorthands below), ``step(n)``, ``reset()``, ``show(t)``,
    ``play()`` / ``pause()`` (a driver, e.g. the window's timer, calls ``advance()`` while
    playing). Listeners ``subscribe(fn)`` get ``fn(what)``, what in {"setup", "frame",
    "running"}. Refused changes raise ValueError and keep the setup.
    """

    def __init__(self, setup: LabSetup | None = None):
        self.setup = setup or LabSetup.default()
        self.paths = run_lab(self.setup)
        self.shown = 0                 # steps revealed: points 0..shown are drawn
        self.running = False
        self.steps_per_frame = 1
        self._listeners: list[Callable] = []

    def subscribe(self, listener: Callable) -> None:
        self._listeners.append(listener)

    def _emit(self, what: str) -> None:
        for fn in list(self._listeners):
            fn(what)

    # -- setup ------------------------------------------------------------------------------
    def set_setup(self, setup: LabSetup, keep_step: bool = False) -> None:
        """Race ``setup`` (all paths ahead); the view goes back to step 0 unless keep_step."""
        if not isinstance(setup, LabSetup):
            raise ValueError(f"not a lab setup: {quoted(setup)}")
        self.paths = run_lab(setup)
        self.setup = setup
        self.shown = min(self.shown, setup.steps) if keep_step else 0
        self._emit("setup")

    def change(self, **changes) -> None:
        """Change fields of the setup (``LabSetup.with_changes``), keeping the step shown."""
        self.set_setup(self.setup.with_changes(**changes), keep_step=True)

    def set_surface(self, key: str) -> None:
        """Another surface: its own start point and parameters, every racer's learning rate
        the one suggested there (other settings kept)."""
        if key not in SURFACES:
            raise ValueError(f"unknown surface {quoted(key)}; choose one of {list(SURFACES)}")
        racers = tuple(replace(r, config={**r.config, **{
            k: v for k, v in suggested_config(r.optimizer, key).items() if k == "learning_rate"}})
            for r in self.setup.racers)
        self.set_setup(self.setup.with_changes(surface=key, surface_params={},
                                               start=SURFACES[key].start, racers=racers))

    def set_start(self, x: float, y: float) -> None:
        """Every racer starts from (x, y); the view goes back to step 0."""
        self.set_setup(self.setup.with_changes(start=(x, y)))

    def set_racer(self, index: int, **changes) -> None:
        """Change racer ``index``'s ``config`` entries (by name), ``label`` or ``visible``."""
        r = self.setup.racers[index]
        label = changes.pop("label", r.label)
        visible = changes.pop("visible", r.visible)
        racer = Racer(r.optimizer, {**r.config, **changes}, label, visible)
        racers = list(self.setup.racers)
        racers[index] = racer
        if set(changes) or racer.label != r.label:
            self.change(racers=tuple(racers))
        else:                                  # visibility only: the paths stay
            self.setup = self.setup.with_changes(racers=tuple(racers))
            self._emit("setup")

    def add_racer(self, optimizer: str) -> None:
        """Add a racer of ``optimizer`` at its suggested settings (label made unique)."""
        labels = {r.label for r in self.setup.racers}
        label, k = RACER_LABELS.get(optimizer, str(optimizer)), 2
        base = label
        while label in labels:
            label, k = f"{base} {k}", k + 1
        racer = Racer.make(optimizer, label=label, surface=self.setup.surface)
        self.change(racers=self.setup.racers + (racer,))

    def remove_racer(self, index: int) -> None:
        if len(self.setup.racers) <= 1:
            raise ValueError("the lab needs at least one racer")
        racers = self.setup.racers[:index] + self.setup.racers[index + 1:]
        self.change(racers=racers)

    # -- animation -------------------------------------------------------------------------
    def inspect(self, index: int) -> Inspection:
        """Racer ``index`` at the step shown (the step about to be taken from there)."""
        return inspect(self.paths[index], self.shown, self.setup.racers[index].optimizer)

    def show(self, t: int) -> None:
        t = int(min(max(t, 0), self.setup.steps))
        if t != self.shown:
            self.shown = t
            self._emit("frame")

    def step(self, n: int = 1) -> None:
        """Reveal n more steps (stops playing at the end)."""
        self.show(self.shown + n)
        if self.running and self.shown >= self.setup.steps:
            self.pause()

    def advance(self) -> None:
        """One frame of play: ``steps_per_frame`` more steps."""
        if self.running:
            self.step(self.steps_per_frame)

    def reset(self) -> None:
        """Back to step 0 (paused)."""
        self.pause()
        self.show(0)

    def play(self) -> None:
        if self.shown >= self.setup.steps:
            self.show(0)
        if not self.running:
            self.running = True
            self._emit("running")

    def pause(self) -> None:
        if self.running:
            self.running = False
            self._emit("running")

    def toggle_running(self) -> None:
        self.pause() if self.running else self.play()

    def set_speed(self, steps_per_frame: int) -> None:
        if not is_whole_number(steps_per_frame) or not 1 <= steps_per_frame <= 100:
            raise ValueError(f"speed must be 1 to 100 steps a frame, got {quoted(steps_per_frame)}")
        self.steps_per_frame = steps_per_frame


# ------------------------------------------------------------------------------ files
def lab_to_json(setup: LabSetup) -> bytes:
    return json.dumps({"format": LAB_FORMAT, "version": LAB_VERSION, "lab": setup.to_dict()},
                      indent=1).encode("utf-8")


def lab_from_json(data: bytes, path=None) -> LabSetup:
    """The setup in a lab file's bytes; FileFormatError (naming ``path``) says what is wrong."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise FileFormatError(f"is not a lab file (not JSON: {one_line(error, 120)}).",
                              path) from None
    if not isinstance(doc, dict) or doc.get("format") != LAB_FORMAT:
        raise FileFormatError("is not an optimizer-lab file.", path)
    if set(doc) != {"format", "version", "lab"}:
        raise FileFormatError("a lab file holds exactly 'format', 'version' and 'lab'.", path)
    version = doc["version"]
    if not is_whole_number(version) or not 1 <= version <= LAB_VERSION:
        raise FileFormatError(f"lab file version {quoted(version)} is not one this program "
                              f"reads (1 to {LAB_VERSION}).", path)
    try:
        return LabSetup.from_dict(doc["lab"])
    except (ValueError, TypeError) as error:
        raise FileFormatError(one_line(error), path) from None


def save_lab(path, setup: LabSetup):
    """Write ``setup`` to ``path`` atomically (playground.disk)."""
    return disk.write_atomically(path, lab_to_json(setup))


def load_lab(path) -> LabSetup:
    """The setup in the lab file at ``path``; FileFormatError when it cannot be read."""
    return lab_from_json(disk.read_file(path), path)
