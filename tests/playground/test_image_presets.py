"""The image presets (conv nets on the digits and the shapes): shipped files, accuracy within a
stated number of epochs (each preset's stop_at_epoch), the same numbers for the same seed, and
``python main.py run NAME --json``."""
import json

import numpy as np
import pytest

from playground import cli, files, presets
from playground.headless import HeadlessRun, run_to_folder

#: preset -> (least test accuracy, epochs it is allowed: the preset's own stop_at_epoch)
TARGETS = {"conv_digits": (0.93, 5), "lenet_digits": (0.97, 15), "lenet_shapes": (0.98, 6)}


def test_the_image_presets_are_declared_and_kept_out_of_the_windows_examples():
    # (the examples on downloaded sets: tests/playground/test_download_presets.py; the transfer
    # example: tests/playground/test_transfer_plan.py)
    assert set(presets.image_names()) - set(presets.DOWNLOADED_PRESETS) - {"transfer_shapes"} \
        == set(TARGETS)
    assert not set(presets.image_names()) & set(presets.names())
    for name in TARGETS:
        doc = presets.load(name)
        assert doc.values == presets.document(presets.PRESETS_BY_NAME[name]).values
        assert doc.step == 0 and doc.values["stop_at_epoch"] == TARGETS[name][1]


def _outcome(name, tmp_path):
    doc, _, _ = presets.resolve(name)
    return run_to_folder(doc, tmp_path, name)          # trains until the file's stop epoch


def test_the_small_digits_net_learns_and_the_same_seed_gives_the_same_numbers(tmp_path):
    a = _outcome("conv_digits", tmp_path / "a").as_json()
    b = _outcome("conv_digits", tmp_path / "b").as_json()
    assert a["stopped"] == "stop_epoch" and a["epochs"] == TARGETS["conv_digits"][1]
    assert a["test_accuracy"] >= TARGETS["conv_digits"][0]
    for key in ("steps", "train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        assert a[key] == b[key], key
    pa, pb = (files.load(tmp_path / f / "conv_digits.nnp").trainer["params"] for f in "ab")
    np.testing.assert_array_equal(pa, pb)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lenet_digits", "lenet_shapes"])
def test_lenet_reaches_its_test_accuracy_within_its_epochs(tmp_path, name):
    least, epochs = TARGETS[name]
    outcome = _outcome(name, tmp_path)
    assert outcome.stopped == "stop_epoch" and outcome.epochs == epochs and not outcome.diverged
    assert outcome.test_accuracy >= least, (name, outcome.test_accuracy)


def test_main_run_prints_the_test_accuracy_as_json(tmp_path, capsys):
    code = cli.main(["run", "conv_digits", "--steps", "20", "--json", "--out", str(tmp_path)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["steps"] == 20 and 0.0 <= out["test_accuracy"] <= 1.0
    assert "boundary" not in out["files"]
    reopened = HeadlessRun(files.load(tmp_path / "conv_digits.nnp"), resolution=2)
    assert reopened.trainer.step_count == 20
