"""Choosing another optimizer applies its recommended learning rate; a file keeps its own."""
import pytest

from engine.optimizers import OPTIMIZERS
from playground import catalog, files
from playground.experiment import Experiment


def test_switching_optimizer_takes_its_recommended_rate():
    e = Experiment()
    assert (e.optimizer, e.learning_rate) == ("adam", 0.01)
    seen = []
    e.state_changed.connect(seen.append)
    e.set("optimizer", "adadelta")
    assert e.learning_rate == 1.0 == OPTIMIZERS["adadelta"].recommended_lr
    assert "learning_rate" in seen
    e.set("optimizer", "sgd")
    assert e.learning_rate == OPTIMIZERS["sgd"].recommended_lr
    e.set("optimizer", "adam")
    assert e.learning_rate == 0.01


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_first_order_optimizer_declares_a_rate_the_experiment_accepts(name):
    rate = catalog.recommended_learning_rate(name)
    assert rate == OPTIMIZERS[name].recommended_lr
    e = Experiment({"optimizer": "adam" if name != "adam" else "sgd"})
    e.set("optimizer", name)
    assert e.learning_rate == rate


def test_a_rate_given_with_the_optimizer_wins():
    e = Experiment()
    e.update({"optimizer": "adadelta", "learning_rate": 0.5})
    assert e.learning_rate == 0.5


def test_choosing_the_same_optimizer_again_keeps_the_users_rate():
    e = Experiment()
    e.set("learning_rate", 0.003)
    e.set("optimizer", "adam")
    assert e.learning_rate == 0.003


def test_full_batch_methods_keep_the_rate_they_do_not_use():
    e = Experiment()
    e.set("learning_rate", 0.003)
    e.set("optimizer", "lbfgs")
    assert catalog.recommended_learning_rate("lbfgs") is None
    assert e.learning_rate == 0.003


def test_an_opened_file_keeps_its_own_learning_rate(tmp_path):
    saved = Experiment({"optimizer": "adadelta", "learning_rate": 0.25})
    path = files.save(tmp_path / "slow.nnp", files.Document(saved.values()))
    doc = files.load(path)
    assert Experiment(doc.values).learning_rate == 0.25
    open_one = Experiment()
    open_one.update(doc.values)             # how the window opens a file
    assert (open_one.optimizer, open_one.learning_rate) == ("adadelta", 0.25)


def test_a_refused_optimizer_changes_nothing():
    e = Experiment()
    with pytest.raises(ValueError):
        e.set("optimizer", "no_such_method")
    assert (e.optimizer, e.learning_rate) == ("adam", 0.01)


def test_loss_labels_are_distinct():
    labels = list(catalog.LOSS_LABELS.values())
    assert len(set(labels)) == len(labels)
    assert catalog.label("bce") != catalog.label("softmax_ce")
