"""The optimizer lab's model: a race of several optimizers on one 2-D loss surface (Qt-free).

``Lab`` holds a setup (``playground.lab_setup.LabSetup``: the surface, the start point, the
racers...), its paths (``playground.lab_race.run_lab``: whole paths, ahead of any drawing) and
the step the views show, and tells its listeners what changed. What the views draw from them is
in ``playground.lab_charts``; lab files (``save_lab`` / ``load_lab``) in ``playground.lab_file``.
Their public names stay importable from here, the lab's one front door for the views.

    lab = Lab(LabSetup.default("rosenbrock"))
    lab.paths[0].xy          # (steps + 1, 2), the first racer's points
    lab.step(); lab.shown    # 1: the views draw the points up to step 1
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from engine.surfaces import SURFACES
from playground.checks import is_whole_number, quoted
from playground.lab_charts import (
    LEAST_GAP, ContourMap, chart_range, contour_map, grid_values, log_levels, loss_curve,
    loss_gap)
from playground.lab_file import (
    LAB_FORMAT, LAB_SUFFIX, LAB_VERSION, lab_from_json, lab_to_json, load_lab, save_lab)
from playground.lab_race import Inspection, inspect, race_one, run_lab
from playground.lab_setup import (
    DEFAULT_RACERS, MAX_LABEL, MAX_RACERS, MAX_STEPS, RACER_KEYS, RACER_LABELS, SCHEDULE_KEYS,
    SUGGESTED_LR, SURFACE_KEYS, LabSetup, Racer, is_second_order, racer_hypers, schedule_hypers,
    suggested_config, surface_info)

#: The lab's public names, importable from here whichever module holds them.
__all__ = ["Lab",
           "LEAST_GAP", "ContourMap", "chart_range", "contour_map", "grid_values", "log_levels",
           "loss_curve", "loss_gap",
           "LAB_FORMAT", "LAB_SUFFIX", "LAB_VERSION", "lab_from_json", "lab_to_json", "load_lab",
           "save_lab",
           "Inspection", "inspect", "race_one", "run_lab",
           "DEFAULT_RACERS", "MAX_LABEL", "MAX_RACERS", "MAX_STEPS", "RACER_KEYS", "RACER_LABELS",
           "SCHEDULE_KEYS", "SUGGESTED_LR", "SURFACE_KEYS", "LabSetup", "Racer", "is_second_order",
           "racer_hypers", "schedule_hypers", "suggested_config", "surface_info"]


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
