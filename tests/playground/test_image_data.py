"""playground.image_data: an image data set description (shapes or imported) and its split."""
import json

import numpy as np
import pytest

from engine.shapes import make_shapes
from engine.idx import MNIST_FILES, write_idx
from playground.image_data import (ImageData, digits_data, idx_folder_data, image_data_from_config,
                                   imported_data, imported_from_config, shapes_data)


def test_shapes_source_holds_what_make_shapes_draws():
    data = shapes_data(n=40, size=16, seed=3)
    X, y, names = make_shapes(40, size=16, noise=0.1, jitter=2.0, seed=3)
    assert data.modality == "images" and data.source == "shapes"
    assert data.images.tobytes() == X.tobytes() and np.array_equal(data.labels, y)
    assert data.class_names == names and data.image_shape == (1, 16, 16)
    assert len(data) == 40 and data.class_counts().tolist() == [5] * 8
    assert "shapes, 40 images 16x16, 8 classes" in repr(data)


def test_the_arrays_are_read_only():
    data = shapes_data(n=16)
    with pytest.raises(ValueError):
        data.images[0, 0, 0, 0] = 1
    with pytest.raises(ValueError):
        data.labels[0] = 1


def test_a_shapes_config_survives_json_and_rebuilds_the_same_bytes():
    data = shapes_data(n=24, size=20, noise=0.2, seed=9, classes=("circle", "cross", "square"))
    config = json.loads(json.dumps(data.get_config()))
    assert config["modality"] == "images" and config["source"] == "shapes" and config["seed"] == 9
    again = image_data_from_config(config)
    assert again.images.tobytes() == data.images.tobytes()
    assert again.class_names == ("circle", "cross", "square")


def test_another_seed_gives_other_images():
    assert shapes_data(n=16, seed=1).images.tobytes() != shapes_data(n=16, seed=2).images.tobytes()


def test_bad_configs_are_refused_by_name():
    with pytest.raises(ValueError, match="unknown shapes setting 'colour'"):
        shapes_data(colour="red")
    with pytest.raises(ValueError, match="size must be in"):
        shapes_data(size=40)
    with pytest.raises(ValueError, match="modality must be 'images'"):
        image_data_from_config({"modality": "points", "source": "shapes"})
    with pytest.raises(ValueError, match="only shapes, digits, mnist and fashion_mnist sets rebuild"):
        image_data_from_config({"modality": "images", "source": "imported"})
    with pytest.raises(ValueError, match="the digits set has no settings"):
        image_data_from_config({"modality": "images", "source": "digits", "seed": 1})


def test_imported_uint8_images_are_scaled_and_described():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (12, 28, 28)).astype(np.uint8)
    labels = np.arange(12) % 10
    data = imported_data(pixels, labels)
    assert data.source == "imported" and data.images.shape == (12, 1, 28, 28)
    assert data.images.dtype == np.float32
    assert np.allclose(data.images[:, 0] * 255, pixels, atol=1e-4)
    assert data.class_names == tuple(str(i) for i in range(10))
    config = data.get_config()
    assert config == {"modality": "images", "source": "imported", "n": 12,
                      "image_shape": [1, 28, 28], "class_names": [str(i) for i in range(10)]}


def test_imported_arrays_are_copied():
    images = np.zeros((4, 1, 8, 8), dtype=np.float32)
    data = imported_data(images, [0, 1, 0, 1], ("a", "b"))
    images[:] = 1
    assert data.images.max() == 0


@pytest.mark.parametrize("images, labels, names, words", [
    (np.zeros((4, 2, 8, 8)), [0, 1, 0, 1], ("a", "b"), "shape (n, 1, height, width)"),
    (np.full((4, 8, 8), 1.5), [0, 1, 0, 1], ("a", "b"), "must lie in [0, 1]"),
    (np.full((4, 8, 8), np.nan), [0, 1, 0, 1], ("a", "b"), "NaN or inf"),
    (np.zeros((4, 8, 8), dtype=np.int32), [0, 1, 0, 1], ("a", "b"), "uint8 or floating point"),
    (np.zeros((4, 8, 8)), [0, 1, 0], ("a", "b"), "labels must have shape (4,)"),
    (np.zeros((4, 8, 8)), [0, 1, 2, 1], ("a", "b"), "labels must lie in 0..1"),
    (np.zeros((4, 8, 8)), [0.0, 1.0, 0.0, 1.0], ("a", "b"), "labels must be integers"),
    (np.zeros((4, 8, 8)), [0, 0, 0, 0], ("a",), "at least 2 classes"),
    (np.zeros((1, 8, 8)), [0], ("a", "b"), "2 to 70000 images"),
])
def test_bad_imports_are_refused_with_one_line(images, labels, names, words):
    with pytest.raises(ValueError) as info:
        imported_data(images, labels, names)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_an_unknown_source_is_refused():
    with pytest.raises(ValueError, match="source must be one of"):
        ImageData(np.zeros((2, 1, 4, 4)), [0, 1], ("a", "b"), "camera")


def test_split_is_deterministic_stratified_and_a_partition():
    data = shapes_data(n=200, size=16, seed=4)
    train, test = data.split(0.8, seed=1)
    again_train, _ = data.split(0.8, seed=1)
    other_train, _ = data.split(0.8, seed=2)
    assert train.images.tobytes() == again_train.images.tobytes()
    assert train.images.tobytes() != other_train.images.tobytes()
    assert len(train) + len(test) == 200
    assert train.class_counts().tolist() == [20] * 8 and test.class_counts().tolist() == [5] * 8
    # a partition: every image lands on exactly one side
    rows = {img.tobytes() for img in data.images}
    sides = [img.tobytes() for img in train.images] + [img.tobytes() for img in test.images]
    assert len(set(sides)) == len(sides) == len(rows)
    assert train.source == "shapes" and train.settings == data.settings


def test_split_keeps_every_class_on_both_sides_of_a_small_set():
    data = shapes_data(n=16, seed=0)            # two images per class
    train, test = data.split(0.9, seed=0)
    assert (train.class_counts() == 1).all() and (test.class_counts() == 1).all()


@pytest.mark.parametrize("fraction, seed, words", [
    (0.95, 0, "train_fraction must be in [0.1, 0.9]"),
    (True, 0, "train_fraction must be in"),
    (0.5, -1, "seed must be a non-negative integer"),
])
def test_bad_split_arguments_are_refused(fraction, seed, words):
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
        shapes_data(n=16).split(fraction, seed)


def test_digits_are_sklearns_eight_by_eight_digits_scaled_to_unit_range():
    from sklearn.datasets import load_digits
    reference = load_digits()
    data = digits_data()
    assert data.source == "digits" and data.image_shape == (1, 8, 8) and len(data) == 1797
    assert data.images.dtype == np.float32 and data.images.min() == 0 and data.images.max() == 1
    assert np.allclose(data.images.reshape(1797, 64) * 16, reference.data, atol=1e-5)
    assert np.array_equal(data.labels, reference.target)
    assert data.class_names == tuple("0123456789")
    assert data.class_counts().min() >= 170


def test_digits_are_stored_by_name_and_split_by_seed():
    data = digits_data()
    config = json.loads(json.dumps(data.get_config()))
    assert config == {"modality": "images", "source": "digits"}
    again = image_data_from_config(config)
    assert again.images.tobytes() == data.images.tobytes()
    train, test = again.split(0.8, seed=5)
    train2, _ = data.split(0.8, seed=5)
    assert train.images.tobytes() == train2.images.tobytes()
    assert len(train) + len(test) == 1797
    assert np.all(np.abs(train.class_counts() - 0.8 * data.class_counts()) <= 1)


def test_rgb_images_are_kept_with_three_channels():
    pixels = np.random.default_rng(1).integers(0, 256, (6, 3, 5, 7)).astype(np.uint8)
    data = imported_data(pixels, [0, 1, 2, 0, 1, 2], ("r", "g", "b"))
    assert data.image_shape == (3, 5, 7)
    assert np.allclose(data.images * 255, pixels, atol=1e-4)


def test_an_imported_set_comes_back_from_its_description_and_arrays():
    pixels = np.random.default_rng(2).integers(0, 256, (6, 1, 4, 4)).astype(np.uint8)
    data = imported_data(pixels, [0, 1, 0, 1, 0, 1], ("cat", "dog"))
    config = json.loads(json.dumps(data.get_config()))
    again = imported_from_config(config, data.images, data.labels)
    assert again.images.tobytes() == data.images.tobytes() and again.class_names == ("cat", "dog")
    with pytest.raises(ValueError, match="the saved arrays hold 5 images"):
        imported_from_config(config, data.images[:5], data.labels[:5])
    with pytest.raises(ValueError, match="unknown imported-set setting 'colour'"):
        imported_from_config({**config, "colour": 1}, data.images, data.labels)


def test_idx_files_the_user_has_import_as_two_sets(tmp_path):
    rng = np.random.default_rng(3)
    arrays = {"train_images": rng.integers(0, 256, (20, 28, 28)).astype(np.uint8),
              "train_labels": (np.arange(20) % 10).astype(np.uint8),
              "test_images": rng.integers(0, 256, (10, 28, 28)).astype(np.uint8),
              "test_labels": (np.arange(10)[::-1] % 10).astype(np.uint8)}
    for key, stem in MNIST_FILES.items():
        write_idx(tmp_path / (stem + (".gz" if "images" in key else "")), arrays[key])
    train, test = idx_folder_data(tmp_path)
    assert train.source == test.source == "imported" and (len(train), len(test)) == (20, 10)
    assert np.allclose(test.images[:, 0] * 255, arrays["test_images"], atol=1e-4)
    assert np.array_equal(test.labels, arrays["test_labels"])
    assert train.class_names == tuple("0123456789")
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(ValueError, match="missing t10k-labels-idx1-ubyte"):
        idx_folder_data(tmp_path)
