"""Each live control of the window, used by keyboard while training runs, changes what the engine
trains with: after the change, the window's run continues bit-identically to an engine Trainer
built independently from the experiment's new values and loaded with the same state (the weights
and optimizer slots would differ if the change were lost anywhere between the control and the
compiled kernel)."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine import kernels as K
from playground import pipeline
from playground.fields import Layer
from playground.session import make_trainer
from playground.worker import Job

TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target
SMALL = {"n_points": 100, "layers": (Layer(5, "tanh"), Layer(4, "tanh")), "steps_per_frame": 10}


def type_into(qtbot, box, text: str) -> None:
    """Select a spin box's text, type ``text`` and press Enter, as a user does."""
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


def pick(qtbot, combo, key, times: int = 1) -> None:
    """Choose in a combo box by keyboard: press ``key`` (an arrow) ``times`` times."""
    combo.setFocus()
    for _ in range(times):
        qtbot.keyClick(combo, key)


def training(w):
    return w.optimizer_panel


CONTROLS = {
    "learning rate": ({}, lambda qtbot, w: type_into(qtbot, training(w).learning_rate, "0.2"),
                      {"learning_rate": 0.2}),
    "optimizer": ({}, lambda qtbot, w: pick(qtbot, training(w).optimizer, Qt.Key.Key_Up, 5),
                  {"optimizer": "momentum"}),             # Adam, up five: Momentum
    "optimizer setting": ({}, lambda qtbot, w: type_into(qtbot, training(w).hyper_boxes["beta1"],
                                                         "0.5"),
                          {"optimizer_params": {"beta1": 0.5}}),
    "second-order optimizer": ({}, lambda qtbot, w: pick(qtbot, training(w).optimizer,
                                                         Qt.Key.Key_Down),
                               {"optimizer": "newton"}),  # Adam, down one: Newton
    "batch size": ({}, lambda qtbot, w: qtbot.keyClick(w.data_panel.batch.slider,
                                                       Qt.Key.Key_Right),
                   {"batch_size": 16}),
    "L1": ({}, lambda qtbot, w: type_into(qtbot, training(w).l1, "0.01"), {"l1": 0.01}),
    "L2": ({}, lambda qtbot, w: type_into(qtbot, training(w).l2, "0.05"), {"l2": 0.05}),
    "schedule": ({"learning_rate": 0.1},
                 lambda qtbot, w: pick(qtbot, training(w).schedule, Qt.Key.Key_Down, 2),
                 {"schedule": "exponential"}),            # Constant, down two
    "schedule setting": ({"schedule": "exponential", "learning_rate": 0.1},
                         lambda qtbot, w: type_into(qtbot, training(w).schedule_boxes["k"],
                                                    "0.05"),
                         {"schedule_params": {"k": 0.05}}),
    "gradient clip": ({"learning_rate": 0.1},
                      lambda qtbot, w: type_into(qtbot, training(w).clip_norm, "0.01"),
                      {"clip_norm": 0.01}),
    "dropout": ({}, lambda qtbot, w: type_into(qtbot, w.network_view.layer_headers[0].dropout,
                                               "0.4"),
                {"layers": (Layer(5, "tanh", dropout=0.4), Layer(4, "tanh"))}),
}


def reference_trainer(values: dict, trainer_state: dict):
    """An engine Trainer made from ``values`` alone, continuing from ``trainer_state``."""
    data = pipeline.prepare(values)
    n_outputs = data.n_classes if data.task == "multiclass" else 1
    spec = pipeline.network_spec(values, len(data.features), n_outputs)
    trainer = make_trainer(Job(0, data, spec, pipeline.train_config(values), values["seed"]))
    trainer.load_state_dict(trainer_state)
    return trainer


def wait_step(qtbot, w, step: int):
    qtbot.waitUntil(lambda: w.session.latest is not None
                    and w.session.latest.generation == w.session.generation
                    and w.session.latest.step >= step, timeout=TIMEOUT)
    return w.session.latest


@pytest.mark.parametrize("control", list(CONTROLS))
def test_a_live_control_used_while_training_changes_what_the_engine_trains_with(
        qtbot, make_window, control):
    start, use, expected = CONTROLS[control]
    w = make_window(**dict(SMALL, **start))
    wait_step(qtbot, w, 0)
    qtbot.mouseClick(w.toolbar.play_button, Qt.MouseButton.LeftButton)
    step = wait_step(qtbot, w, 30).step
    generation = w.session.generation
    old_values = w.experiment.values()
    use(qtbot, w)                                         # while training runs
    new_values = w.experiment.values()
    for name, value in expected.items():
        got = new_values[name]
        assert (got == value if not isinstance(value, dict)
                else {k: got.get(k) for k in value} == value), (name, got)
    wait_step(qtbot, w, step + 30)
    assert w.session.running and w.session.generation == generation   # live: weights kept
    qtbot.mouseClick(w.toolbar.play_button, Qt.MouseButton.LeftButton)
    assert not w.session.running
    before = w.session.run_state()["trainer"]
    target = int(before["state"][K.STEP]) + 40
    qtbot.mouseClick(w.toolbar.step_button, Qt.MouseButton.LeftButton)   # one step...
    wait_step(qtbot, w, target - 39)
    w.session.step(39)                                                    # ...and 39 more
    wait_step(qtbot, w, target)
    after = w.session.run_state()["trainer"]
    reference = reference_trainer(new_values, before)
    for chunk in (1, 10, 10, 10, 9):                       # the worker's frames
        reference.run(chunk)
    np.testing.assert_array_equal(after["params"], reference.params)
    want = reference.state_dict()
    for key in ("slots", "state"):
        if key in want:
            np.testing.assert_array_equal(after[key], want[key], err_msg=key)
    try:                              # the old values would have trained differently
        stale = reference_trainer(old_values, before)
    except (KeyError, ValueError):    # (the old optimizer cannot even take the new one's state)
        return
    for chunk in (1, 10, 10, 10, 9):
        stale.run(chunk)
    assert not np.array_equal(after["params"], stale.params)
