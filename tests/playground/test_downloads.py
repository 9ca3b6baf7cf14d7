"""playground.downloads without the internet: small IDX files the test writes, served by a fake
pooch downloader (and once by an HTTP server on 127.0.0.1 to drive pooch's own downloader and
our progress callback); cache hits, checksum mismatches, cut and corrupt files, cancelling."""
import gzip
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from engine.idx import MNIST_FILES, write_idx
from playground import downloads
from playground.downloads import (DOWNLOADS, Download, DownloadCancelled, downloaded_data, fetch,
                                  fetch_files, is_downloaded)
from playground.image_data import image_data_from_config

NAMES = [f"{stem}.gz" for stem in MNIST_FILES.values()]


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_set(folder, n_train=12, n_test=6, seed=0):
    """The four gzipped IDX files of a tiny MNIST-like set; returns {name: sha256}."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28)).astype(np.uint8),
        "train_labels": (np.arange(n_train) % 10).astype(np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28)).astype(np.uint8),
        "test_labels": (np.arange(n_test) % 10).astype(np.uint8),
    }
    for key, stem in MNIST_FILES.items():
        write_idx(folder / f"{stem}.gz", arrays[key])
    return {name: sha256(folder / name) for name in NAMES}, arrays


class FakeServer:
    """A pooch downloader serving files from a local folder, counting what it is asked for."""

    def __init__(self, folder):
        self.folder, self.requests = Path(folder), []

    def __call__(self, url, output_file, pooch):
        self.requests.append(url)
        source = self.folder / url.rsplit("/", 1)[-1]
        if not source.exists():
            raise OSError(f"404 Not Found: {url}")
        shutil.copyfile(source, output_file)


@pytest.fixture
def served(tmp_path):
    hashes, arrays = write_set(tmp_path / "server")
    return hashes, arrays, FakeServer(tmp_path / "server")


def test_missing_files_are_fetched_checked_and_then_served_from_the_cache(tmp_path, served):
    hashes, _, server = served
    cache = tmp_path / "cache"
    fetch_files(hashes, ("https://example.invalid/mnist/",), cache, downloader=server)
    assert len(server.requests) == 4 and server.requests[0].startswith("https://example.invalid/")
    assert {p.name for p in cache.iterdir()} == set(NAMES)
    assert all(sha256(cache / n) == h for n, h in hashes.items())
    seen = []
    fetch_files(hashes, ("https://example.invalid/mnist/",), cache, progress=lambda *a: seen.append(a),
                downloader=server)
    assert len(server.requests) == 4                                 # cache hit: nothing fetched
    assert [s[0] for s in seen] == NAMES and all(s[1] == s[2] > 0 for s in seen)


def test_a_wrong_file_in_the_cache_is_fetched_again(tmp_path, served):
    hashes, _, server = served
    cache = tmp_path / "cache"
    fetch_files(hashes, ("https://a/",), cache, downloader=server)
    (cache / NAMES[1]).write_bytes(b"tampered")
    fetch_files(hashes, ("https://a/",), cache, downloader=server)
    assert server.requests[4:] == ["https://a/" + NAMES[1]]
    assert sha256(cache / NAMES[1]) == hashes[NAMES[1]]


def test_a_download_with_the_wrong_checksum_is_refused_and_not_kept(tmp_path, served):
    hashes, _, server = served
    wrong = dict(hashes, **{NAMES[0]: "0" * 64})
    cache = tmp_path / "cache"
    with pytest.raises(ValueError) as info:
        fetch_files(wrong, ("https://a/", "https://b/"), cache, downloader=server)
    message = str(info.value)
    assert message.startswith(f"{NAMES[0]}: download failed") and "\n" not in message
    assert "https://a/" in message and "https://b/" in message and "wrong checksum" in message
    assert not (cache / NAMES[0]).exists() and list(cache.iterdir()) == []


def test_the_next_mirror_is_tried_when_one_fails(tmp_path, served):
    hashes, _, server = served

    def flaky(url, output_file, pooch):
        if url.startswith("https://down/"):
            raise OSError("Connection refused")
        server(url, output_file, pooch)

    fetch_files(hashes, ("https://down/", "https://up/"), tmp_path / "cache", downloader=flaky)
    assert is_all(tmp_path / "cache", hashes)


def is_all(folder, hashes):
    return all(sha256(folder / n) == h for n, h in hashes.items())


def test_no_working_mirror_is_one_line_naming_the_file(tmp_path, served):
    hashes, _, _ = served

    def offline(url, output_file, pooch):
        raise OSError("Name or service not known")

    with pytest.raises(ValueError, match=f"^{NAMES[0]}: download failed: https://x/{NAMES[0]}: "
                                         f"OSError: Name or service not known$"):
        fetch_files(hashes, ("https://x/",), tmp_path / "cache", downloader=offline)


def test_the_registry_checks_the_published_checksums(tmp_path, served):
    _, _, server = served                 # our tiny files cannot have MNIST's checksums
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: download failed.*wrong checksum"):
        fetch("mnist", tmp_path / "cache", downloader=server)
    assert not is_downloaded("mnist", tmp_path / "cache")
    for spec in DOWNLOADS.values():
        assert list(spec.sha256) == NAMES and len(spec.class_names) == 10
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in spec.sha256.values())
    with pytest.raises(ValueError, match="unknown download 'cifar'"):
        fetch("cifar", tmp_path)


def test_the_cache_folder_is_a_per_user_cache_directory():
    folder = downloads.cache_folder()
    assert folder.is_absolute() and folder.name == "datasets" and "nn-playground" in folder.parts


@pytest.fixture
def tiny_mnist(monkeypatch, served):
    """DOWNLOADS["mnist"] pointing at the tiny set (its checksums, a fake mirror)."""
    hashes, arrays, server = served
    monkeypatch.setitem(DOWNLOADS, "mnist", Download("mnist", "MNIST", ("https://m/",), hashes,
                                                     tuple("0123456789")))
    return arrays, server


def test_a_part_loads_as_image_data_described_by_name_part_and_limit(tmp_path, tiny_mnist):
    arrays, server = tiny_mnist
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="MNIST is not downloaded .*download it first"):
        downloaded_data("mnist", "train", folder=cache)
    train = downloaded_data("mnist", "train", folder=cache, download=True, downloader=server)
    assert train.source == "mnist" and train.image_shape == (1, 28, 28) and len(train) == 12
    assert np.allclose(train.images[:, 0] * 255, arrays["train_images"], atol=1e-4)
    assert np.array_equal(train.labels, arrays["train_labels"])
    test = downloaded_data("mnist", "test", limit=4, folder=cache)
    assert len(test) == 4 and np.array_equal(test.labels, arrays["test_labels"][:4])
    config = test.get_config()
    assert config == {"modality": "images", "source": "mnist", "part": "test", "limit": 4}
    again = image_data_from_config(config, cache=cache)
    assert again.images.tobytes() == test.images.tobytes()


def test_an_altered_cached_file_is_named_when_opening_without_download(tmp_path, tiny_mnist):
    _, server = tiny_mnist
    cache = tmp_path / "cache"
    downloaded_data("mnist", folder=cache, download=True, downloader=server)
    (cache / NAMES[2]).write_bytes(gzip.compress(b"\0\0\x08\x01\0\0\0\x09"))
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz: not the published file"):
        image_data_from_config({"modality": "images", "source": "mnist", "part": "test",
                                "limit": None}, cache=cache)


@pytest.mark.parametrize("damage, words", [
    (lambda b: b[: len(b) // 2], "not a valid gzip file"),
    (lambda b: gzip.compress(gzip.decompress(b)[:-5], mtime=0), "truncated"),
    (lambda b: gzip.compress(b"\x12\x34" + gzip.decompress(b)[2:], mtime=0), "not an IDX file"),
])
def test_a_truncated_or_corrupt_download_with_matching_checksum_gets_a_clear_message(
        tmp_path, monkeypatch, damage, words):
    """A mirror whose published checksum is of a bad file: the IDX reader still refuses it."""
    server_dir = tmp_path / "server"
    hashes, _ = write_set(server_dir)
    bad = server_dir / NAMES[0]
    bad.write_bytes(damage(bad.read_bytes()))
    hashes[NAMES[0]] = sha256(bad)
    monkeypatch.setitem(DOWNLOADS, "mnist", Download("mnist", "MNIST", ("https://m/",), hashes,
                                                     tuple("0123456789")))
    with pytest.raises(ValueError, match=words) as info:
        downloaded_data("mnist", folder=tmp_path / "cache", download=True,
                        downloader=FakeServer(server_dir))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("kwargs, words", [
    ({"part": "validation"}, "part must be one of"),
    ({"limit": 1}, "limit must be None or an integer of at least 2"),
    ({"limit": 100}, "limit 100 is more than the 12 images"),
])
def test_bad_part_or_limit_is_refused(tmp_path, tiny_mnist, kwargs, words):
    _, server = tiny_mnist
    with pytest.raises(ValueError, match=words):
        downloaded_data("mnist", folder=tmp_path, download=True, downloader=server, **kwargs)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def local_http(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/server (no outside network)."""
    hashes, _ = write_set(tmp_path / "server", n_train=300)
    handler = lambda *a, **k: _Quiet(*a, directory=str(tmp_path / "server"), **k)  # noqa: E731
    try:
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    except OSError as exc:
        pytest.skip(f"cannot listen on 127.0.0.1: {exc}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield hashes, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_pooch_http_download_reports_progress_to_our_callback(tmp_path, local_http):
    hashes, base = local_http
    seen = []
    fetch_files(hashes, (base,), tmp_path / "cache", progress=lambda *a: seen.append(a))
    assert is_all(tmp_path / "cache", hashes)
    for name in NAMES:
        mine = [s for s in seen if s[0] == name]
        size = (tmp_path / "cache" / name).stat().st_size
        assert mine and mine[-1][1] == mine[-1][2] == size
        assert all(0 <= done <= total for _, done, total in mine)


def test_raising_from_the_progress_callback_cancels_and_leaves_nothing(tmp_path, local_http):
    hashes, base = local_http

    def cancel(name, done, total):
        if name == NAMES[0]:
            raise DownloadCancelled

    with pytest.raises(DownloadCancelled):
        fetch_files(hashes, (base,), tmp_path / "cache", progress=cancel)
    assert list((tmp_path / "cache").iterdir()) == []


def test_the_command_fetches_with_progress_lines_and_fails_in_one_line(tmp_path, local_http,
                                                                       monkeypatch, capsys):
    hashes, base = local_http
    monkeypatch.setitem(DOWNLOADS, "mnist", Download("mnist", "MNIST", (base,), hashes,
                                                     tuple("0123456789")))
    assert downloads.main(["mnist", "--folder", str(tmp_path / "got")]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(tmp_path / "got") and is_all(tmp_path / "got", hashes)
    assert f"{NAMES[0]}: 100%" in err.splitlines()
    monkeypatch.setitem(DOWNLOADS, "mnist", Download("mnist", "MNIST", (base,),
                                                     dict(hashes, **{NAMES[3]: "f" * 64}),
                                                     tuple("0123456789")))
    assert downloads.main(["mnist", "--folder", str(tmp_path / "bad")]) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {NAMES[3]}: download failed")


def test_the_command_draws_poochs_progress_bar_on_a_terminal(monkeypatch, tmp_path):
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    asked = []
    monkeypatch.setattr(downloads, "fetch", lambda name, folder, progress: asked.append(
        (name, progress)) or tmp_path)
    monkeypatch.setattr(sys, "stderr", Terminal())
    args = type("Args", (), {"name": "mnist", "folder": None})()
    assert downloads.download_command(args, stdout=io.StringIO()) == 0
    assert [name for name, _ in asked] == ["mnist"]
    if downloads.has_progress_bar():
        assert asked[0][1] is True                # pooch's own bar (tqdm)
    else:
        assert callable(asked[0][1])
    log = io.StringIO()                           # not a terminal: progress lines instead
    assert downloads.download_command(args, stdout=io.StringIO(), stderr=log) == 0
    assert callable(asked[1][1])
