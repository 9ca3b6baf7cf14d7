"""Small MNIST-like IDX sets written by the tests, and a download cache that holds them (never
the network): ``tiny_cache`` writes the four gzipped files where ``downloads.cache_folder()``
looks and points ``downloads.DOWNLOADS[name]`` at their checksums."""
import hashlib
from pathlib import Path

import numpy as np

from engine.idx import MNIST_FILES, write_idx
from playground import downloads


def write_mnist_set(folder, n_train=200, n_test=40, seed=0, classes=10) -> dict:
    """The four gzipped IDX files of a tiny MNIST-like set in ``folder``: each class's images
    are a bright square at its own place plus noise (so a network can learn them). Returns
    {file name: sha256}."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)

    def part(n):
        labels = (np.arange(n) % classes).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(labels):
            y, x = divmod(int(k), 4)
            images[i, 2 + 6 * y:7 + 6 * y, 2 + 6 * x:7 + 6 * x] = 255
        return images, labels

    (train_x, train_y), (test_x, test_y) = part(n_train), part(n_test)
    arrays = {"train_images": train_x, "train_labels": train_y, "test_images": test_x,
              "test_labels": test_y}
    hashes = {}
    for key, stem in MNIST_FILES.items():
        path = folder / f"{stem}.gz"
        write_idx(path, arrays[key])
        hashes[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def tiny_cache(monkeypatch, tmp_path, name="mnist", **sizes) -> Path:
    """An otherwise empty download cache under tmp_path holding a tiny set ``name``; returns
    its folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    folder = downloads.cache_folder() / name
    hashes = write_mnist_set(folder, **sizes)
    spec = downloads.DOWNLOADS[name]
    monkeypatch.setitem(downloads.DOWNLOADS, name, downloads.Download(
        name, spec.title, ("https://example.invalid/",), hashes, spec.class_names))
    return folder
