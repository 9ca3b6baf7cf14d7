"""Running a lesson of ``playground.lesson_catalog`` headlessly, for the lesson-claim tests.

The document is built from the lesson's ``changes`` on top of the defaults, validated by
``Experiment`` (not by the lesson-file builder), so the claims test the lesson's settings alone.
"""
from __future__ import annotations

import numpy as np

from playground import files
from playground.experiment import Experiment
from playground.fields import defaults
from playground.headless import HeadlessRun
from playground.lesson_catalog import LESSONS

BY_NAME = {lesson.name: lesson for lesson in LESSONS}


def lesson(name: str):
    return BY_NAME[name]


def values(name: str, show_me: bool = False, **overrides) -> dict:
    """The lesson's experiment values (its show-me step applied when ``show_me``), with
    ``overrides`` applied last, each as one edit of the experiment (``Experiment.update``:
    validated, with its cascades, e.g. a new schedule drops the old one's settings)."""
    spec = lesson(name)
    state = defaults()
    state.update(spec.changes)
    experiment = Experiment(state)
    if show_me:
        experiment.update(spec.show_me)      # as the panel's Show me does: one edit
    if overrides:
        experiment.update(overrides)
    return experiment.values()


def run(name: str, steps: int = 0, show_me: bool = False, **overrides) -> HeadlessRun:
    """A HeadlessRun of the lesson, trained ``steps`` steps."""
    r = HeadlessRun(files.Document(values(name, show_me, **overrides)), resolution=2)
    if steps:
        r.train(steps)
    return r


def weights(r: HeadlessRun) -> list[np.ndarray]:
    """Every layer's weight matrix W (n_in, n_out), the output layer last (biases left out)."""
    return [W.copy() for W, _ in r.trainer.spec.views(r.trainer.params)]


def hidden_units(r: HeadlessRun) -> list[np.ndarray]:
    """Each hidden layer's activations (n_train, units) on the training inputs."""
    return r.trainer.hidden_activations(r.data.X_train)


def gradient(r: HeadlessRun) -> np.ndarray:
    """The full-batch gradient of the training objective at the current parameters."""
    return r.trainer.objective().value_and_grad(r.trainer.params)[1]


def layer_gradient_norms(r: HeadlessRun) -> list[float]:
    """‖∂L/∂W‖ of each layer, input side first (full batch, current parameters)."""
    g = gradient(r)
    return [float(np.linalg.norm(W)) for W, _ in r.trainer.spec.views(g)]


def column(r: HeadlessRun, name: str) -> np.ndarray:
    return np.asarray(r.history.as_dict()[name], dtype=float)
