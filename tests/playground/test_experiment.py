"""The experiment model: the field table, validation, consistency rules and layer verbs."""
import pytest

from playground import catalog
from playground.experiment import Experiment, InvalidValue
from playground.fields import FIELDS, MAX_LAYERS, MAX_UNITS, Layer, defaults


def recorder(experiment):
    changed = []
    experiment.state_changed.connect(changed.append)
    return changed


def test_every_field_declares_type_default_and_range():
    names = [f.name for f in FIELDS]
    assert len(names) == len(set(names))
    e = Experiment()
    for f in FIELDS:
        assert isinstance(f.default, f.kind), f.name
        assert f.effect in ("live", "network", "data", "control", "view"), f.name
        assert f.doc, f.name
        if f.low is not None:
            assert f.low <= f.default <= f.high, f.name
        allowed = f.allowed()
        if f.kind is str and allowed is not None:
            assert f.default in allowed, f.name
        assert e.get(f.name) == f.default


def test_default_experiment_is_the_spiral_with_two_tanh_layers():
    e = Experiment()
    assert e.dataset == "spiral" and e.task == "binary"
    assert e.layers == (Layer(8, "tanh"), Layer(8, "tanh"))
    assert (e.output_activation, e.loss) == ("sigmoid", "bce")


def test_set_stores_and_signals_once():
    e = Experiment()
    changed = recorder(e)
    e.set("learning_rate", 0.1)
    e.set("learning_rate", 0.1)           # same value: no signal
    assert e.learning_rate == 0.1
    assert changed == ["learning_rate"]


@pytest.mark.parametrize("name, value", [
    ("learning_rate", 0.0), ("learning_rate", float("nan")), ("learning_rate", "fast"),
    ("noise", 0.9), ("n_points", 3.5), ("dataset", "nope"), ("features", ()),
    ("features", ("x1", "x1")), ("features", ("x9",)), ("optimizer", "magic"),
    ("batch_size", 10_000), ("normalize", 1), ("optimizer_params", {"beta1": 1.0}),
    ("optimizer_params", {"nonsense": 1.0}), ("schedule_params", {"k": 5.0}),
])
def test_bad_values_are_refused_by_name_and_nothing_changes(name, value):
    e = Experiment()
    before = e.values()
    changed = recorder(e)
    with pytest.raises(InvalidValue) as error:
        e.set(name, value)
    assert error.value.field == name
    assert str(error.value)
    assert e.values() == before
    assert changed == []


def test_unknown_field_is_refused():
    with pytest.raises(InvalidValue):
        Experiment().set("colour", "red")
    with pytest.raises(InvalidValue):
        Experiment({"colour": "red"})


def test_new_task_picks_a_fitting_output_and_loss():
    e = Experiment()
    changed = recorder(e)
    e.set("dataset", "blobs_k")
    assert (e.output_activation, e.loss) == ("softmax", "softmax_ce")
    assert {"dataset", "output_activation", "loss"} <= set(changed)
    e.set("dataset", "reg_plane")
    assert (e.output_activation, e.loss) == ("linear", "mse")


def test_incompatible_head_is_explained_not_accepted():
    e = Experiment()
    with pytest.raises(InvalidValue) as error:
        e.set("output_activation", "linear")      # linear output with cross-entropy
    assert "sigmoid" in str(error.value).lower()
    assert e.output_activation == "sigmoid"
    e.set("loss", "mse")
    e.set("output_activation", "linear")          # fine with the squared error
    assert (e.output_activation, e.loss) == ("linear", "mse")
    assert e.explain_head("softmax", "softmax_ce")


def test_smaller_training_set_shrinks_the_batch():
    e = Experiment({"batch_size": 100})
    e.set("n_points", 50)
    assert e.batch_size == e.n_train == 25


def test_changing_optimizer_resets_its_hyperparameters():
    e = Experiment({"optimizer": "adam", "optimizer_params": {"beta1": 0.8}})
    e.set("optimizer", "momentum")
    assert e.optimizer_params == {}
    e.set("optimizer_params", {"momentum": 0.5})
    assert e.optimizer_params == {"momentum": 0.5}


def test_layer_verbs():
    e = Experiment()
    e.add_layer()
    assert len(e.layers) == 3 and e.layers[-1] == Layer(8, "tanh")
    e.add_neuron(0)
    e.remove_neuron(1)
    assert [l.units for l in e.layers] == [9, 7, 8]
    e.set_layer(2, activation="relu", init="he_normal", dropout=0.2)
    assert e.layers[2] == Layer(8, "relu", "he_normal", 0.2)
    e.remove_layer()
    assert len(e.layers) == 2
    with pytest.raises(InvalidValue):
        e.set_layer(0, units=MAX_UNITS + 1)
    with pytest.raises(InvalidValue):
        e.set_layer(0, activation="nope")
    with pytest.raises(InvalidValue):
        e.set_layer(0, dropout=0.95)
    e.set("layers", tuple(Layer(1) for _ in range(MAX_LAYERS)))
    with pytest.raises(InvalidValue):
        e.add_layer()
    e.set("layers", ())
    with pytest.raises(InvalidValue):
        e.remove_layer()


def test_layers_accept_plain_mappings_as_in_a_file():
    e = Experiment({"layers": [{"units": 4, "activation": "relu"}]})
    assert e.layers == (Layer(4, "relu"),)
    with pytest.raises(InvalidValue):
        e.set("layers", [{"units": 4, "colour": "red"}])


def test_update_is_all_or_nothing():
    e = Experiment()
    with pytest.raises(InvalidValue):
        e.update({"learning_rate": 0.5, "noise": 7.0})
    assert e.learning_rate == defaults()["learning_rate"]
    e.update({"learning_rate": 0.5, "noise": 0.2})
    assert (e.learning_rate, e.noise) == (0.5, 0.2)


def test_choices_come_from_the_engine_registries():
    assert "spiral" in catalog.dataset_names()
    assert "adam" in catalog.optimizer_names()
    assert [h.name for h in catalog.optimizer_hyperparams("adam")][:2] == ["beta1", "beta2"]
    assert catalog.schedule_hyperparams("constant") == ()
