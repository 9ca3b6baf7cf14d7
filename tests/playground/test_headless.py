"""Headless runs: the files they write, their numbers, stop conditions, divergence, presets."""
import io
import math

import numpy as np
import pytest

from playground import canvas, export, files, headless, presets
from playground.experiment import Experiment
from playground.fields import Layer
from playground.headless import HeadlessRun, run_to_folder


def document(**changes) -> files.Document:
    return files.Document(Experiment({"n_points": 80, "steps_per_frame": 10,
                                      **changes}).values())


def test_run_writes_the_experiment_history_and_pictures(tmp_path):
    outcome = run_to_folder(document(), tmp_path / "out", "lesson", steps=95)
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["boundary.png", "history.csv",
                                                     "lesson.nnp", "loss.png"]
    saved = files.load(out / "lesson.nnp")
    assert saved.step == outcome.steps == outcome.steps_run == 95
    history = export.read_history_csv(out / "history.csv")
    for name, column in saved.history.items():
        np.testing.assert_allclose(history[name], column, rtol=0, atol=0, equal_nan=True)
    assert list(history["step"]) == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95]
    assert canvas.read_png((out / "boundary.png").read_bytes()).shape[:2] == (496, 496)
    assert canvas.read_png((out / "loss.png").read_bytes()).shape[:2] == (420, 720)
    assert outcome.train_loss == pytest.approx(saved.history["train_loss"][-1])
    assert 0.0 <= outcome.test_accuracy <= 1.0 and not outcome.diverged


def test_outcome_json_has_the_documented_keys(tmp_path):
    result = run_to_folder(document(), tmp_path, "x", epochs=2).as_json()
    for key in ("steps", "epochs", "train_loss", "test_loss", "train_accuracy",
                "test_accuracy", "steps_per_second", "diverged"):
        assert key in result
    assert result["epochs"] == 2 and result["steps"] == 8     # 40 points, batches of 10
    assert result["steps_per_second"] > 0


def test_running_a_saved_result_again_continues_it(tmp_path):
    run_to_folder(document(), tmp_path / "a", "x", steps=40)
    first = files.load(tmp_path / "a" / "x.nnp")
    run_to_folder(first, tmp_path / "b", "x", steps=60)
    straight = run_to_folder(document(), tmp_path / "c", "x", steps=100)
    b, c = files.load(tmp_path / "b" / "x.nnp"), files.load(tmp_path / "c" / "x.nnp")
    assert straight.steps == 100
    np.testing.assert_array_equal(b.trainer["params"], c.trainer["params"])
    np.testing.assert_array_equal(b.history["test_loss"], c.history["test_loss"])


def test_a_new_seed_starts_again_from_fresh_weights(tmp_path):
    trained = HeadlessRun(document())
    trained.train(50)
    outcome = run_to_folder(trained.document(), tmp_path, "x", steps=20, seed=99)
    saved = files.load(tmp_path / "x.nnp")
    assert outcome.steps == 20 and saved.values["seed"] == 99
    fresh = HeadlessRun(files.Document(saved.values))
    np.testing.assert_array_equal(saved.trainer["initial_params"], fresh.trainer.params)


def test_without_a_length_it_trains_to_the_stop_epoch(tmp_path):
    outcome = run_to_folder(document(stop_at_epoch=7), tmp_path, "x")
    assert outcome.epochs == 7 and outcome.stopped == "stop_epoch"


def test_without_a_length_it_stops_at_the_test_loss_target(tmp_path):
    outcome = run_to_folder(document(dataset="gauss", layers=(), stop_at_test_loss=0.3,
                                     learning_rate=0.1), tmp_path, "x")
    assert outcome.stopped == "stop_loss" and outcome.test_loss <= 0.3


def test_without_anything_it_trains_the_default_epochs(tmp_path):
    outcome = run_to_folder(document(), tmp_path, "x")
    assert outcome.epochs == headless.DEFAULT_EPOCHS and outcome.stopped == "epochs"


def test_divergence_stops_the_run_and_keeps_the_settings(tmp_path):
    outcome = run_to_folder(document(dataset="reg_plane", layers=(), optimizer="sgd",
                                     learning_rate=10.0, output_activation="linear",
                                     loss="mse"), tmp_path, "x", steps=500)
    assert outcome.diverged and outcome.stopped == "diverged" and outcome.steps < 500
    assert outcome.as_json()["train_loss"] is None or math.isfinite(
        outcome.as_json()["train_loss"])
    saved = files.load(tmp_path / "x.nnp")
    assert saved.values["learning_rate"] == 10.0 and saved.trainer is None
    assert (tmp_path / "loss.png").exists() and (tmp_path / "boundary.png").exists()


def test_regression_reports_no_accuracy(tmp_path):
    outcome = run_to_folder(document(dataset="reg_gauss", output_activation="linear",
                                     loss="mse"), tmp_path, "x", steps=30)
    assert outcome.train_accuracy is None and outcome.test_accuracy is None


def test_steps_and_epochs_together_are_refused(tmp_path):
    with pytest.raises(ValueError, match="not both"):
        run_to_folder(document(), tmp_path, "x", steps=1, epochs=1)


def test_progress_bar_draws_only_on_a_terminal():
    class Tty:
        def __init__(self, tty):
            self.text, self.tty = "", tty

        def isatty(self):
            return self.tty

        def write(self, s):
            self.text += s

        def flush(self):
            pass

    for tty in (True, False):
        stream = Tty(tty)
        bar = headless.ProgressBar(100, stream)
        bar.update(50, 0.5)
        bar.close(0.25)
        assert ("50.0%" in stream.text and "loss 0.2500" in stream.text) == tty
        assert bool(stream.text) == tty


# ---- presets ------------------------------------------------------------------------------------
def test_at_least_one_preset_per_data_set_and_the_default():
    from engine.datasets import DATASETS
    covered = {p.changes.get("dataset", Experiment().dataset) for p in presets.PRESETS}
    assert covered >= set(DATASETS)
    assert "default" in presets.names()
    assert presets.PRESETS_BY_NAME["default"].changes == {}


@pytest.mark.parametrize("name", presets.names())
def test_each_shipped_preset_loads_matches_its_declaration_and_learns(name):
    preset = presets.PRESETS_BY_NAME[name]
    doc = presets.load(name)
    assert doc.values == presets.document(preset).values
    assert doc.meta["title"] == preset.title and doc.step == 0
    run = HeadlessRun(doc, resolution=2)
    first = run.history.last("train_loss")
    run.train_epochs(5 if name != "gauss" else 2)
    assert run.history.last("train_loss") < first and not run.diverged


def test_resolve_prefers_files_and_names_presets(tmp_path, monkeypatch):
    doc, name, path = presets.resolve("xor")
    assert name == "xor" and path is None and doc.values["dataset"] == "xor"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="examples: default"):
        presets.resolve("no-such-thing")
    (tmp_path / "xor").write_text("not an experiment")
    with pytest.raises(files.FileFormatError, match="not a ZIP"):
        presets.resolve("xor")


def test_rebuilding_the_presets_gives_the_same_experiments(tmp_path):
    for path in presets.build(tmp_path):
        rebuilt, shipped = files.load(path), files.load(presets.PRESETS_DIR / path.name)
        assert rebuilt.values == shipped.values
        if path.stem in presets.DOWNLOADED_PRESETS:      # settings only: no download needed
            assert rebuilt.trainer is shipped.trainer is None
            continue
        np.testing.assert_array_equal(rebuilt.trainer["params"], shipped.trainer["params"])


def test_layers_without_hidden_units_run():
    run = HeadlessRun(document(layers=()), resolution=2)
    run.train(5)
    assert run.trainer.step_count == 5


def test_pictures_for_each_task(tmp_path):
    for changes in ({}, {"dataset": "blobs_k", "n_classes": 4, "output_activation": "softmax",
                         "loss": "softmax_ce", "discretize": True},
                    {"dataset": "reg_plane", "output_activation": "linear", "loss": "mse",
                     "log_loss": True, "layers": (Layer(2),)}):
        run_to_folder(document(**changes), tmp_path, "x", steps=20)
        assert canvas.read_png((tmp_path / "boundary.png").read_bytes()).shape[1] > 100


def test_canvas_pictures_are_pngs_of_the_drawing():
    """What a canvas saves is a PNG any reader opens, with the pixels the drawing has: a red
    box on white, averaged down from the supersampled drawing."""
    from PIL import Image
    c = canvas.Canvas(11, 7, scale=3)
    c.rect(2, 1, 4, 3, "#FF0000")
    data = c.png()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.size == (11, 7)
        pixels = np.asarray(image.convert("RGB"))
    np.testing.assert_array_equal(pixels, c.image())
    assert (pixels[1:4, 2:6] == (255, 0, 0)).all()
    assert (pixels[5:, :] == 255).all() and (pixels[:, 7:] == 255).all()
    with pytest.raises(ValueError, match="not a PNG"):
        canvas.read_png(b"GIF89a" + bytes(20))
    with pytest.raises(ValueError, match="positive size"):
        canvas.Canvas(0, 4)

def test_a_float32_experiment_trains_in_float32_and_resumes_exactly(tmp_path):
    doc = document(precision="float32")
    run = HeadlessRun(doc)
    run.trainer.run(40)
    assert run.trainer.params.dtype == np.float32
    float64 = HeadlessRun(document())
    float64.trainer.run(40)
    assert float64.trainer.params.dtype == np.float64
    # the same network to float32 rounding, not the same numbers
    np.testing.assert_allclose(run.trainer.params, float64.trainer.params, rtol=0, atol=1e-3)
    assert not np.array_equal(run.trainer.params.astype(np.float64), float64.trainer.params)
    saved = run.document()
    files.save(tmp_path / "f32.nnp", saved)
    again = HeadlessRun(files.load(tmp_path / "f32.nnp"))
    assert again.document().values["precision"] == "float32"
    again.trainer.run(10)
    run.trainer.run(10)
    np.testing.assert_array_equal(again.trainer.params, run.trainer.params)
