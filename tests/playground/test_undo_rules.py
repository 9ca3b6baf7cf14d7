"""What one undo step is (playground.undo): one Experiment.update call, restored exactly; the
values of one slider drag merged into one step; nothing recorded while paused."""
from playground import catalog
from playground.experiment import Experiment
from playground.fields import Layer
from playground.undo import (EditRecorder, WeightEdit, diff, is_no_op, merged,
                             network_structure)


def recorded(experiment, change, drag=lambda: None):
    """The edits a recorder makes of ``change(experiment)``, one record per signal."""
    recorder = EditRecorder(experiment, drag)
    edits = []
    experiment.state_changed.connect(lambda name: edits.append(recorder.record()))
    change(experiment)
    return recorder, edits


def test_equal_states_are_no_edit():
    values = Experiment().values()
    assert diff(values, dict(values)) is None


def test_one_update_of_several_fields_is_one_edit_holding_every_field():
    e = Experiment()
    before = e.values()
    _, edits = recorded(e, lambda e: e.update({"noise": 0.2, "l2": 0.001, "batch_size": 5}))
    assert len(edits) == 3                      # one signal per changed field...
    steps = [x for x in edits if x is not None]
    assert len(steps) == 1                      # ...one step
    assert steps[0].fields == ("noise", "batch_size", "l2")      # in the table's order
    assert steps[0].before == before and steps[0].after == e.values()


def test_undo_restores_fields_the_experiment_adjusted_and_those_it_did_not():
    # Adam at 0.03 (typed), then SGD, whose usual rate is 0.03: the rate did not change, so it
    # is not among the changed fields; restoring the optimizer alone would give Adam its usual
    # 0.01. The whole state before comes back.
    e = Experiment({"optimizer": "adam", "learning_rate": 0.03,
                    "optimizer_params": {"beta1": 0.8}})
    assert catalog.recommended_learning_rate("sgd") == 0.03
    before = e.values()
    recorder, edits = recorded(e, lambda e: e.set("optimizer", "sgd"))
    edit = next(x for x in edits if x is not None)
    assert "learning_rate" not in edit.fields and "optimizer_params" in edit.fields
    recorder.apply(edit.before)
    assert e.values() == before
    recorder.apply(edit.after)
    assert e.optimizer == "sgd" and e.optimizer_params == {} and e.learning_rate == 0.03


def test_a_cascade_is_part_of_the_same_edit():
    e = Experiment({"n_points": 400, "batch_size": 200})
    before = e.values()
    recorder, edits = recorded(e, lambda e: e.set("n_points", 100))   # batch cut to 50
    edit = next(x for x in edits if x is not None)
    assert set(edit.fields) == {"n_points", "batch_size"} and e.batch_size == 50
    recorder.apply(edit.before)
    assert e.values() == before and e.batch_size == 200


def test_applying_a_step_records_nothing_and_recording_goes_on_from_there():
    e = Experiment()
    recorder, edits = recorded(e, lambda e: e.set("l1", 0.01))
    edit = edits[0]
    recorder.apply(edit.before)
    assert edits[1:] == [None]                  # the undo's own signal made no step
    e.set("l2", 0.5)
    assert edits[-1].fields == ("l2",) and edits[-1].before["l1"] == 0.0
    with recorder.paused():
        e.set("noise", 0.3)
    assert edits[-1] is None
    e.set("noise", 0.1)
    assert edits[-1].before["noise"] == 0.3     # from the state when the pause ended


def test_edits_of_one_drag_merge_into_one_step_from_first_before_to_last_after():
    e = Experiment()
    start = e.values()
    drag = {"key": 7}
    _, edits = recorded(e, lambda e: [e.set("noise", v) for v in (0.1, 0.2, 0.3)],
                        drag=lambda: drag["key"])
    first, second, third = edits
    step = merged(merged(first, second), third)
    assert step.before == start and step.after == e.values() and step.fields == ("noise",)
    assert step.text == "Noise 0 \u2192 0.3"
    back = merged(step, diff(step.after, start, drag=7))
    assert back is not None and is_no_op(back)


def test_edits_outside_one_drag_stay_separate_steps():
    a = Experiment().values()
    b = {**a, "noise": 0.1}
    c = {**b, "noise": 0.2}
    d = {**c, "l2": 0.1}
    assert merged(diff(a, b), diff(b, c)) is None                  # typed twice: two steps
    assert merged(diff(a, b, drag=1), diff(b, c, drag=2)) is None  # two drags
    assert merged(diff(a, b, drag=1), diff(b, c)) is None
    assert merged(diff(b, c, drag=1), diff(c, d, drag=1)) is None  # other fields


def test_steps_are_described_for_the_history():
    e = Experiment({"layers": (Layer(4), Layer(4))})
    v = e.values()
    three = {**v, "layers": v["layers"] + (Layer(4),)}
    assert diff(v, three).text == "Add hidden layer 3"
    assert diff(three, v).text == "Remove hidden layer 3"
    relu = {**v, "layers": (Layer(4, "relu"), Layer(4))}
    assert diff(v, relu).text == "Layer 1: activation ReLU"
    wider = {**v, "layers": (Layer(4), Layer(5))}
    assert diff(v, wider).text == "Layer 2: add a neuron"
    assert diff(v, {**v, "normalize": False}).text.endswith("on \u2192 off")
    assert diff(v, {**v, "seed": 2}).text == "New random weights"
    assert diff(v, {**v, "learning_rate": 0.3}).text == "Learning rate 0.01 \u2192 0.3"


def test_a_weight_edit_names_its_weight_and_network():
    edit = WeightEdit(1, 0, 2, 0.5, -1.25, network_structure(2, (8, 8), 1))
    assert edit.structure == (2, 8, 8, 1)
    assert edit.text == "Type weight 1\u21923 of layer 2: 0.5 \u2192 -1.25"
    assert WeightEdit(0, None, 3, 0.0, 1.0, ()).text.startswith("Type bias 4 of layer 1")
