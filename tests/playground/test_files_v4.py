"""Format version 4: a layer's ``frozen`` and ``lr_scale``, the image data settings ``classes``
and ``per_class``, and ``augmentation``. A version 3 file opens with the defaults (everything
trains, all classes, all images, no augmentation); a bad value is reported by name."""
import numpy as np
import pytest

from playground import files, pipeline
from playground.experiment import Experiment, InvalidValue
from playground.fields import FIELDS_BY_NAME, Layer
from tests.playground.files_helpers import pack, trained_document, unpack

CONV = (Layer.conv(4), Layer.pool(), Layer.flatten(), Layer(16, "relu"))


def as_version_3(data: bytes) -> tuple[dict, dict]:
    """A saved file's document made as version 3 wrote it: no new settings, version 3."""
    document, arrays = unpack(data)
    for name in ("classes", "per_class", "augmentation"):
        del document["fields"][name]
    document["version"] = 3
    return document, arrays


def test_a_version_3_file_opens_with_the_defaults_and_its_weights():
    doc = trained_document(steps=20)
    old = pack(*as_version_3(files.dumps(doc)))
    opened = files.loads(old)
    assert (opened.values["classes"], opened.values["per_class"],
            opened.values["augmentation"]) == ((), 0, {})
    assert all(not l.frozen and l.lr_scale == 1.0 for l in opened.values["layers"])
    np.testing.assert_array_equal(opened.trainer["params"], doc.trainer["params"])
    assert files.VERSION >= 4 and files.MIGRATIONS[3] is not None


def test_the_migration_adds_the_new_settings_and_keeps_the_others():
    document = {"format": files.FORMAT, "version": 3,
                "fields": {"dataset": "digits", "per_class": 7}}
    migrated, _ = files.MIGRATIONS[3](document, {})       # the step from 3 to 4
    assert migrated["version"] == 4
    assert migrated["fields"] == {"dataset": "digits", "per_class": 7, "classes": [],
                                  "augmentation": {}}


def test_a_layer_that_trains_as_usual_is_stored_as_before():
    assert Layer(8, "tanh").settings() == {"units": 8, "activation": "tanh",
                                           "init": "glorot_uniform", "dropout": 0.0}
    assert Layer(8).with_(frozen=True, lr_scale=0.1).settings()["frozen"] is True
    assert Layer(8).with_(lr_scale=0.1).settings()["lr_scale"] == 0.1


def test_the_new_settings_round_trip_through_a_file():
    values = Experiment({"dataset": "digits", "classes": (5, 6, 7, 8, 9), "per_class": 20,
                         "layers": (CONV[0].with_(frozen=True),) + CONV[1:3]
                         + (CONV[3].with_(lr_scale=0.25),),
                         "augmentation": {"shift": True, "shift_pixels": 1}}).values()
    opened = files.loads(files.dumps(files.Document(values)))
    assert opened.values["classes"] == (5, 6, 7, 8, 9) and opened.values["per_class"] == 20
    assert opened.values["layers"][0].frozen and opened.values["layers"][3].lr_scale == 0.25
    assert opened.values["augmentation"] == {"shift": True, "shift_pixels": 1}
    assert opened.values["n_classes"] == 5


def test_a_file_may_state_the_default_training_settings():
    document, arrays = unpack(files.dumps(trained_document(steps=5)))
    document["fields"]["layers"][0].update(frozen=False, lr_scale=1)
    assert not files.loads(pack(document, arrays)).values["layers"][0].frozen


@pytest.mark.parametrize("change, field, words", [
    (lambda f: f["layers"][0].update(lr_scale=-1), "layers", "learning-rate factor"),
    (lambda f: f["layers"][0].update(frozen="yes"), "layers", "frozen"),
    (lambda f: f.update(classes=[1, 2]), "classes", "image data sets"),
    (lambda f: f.update(per_class=-3), "per_class", "per class"),
    (lambda f: f.update(dataset="digits", layers=[{"kind": "flatten"}], n_classes=10,
                        n_points=1797, classes=[1, 99]), "classes", "99"),
    (lambda f: f.update(augmentation={"shift": True, "shift_pixels": 40}), "augmentation",
     "shift_pixels"),
])
def test_a_bad_new_setting_is_reported_by_name(change, field, words):
    document, arrays = unpack(files.dumps(trained_document(steps=5)))
    change(document["fields"])
    with pytest.raises(files.FileFormatError) as caught:
        files.loads(pack(document, arrays))
    message = str(caught.value)
    assert repr(field) in message and words.lower() in message.lower()


# ---- the experiment's rules ---------------------------------------------------------------
def test_the_fields_are_declared_with_defaults_that_change_nothing():
    f = FIELDS_BY_NAME
    assert (f["classes"].default, f["classes"].effect) == ((), "data")
    assert (f["per_class"].default, f["per_class"].effect) == (0, "data")
    assert (f["augmentation"].default, f["augmentation"].effect) == ({}, "live")


@pytest.mark.parametrize("changes, field, words", [
    ({"layers": (Layer.pool().with_(frozen=True),)}, "layers", "no weights"),
    ({"layers": (Layer(8).with_(lr_scale=0.0),)}, "layers", "above 0"),
    ({"layers": (Layer(8).with_(lr_scale=0.5),), "optimizer": "lbfgs"}, "layers",
     "first-order"),
    ({"classes": (3,)}, "classes", "at least two"),
    ({"classes": (3, 3)}, "classes", "once"),
    ({"augmentation": {"turn": True}}, "augmentation", "unknown"),
])
def test_the_experiment_refuses_bad_values_with_a_reason(changes, field, words):
    with pytest.raises(InvalidValue) as caught:
        Experiment({"dataset": "digits", "layers": CONV, **changes})
    assert caught.value.field == field and words in str(caught.value)


def test_image_settings_on_points_are_refused_and_cleared_when_the_data_turns_to_points():
    with pytest.raises(InvalidValue) as caught:
        Experiment({"dataset": "spiral", "per_class": 5})
    assert caught.value.field == "per_class"
    e = Experiment({"dataset": "digits", "classes": (0, 1), "per_class": 5,
                    "augmentation": {"flip": True}})
    e.set("dataset", "spiral")
    assert (e.classes, e.per_class, e.augmentation) == ((), 0, {})


def test_classes_and_per_class_choose_the_images_and_the_output():
    values = Experiment({"dataset": "digits", "classes": (9, 5), "per_class": 3,
                         "layers": CONV}).values()
    data = pipeline.prepare(values)
    assert data.class_names == ("9", "5") and data.n_classes == 2
    assert np.bincount(data.labels_train.astype(int)).tolist() == [3, 3]
    full = pipeline.prepare({**values, "classes": (), "per_class": 0})
    test_nines = np.flatnonzero(full.labels_test == 9)
    # the test images of a chosen class are all there (none is cut by per_class)
    assert (data.labels_test == 0).sum() >= len(test_nines) - 1
    spec = pipeline.network_spec(values, data.n_inputs, 2)
    assert spec.n_outputs == 2
