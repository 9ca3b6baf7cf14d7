"""playground.image_folder: class sub-folders of PNG/JPEG files the test draws with Pillow;
resizing and colour conversion against Pillow itself, bad files skipped by name, empty classes
and empty folders refused."""
import json

import numpy as np
import pytest
from PIL import Image

from playground.image_data import imported_from_config
from playground.image_folder import read_image_folder


def save(path, pixels, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(path, **kwargs)


def stripes(h, w, colour):
    out = np.zeros((h, w, 3), np.uint8)
    out[::2] = colour
    return out


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "pets"
    rng = np.random.default_rng(0)
    for name in ("cat", "dog"):
        for i in range(3):
            save(root / name / f"{i}.png", rng.integers(0, 256, (20, 30, 3)))
    save(root / "dog" / "big.jpg", stripes(40, 40, (200, 10, 10)), quality=95)
    return root


def test_classes_are_the_sorted_sub_folders_and_images_are_resized(folder):
    found = read_image_folder(folder, size=(12, 16), mode="grey")
    data = found.data
    assert data.class_names == ("cat", "dog") and data.source == "imported"
    assert data.images.shape == (7, 1, 12, 16) and data.images.dtype == np.float32
    assert data.labels.tolist() == [0, 0, 0, 1, 1, 1, 1]
    assert found.skipped == ()
    reference = Image.open(folder / "cat" / "1.png").convert("L").resize((16, 12),
                                                                          Image.Resampling.LANCZOS)
    assert np.allclose(data.images[1, 0] * 255, np.asarray(reference), atol=1e-3)


def test_rgb_keeps_three_channels_in_channels_first_order(folder):
    data = read_image_folder(folder, size=10, mode="rgb").data
    assert data.images.shape == (7, 3, 10, 10)
    red, green, blue = data.images[6].mean(axis=(1, 2))         # dog/big.jpg: red stripes
    assert red > 0.3 and green < 0.15 and blue < 0.15          # (JPEG blurs colour a little)
    grey = read_image_folder(folder, size=10, mode="grey").data
    expected = Image.open(folder / "dog" / "big.jpg").convert("L").resize((10, 10),
                                                                          Image.Resampling.LANCZOS)
    assert np.allclose(grey.images[6, 0] * 255, np.asarray(expected), atol=1e-3)


def test_bad_files_are_skipped_and_reported_by_name(folder):
    (folder / "cat" / "notes.txt").write_text("not an image")
    (folder / "cat" / "fake.png").write_bytes(b"just some bytes")
    (folder / "cat" / "half.png").write_bytes(b"\x89PNG\r\n\x1a\nnonsense")
    good = (folder / "dog" / "big.jpg").read_bytes()
    (folder / "dog" / "cut.jpg").write_bytes(good[: len(good) // 3])
    (folder / "readme.md").write_text("top-level file")
    (folder / "dog" / "more").mkdir()
    (folder / "cat" / ".DS_Store").write_bytes(b"\0")
    found = read_image_folder(folder, size=8)
    reasons = dict(found.skipped)
    assert set(reasons) == {"readme.md", "cat/notes.txt", "cat/fake.png", "cat/half.png",
                            "dog/cut.jpg", "dog/more"}
    assert reasons["readme.md"] == "not in a class folder"
    assert reasons["cat/notes.txt"] == "not a PNG or JPEG file"
    assert "not a readable PNG or JPEG" in reasons["cat/fake.png"]
    assert reasons["dog/cut.jpg"].startswith("broken image")
    assert reasons["cat/half.png"].startswith("broken image")
    assert "folder inside a class folder" in reasons["dog/more"]
    assert len(found.data) == 7                                  # the good ones all kept
    assert "cat/fake.png: " in found.skipped_text() and all("\n" not in r for r in reasons.values())


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.zeros((4, 8), np.uint8)
    pixels[:, :2] = 255                                          # white on the left
    exif = Image.Exif()
    exif[0x0112] = 6                                             # "rotate 90 clockwise to view"
    save(tmp_path / "set" / "a" / "x.jpg", pixels, exif=exif, quality=100)
    save(tmp_path / "set" / "b" / "y.png", pixels)
    data = read_image_folder(tmp_path / "set", size=(8, 4)).data
    upright = data.images[0, 0]
    assert upright[:2].mean() > 0.8 and upright[-2:].mean() < 0.2   # white came to the top


def test_an_empty_class_or_no_classes_is_an_error(tmp_path, folder):
    (folder / "bird").mkdir()
    (folder / "bird" / "x.txt").write_text("?")
    with pytest.raises(ValueError, match="class folder 'bird' has no usable image"):
        read_image_folder(folder)
    (tmp_path / "flat").mkdir()
    save(tmp_path / "flat" / "a.png", np.zeros((4, 4)))
    with pytest.raises(ValueError, match="no class folders"):
        read_image_folder(tmp_path / "flat")
    with pytest.raises(ValueError, match="not a folder"):
        read_image_folder(tmp_path / "missing")
    (tmp_path / "one" / "only").mkdir(parents=True)
    save(tmp_path / "one" / "only" / "a.png", np.zeros((4, 4)))
    save(tmp_path / "one" / "only" / "b.png", np.zeros((4, 4)))
    with pytest.raises(ValueError, match="at least 2 classes"):
        read_image_folder(tmp_path / "one")


@pytest.mark.parametrize("size, mode, words", [
    (2, "grey", "size must be a side or \\(height, width\\)"),
    ((8, 200), "grey", "size must be"),
    (True, "grey", "size must be"),
    (8, "cmyk", "mode must be one of"),
])
def test_bad_settings_are_refused(folder, size, mode, words):
    with pytest.raises(ValueError, match=words):
        read_image_folder(folder, size=size, mode=mode)


def test_an_imported_folder_reopens_from_its_arrays_without_the_folder(folder):
    data = read_image_folder(folder, size=8, mode="rgb").data
    config = json.loads(json.dumps(data.get_config()))
    images, labels = data.images.copy(), data.labels.copy()
    for path in sorted(folder.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    again = imported_from_config(config, images, labels)
    assert again.images.tobytes() == data.images.tobytes() and again.class_names == ("cat", "dog")
