"""The MNIST and Fashion-MNIST examples: listed, a one-line hint to download the set when the
cache lacks it, and they train when the cache holds it (tiny IDX files the test writes; never
the network). The accuracy claim (98.5% on MNIST) runs only where the real files are there."""
import json

import pytest

from idx_helpers import tiny_cache
from playground import cli, downloads, files, presets
from playground.experiment import Experiment
from playground.headless import run_to_folder

SETS = {"lenet_mnist": "mnist", "lenet_fashion": "fashion_mnist"}


@pytest.fixture
def empty_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))


def call(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_download_examples_are_listed_with_the_command_that_fetches_their_set(
        capsys, empty_cache):
    code, out, _ = call(capsys, "list")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    for name, dataset in SETS.items():
        assert lines[name].endswith(f"first: python main.py download {dataset}")
    assert "download" not in lines["lenet_digits"]
    code, out, _ = call(capsys, "list", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["lenet_mnist"]["download"] == "python main.py download mnist"
    assert rows["lenet_digits"]["download"] is None
    assert set(SETS) <= set(presets.DOWNLOADED_PRESETS)


@pytest.mark.parametrize("name", list(SETS))
def test_without_the_download_a_run_says_in_one_line_how_to_get_it(capsys, empty_cache,
                                                                   tmp_path, name):
    code, out, err = call(capsys, "run", name, "--steps", "1", "--out", str(tmp_path / "o"))
    assert code == cli.EXIT_BAD_INPUT and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert err.rstrip().endswith(f"download it first: python main.py download {SETS[name]}")
    assert not (tmp_path / "o" / f"{name}.nnp").exists()


def test_the_shipped_files_hold_settings_only_and_open_without_the_download(empty_cache):
    for name in SETS:
        doc = presets.load(name)
        assert doc.trainer is None and doc.values["dataset"] == SETS[name]
        assert doc.values == presets.document(presets.PRESETS_BY_NAME[name]).values
        assert doc.values["n_points"] == 60_000         # all the training images


@pytest.mark.parametrize("name", list(SETS))
def test_with_the_set_in_the_cache_the_example_trains(capsys, monkeypatch, tmp_path, name):
    tiny_cache(monkeypatch, tmp_path, SETS[name], n_train=200, n_test=20)
    code, out, _ = call(capsys, "list")
    assert "download" not in next(line for line in out.splitlines() if line.startswith(name))
    # the tiny set has 200 training images, not 60,000: the example on 150 of them
    experiment = Experiment(presets.load(name).values)
    experiment.update({"n_points": 150})
    path = files.save(tmp_path / f"{name}.nnp", files.Document(experiment.values()))
    code, out, err = call(capsys, "run", str(path), "--steps", "3", "--json",
                          "--out", str(tmp_path / "out"))
    assert code == 0, err
    result = json.loads(out)
    assert result["steps"] == 3 and 0.0 <= result["test_accuracy"] <= 1.0
    trained = files.load(tmp_path / "out" / f"{name}.nnp")
    assert trained.step == 3 and trained.values["layers"] == presets.load(name).values["layers"]


def test_a_tiny_set_smaller_than_the_example_asks_for_is_refused_in_one_line(
        capsys, monkeypatch, tmp_path):
    tiny_cache(monkeypatch, tmp_path, "mnist", n_train=100, n_test=10)
    code, _, err = call(capsys, "run", "lenet_mnist", "--steps", "1",
                        "--out", str(tmp_path / "o"))
    assert code == cli.EXIT_BAD_INPUT and err.count("\n") == 1
    assert "60000 is more than the 100 images" in err


@pytest.mark.slow
@pytest.mark.skipif(not downloads.is_downloaded("mnist"),
                    reason="MNIST is not in the download cache (python main.py download mnist)")
def test_lenet_reaches_98_5_percent_on_mnist(tmp_path):
    """Issue 9's claim, within the preset's two epochs (about two minutes on a quiet 2-core
    machine: the seconds are printed, not asserted)."""
    doc, _, _ = presets.resolve("lenet_mnist")
    outcome = run_to_folder(doc, tmp_path, "lenet_mnist")
    print(f"lenet_mnist: {outcome.test_accuracy:.4f} test accuracy after {outcome.epochs} "
          f"epochs in {outcome.seconds:.0f} s")
    assert outcome.stopped == "stop_epoch" and not outcome.diverged
    assert outcome.test_accuracy >= 0.985


def test_the_downloaded_sets_take_up_to_their_60000_training_images_and_no_more():
    from playground.experiment import InvalidValue
    for dataset in SETS.values():
        assert Experiment({"dataset": dataset, "n_points": 60_000}).values()["n_points"] == 60_000
        with pytest.raises(InvalidValue, match="between 20 and 60000"):
            Experiment({"dataset": dataset, "n_points": 60_001})
    with pytest.raises(InvalidValue, match="between 20 and 5000"):
        Experiment({"dataset": "shapes", "n_points": 6000})
