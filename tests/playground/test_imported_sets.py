"""The user's own images in an experiment: a folder of class sub-folders or IDX files imported
as data set "imported:<fingerprint>", learned with its shape and classes, saved inside the
experiment file so it opens (and trains) where the original files are gone; bad images are
reported by name and skipped, corrupt files get a clear message."""
import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.idx import write_idx
from playground import catalog, files, image_data, image_pipeline
from playground.experiment import Experiment
from playground.fields import Layer
from picture_folders import write_folder
from playground.headless import HeadlessRun
from playground.image_folder import ImportReport, experiment_changes, import_folder, import_idx

MAIN = Path(__file__).resolve().parents[2] / "main.py"


@pytest.fixture
def folder(tmp_path):
    return write_folder(tmp_path / "bars")


def learn(report: ImportReport, **changes) -> dict:
    experiment = Experiment({"dataset": "digits", "steps_per_frame": 5, "batch_size": 8,
                             **changes})
    experiment.update(experiment_changes(experiment.values(), report.name))
    return experiment.values()


def test_a_folder_imports_with_its_bad_files_reported_by_name_and_skipped(folder):
    report = import_folder(folder, size=16)
    assert report.name.startswith("imported:") and report.title == "bars"
    assert report.data.image_shape == (1, 16, 16)
    assert report.data.class_names == ("bar", "column", "diagonal")
    assert report.data.class_counts().tolist() == [8, 8, 8]
    skipped = dict(report.skipped)
    assert set(skipped) == {"bar/broken.png", "column/notes.txt", "stray.png"}
    assert "not a readable PNG or JPEG" in skipped["bar/broken.png"]
    text = report.summary()
    assert text.startswith("Imported 24 images of 3 classes from bars (16x16, grey): bar 8, "
                           "column 8, diagonal 8.")
    assert "Skipped 3 files:" in text and "  bar/broken.png: not a readable" in text
    # the same images under the same title are the same data set
    assert import_folder(folder, size=16).name == report.name
    assert import_folder(folder, size=12).name != report.name


def test_the_network_takes_the_imported_shape_and_classes(folder):
    report = import_folder(folder, size=(12, 16), mode="rgb")
    assert catalog.is_image_dataset(report.name)
    assert catalog.image_input_shape(report.name) == (3, 12, 16)
    assert catalog.image_class_count(report.name) == 3
    assert report.name not in catalog.image_dataset_names()      # not a built-in set
    values = learn(report, layers=(Layer.conv(4, 3), Layer.pool(2), Layer.flatten()))
    assert values["n_points"] == 24 and values["n_classes"] == 3
    assert [l.kind for l in values["layers"]] == ["conv2d", "maxpool2d", "flatten"]
    spec = image_pipeline.network_spec(values)
    assert spec.input_shape == (3, 12, 16) and spec.n_outputs == 3
    assert image_pipeline.layer_rows(values)[1]["shape_text"] == "4x12x16"


def test_layers_that_do_not_fit_the_images_are_replaced_by_a_small_conv_net(folder):
    report = import_folder(folder, size=4)
    big = (Layer.conv(4, 5, padding="valid"), Layer.flatten())   # fits 8x8 digits, not 4x4
    values = learn(report, layers=big)
    assert values["dataset"] == report.name
    assert [l.kind for l in values["layers"]] == ["conv2d", "maxpool2d", "flatten"]
    assert image_pipeline.explain_layers(values) is None


def test_an_imported_experiment_trains_saves_and_reopens_without_the_folder(folder, tmp_path):
    report = import_folder(folder, size=16)
    run = HeadlessRun(files.Document(learn(report)), resolution=2)
    run.train(6)
    path = files.save(tmp_path / "bars.nnp", run.document())
    shutil.rmtree(folder)                                   # the original pictures are gone
    doc = files.load(path)
    assert doc.values["dataset"] == report.name and doc.step == 6
    again = HeadlessRun(doc, resolution=2)
    np.testing.assert_array_equal(again.data.images_train, run.data.images_train)
    np.testing.assert_array_equal(again.trainer.params, run.trainer.params)
    # a fresh process knows nothing of the import: the file alone must do
    out = subprocess.run([sys.executable, str(MAIN), "run", str(path), "--steps", "4", "--json",
                          "--out", str(tmp_path / "out")], capture_output=True, text=True,
                         timeout=600, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["steps"] == 10 and 0.0 <= result["test_accuracy"] <= 1.0
    assert files.load(tmp_path / "out" / "bars.nnp").values["dataset"] == report.name


def test_rgb_pixels_are_stored_as_they_were_read(tmp_path):
    report = import_folder(write_folder(tmp_path / "colour", colour=True), size=10, mode="rgb")
    section, arrays = image_data.imported_section(report.name)
    assert arrays["imported.images"].dtype == np.uint8
    assert arrays["imported.images"].shape == (24, 3, 10, 10)
    assert section["class_names"] == ["bar", "column", "diagonal"]
    doc = files.loads(files.dumps(files.Document(learn(report))))
    assert doc.values["dataset"] == report.name


def idx_pair(folder, n=30, shape=(10, 10), classes=3, seed=1):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    images = rng.integers(0, 256, (n, *shape)).astype(np.uint8)
    labels = (np.arange(n) % classes).astype(np.uint8)
    write_idx(folder / "my-images.idx3.gz", images)
    write_idx(folder / "my-labels.idx1", labels)
    return folder / "my-images.idx3.gz", folder / "my-labels.idx1", images, labels


def test_idx_files_the_user_has_import_as_a_data_set(tmp_path):
    images_path, labels_path, images, labels = idx_pair(tmp_path)
    report = import_idx(images_path, labels_path)
    assert report.title == "my-images" and report.data.image_shape == (1, 10, 10)
    assert report.data.class_names == ("0", "1", "2")
    np.testing.assert_array_equal(np.round(report.data.images[:, 0] * 255), images)
    np.testing.assert_array_equal(report.data.labels, labels)
    assert "Nothing was skipped." in report.summary()
    values = learn(report, layers=(Layer.conv(4, 3), Layer.pool(2), Layer.flatten()))
    run = HeadlessRun(files.Document(values), resolution=2)
    run.train(3)
    assert run.trainer.step_count == 3


@pytest.mark.parametrize("damage, words", [
    (lambda b: b[: len(b) // 2], "not a valid gzip file"),
    (lambda b: gzip.compress(gzip.decompress(b)[:-7], mtime=0), "truncated"),
    (lambda b: gzip.compress(b"\x01\x02" + gzip.decompress(b)[2:], mtime=0), "not an IDX file"),
])
def test_a_corrupt_idx_file_gets_a_clear_message_naming_it(tmp_path, damage, words):
    images_path, labels_path, _, _ = idx_pair(tmp_path)
    images_path.write_bytes(damage(images_path.read_bytes()))
    with pytest.raises(ValueError, match=words) as caught:
        import_idx(images_path, labels_path)
    assert "my-images.idx3.gz" in str(caught.value) and "\n" not in str(caught.value)


def test_idx_files_that_do_not_belong_together_are_refused(tmp_path):
    images_path, _, _, _ = idx_pair(tmp_path)
    write_idx(tmp_path / "few-labels.idx1", np.zeros(7, np.uint8))
    with pytest.raises(ValueError, match="holds 30 images but few-labels.idx1 7 labels"):
        import_idx(images_path, tmp_path / "few-labels.idx1")
    with pytest.raises(ValueError, match="at least 20 images"):
        import_idx(*idx_pair(tmp_path / "small", n=12)[:2])


def _tamper(path, member, change):
    """Rewrite one member of an experiment file (a ZIP) with ``change(bytes)``."""
    import io
    import zipfile
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    members[member] = change(members[member])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    path.write_bytes(out.getvalue())


def test_a_file_whose_imported_images_were_changed_is_refused(folder, tmp_path):
    report = import_folder(folder, size=8)
    path = files.save(tmp_path / "e.nnp", files.Document(learn(report)))

    def other_title(text):
        document = json.loads(text)
        document["imported"]["title"] = "someone else's"
        return json.dumps(document).encode()

    _tamper(path, "experiment.json", other_title)
    with pytest.raises(files.FileFormatError, match="not the ones named"):
        files.load(path)


def test_a_file_that_names_imported_images_it_does_not_hold_says_so(folder, tmp_path):
    report = import_folder(folder, size=8)
    path = files.save(tmp_path / "e.nnp", files.Document(learn(report)))

    def without_section(text):
        document = json.loads(text)
        del document["imported"]
        document["fields"]["dataset"] = "imported:0123456789abcdef"
        return json.dumps(document).encode()

    _tamper(path, "experiment.json", without_section)
    with pytest.raises(files.FileFormatError, match="imported:0123456789abcdef"):
        files.load(path)


def test_a_comparison_on_an_imported_set_trains_in_its_worker_processes(folder):
    """Worker processes are spawned: the imported images travel with each variant."""
    from playground import compare
    report = import_folder(folder, size=8)
    doc = files.Document(learn(report, layers=(Layer.conv(4, 3), Layer.pool(2),
                                               Layer.flatten())))
    comparison = compare.Comparison(doc, compare.variants(doc.values, {"seed": (1, 2)}),
                                    steps=6, workers=2)
    results = comparison.run()
    assert [r.status for r in results] == ["done", "done"], [r.message for r in results]
    alone = HeadlessRun(files.Document(Experiment({**doc.values, "seed": 2}).values()),
                        resolution=2)
    alone.train(6)
    assert results[1].outcome["train_loss"] == alone.outcome(6, 1.0, "steps").train_loss
