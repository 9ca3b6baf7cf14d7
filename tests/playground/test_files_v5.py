"""Format version 5: the precision a run trains in (``precision``). A version 4 file opens in
float64, as it trained; a float32 experiment round-trips with its weights exactly; a bad value
is reported by name."""
import numpy as np
import pytest

from playground import files
from playground.experiment import Experiment
from tests.playground.files_helpers import pack, trained_document, unpack


def test_a_version_4_file_opens_in_float64_with_its_weights():
    doc = trained_document(steps=20)
    document, arrays = unpack(files.dumps(doc))
    del document["fields"]["precision"]
    document["version"] = 4
    opened = files.loads(pack(document, arrays))
    assert opened.values["precision"] == "float64"
    np.testing.assert_array_equal(opened.trainer["params"], doc.trainer["params"])
    assert files.VERSION == 5 and files.MIGRATIONS[4] is not None


def test_the_migration_adds_float64_and_keeps_the_others():
    document = {"format": files.FORMAT, "version": 4, "fields": {"optimizer": "sgd"}}
    migrated, _ = files.migrate(document, {})
    assert migrated == {"format": files.FORMAT, "version": 5,
                        "fields": {"optimizer": "sgd", "precision": "float64"}}


def test_a_float32_experiment_round_trips_through_a_file():
    values = Experiment({"precision": "float32"}).values()
    opened = files.loads(files.dumps(files.Document(values)))
    assert opened.values["precision"] == "float32"


def test_float32_weights_come_back_exactly():
    doc = trained_document(steps=5)
    doc.trainer["params"] = doc.trainer["params"].astype(np.float32)   # a float32 run's
    opened = files.loads(files.dumps(doc))
    assert np.array_equal(opened.trainer["params"].astype(np.float32), doc.trainer["params"])


@pytest.mark.parametrize("value", ["float16", 32, ""])
def test_a_bad_precision_is_reported_by_name(value):
    document, arrays = unpack(files.dumps(trained_document(steps=5)))
    document["fields"]["precision"] = value
    with pytest.raises(files.FileFormatError, match="precision"):
        files.loads(pack(document, arrays))
