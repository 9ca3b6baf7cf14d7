"""A run whose layer sat out Adam updates while frozen is saved with each parameter's own update
count, and resumes from its file exactly as if it had never stopped."""
import numpy as np
import pytest

from playground import files
from playground.container import FileFormatError
from playground.experiment import Experiment
from playground.fields import Layer
from playground.headless import HeadlessRun


def unfrozen_late():
    values = Experiment({"n_points": 80, "optimizer": "adam", "learning_rate": 0.01,
                         "layers": (Layer(6, "tanh"), Layer(4, "tanh"))}).values()
    run = HeadlessRun(files.Document(values))
    run.trainer.set_trainable([0], False)
    run.trainer.run(7)
    run.trainer.set_trainable([0], True)
    run.trainer.run(3)
    return run


def test_the_updates_a_frozen_layer_sat_out_survive_the_file(tmp_path):
    run = unfrozen_late()
    state = run.trainer.state_dict()
    assert "optimizer_step_offset" in state and state["optimizer_step_offset"].max() == 7
    path = files.save(tmp_path / "late.nnp", run.document())
    again = HeadlessRun(files.load(path))
    np.testing.assert_array_equal(again.trainer.state_dict()["optimizer_step_offset"],
                                  state["optimizer_step_offset"])
    run.trainer.run(20)
    again.trainer.run(20)
    np.testing.assert_array_equal(again.trainer.params, run.trainer.params)


def test_a_run_without_frozen_updates_saves_no_offsets(tmp_path):
    values = Experiment({"n_points": 80, "optimizer": "adam"}).values()
    run = HeadlessRun(files.Document(values))
    run.trainer.run(5)
    path = files.save(tmp_path / "plain.nnp", run.document())
    assert "optimizer_step_offset" not in files.load(path).trainer


def test_offsets_beyond_the_updates_are_refused_by_name(tmp_path):
    run = unfrozen_late()
    doc = run.document()
    doc.trainer["optimizer_step_offset"] = doc.trainer["optimizer_step_offset"] + 100
    data = files.dumps(doc)
    with pytest.raises(FileFormatError, match="optimizer_step_offset"):
        files.loads(data)
