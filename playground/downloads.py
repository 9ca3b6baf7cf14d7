"""MNIST and Fashion-MNIST: downloaded once with pooch, checked against published SHA-256 sums,
kept in a cache folder.

Each set is four gzipped IDX files (``engine.idx.MNIST_FILES`` + ".gz"). ``fetch(name)`` makes
sure all four are in ``cache_folder() / name`` with the right checksum: a file already there and
correct is used as it is, a missing or wrong one is downloaded (from each mirror in turn until one
works) into a temporary file that pooch checks before moving it into place, so a cut or corrupt
download never lands in the cache. Progress goes to a callback
``progress(file_name, done_bytes, total_bytes)`` (total 0 when the server does not say); raising
``DownloadCancelled`` from the callback cancels the download and leaves nothing half-written.
From the command line: ``python main.py download mnist`` (``download_command``: pooch's progress
bar on a terminal); whatever needs a set that is not there says so with that command
(``download_hint``).

Checksum sources (SHA-256 of the .gz files, as served): MNIST, the values published with
TensorFlow Datasets and used across many independent loaders for the mirror at
storage.googleapis.com/cvdf-datasets/mnist; Fashion-MNIST, the values that match the MD5 sums in
the zalandoresearch/fashion-mnist README.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs
import pooch

from engine.idx import MNIST_FILES, load_mnist_folder
from playground.image_data import DOWNLOADED_SOURCES, ImageData

APP_NAME = "nn-playground"
PARTS = ("train", "test")
TIMEOUT_S = 60


class DownloadCancelled(Exception):
    """Raise from a progress callback to stop a download; ``fetch`` lets it through."""


@dataclass(frozen=True)
class Download:
    """One downloadable image set: where it comes from and what its files must hash to."""

    name: str
    title: str
    mirrors: tuple           # base URLs ending in "/", tried in order
    sha256: dict             # file name -> hex SHA-256 of the file as served
    class_names: tuple


_MNIST_NAMES = tuple(f"{stem}.gz" for stem in MNIST_FILES.values())
DOWNLOADS = {
    "mnist": Download(
        "mnist", "MNIST handwritten digits",
        ("https://storage.googleapis.com/cvdf-datasets/mnist/",
         "https://ossci-datasets.s3.amazonaws.com/mnist/"),
        dict(zip(_MNIST_NAMES, (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6")),),
        tuple(str(i) for i in range(10))),
    "fashion_mnist": Download(
        "fashion_mnist", "Fashion-MNIST clothing",
        ("https://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
         "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
        dict(zip(_MNIST_NAMES, (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5")),),
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
         "Bag", "Ankle boot")),
}
assert tuple(DOWNLOADS) == DOWNLOADED_SOURCES


def cache_folder() -> Path:
    """The folder downloads are kept in: the user's cache directory for this app (platformdirs),
    sub-folder "datasets"."""
    return platformdirs.user_cache_path(APP_NAME, appauthor=False) / "datasets"


def _download(name) -> Download:
    if name not in DOWNLOADS:
        raise ValueError(f"unknown download {name!r}; known: {', '.join(DOWNLOADS)}")
    return DOWNLOADS[name]


def _folder(name, folder) -> Path:
    return Path(folder) if folder is not None else cache_folder() / name


class _Progress:
    """The progress-bar object pooch's HTTPDownloader drives (total, update, reset, close),
    forwarding to ``callback(file_name, done_bytes, total_bytes)``."""

    def __init__(self, callback, file_name):
        self.callback, self.file_name = callback, file_name
        self.n, self.total = 0, 0

    def update(self, size):
        self.n += int(size)
        total = int(self.total or 0)
        self.callback(self.file_name, min(self.n, total) if total else self.n, total)

    def reset(self):
        self.n = 0

    def close(self):
        pass


def download_hint(name) -> str:
    """The command that downloads set ``name`` into the cache."""
    return f"python main.py download {name}"


def file_ok(path, sha256) -> bool:
    """Whether ``path`` is a file whose SHA-256 is ``sha256`` (hex)."""
    path = Path(path)
    return path.is_file() and pooch.file_hash(str(path), alg="sha256") == sha256.lower()


def fetch_files(files, mirrors, folder, progress=None, downloader=None) -> Path:
    """Make sure every file of ``files`` ({file name: hex SHA-256}) is in ``folder``, correct.

    mirrors : base URLs tried in order for a file that is missing or wrong
    progress : None, callable(file_name, done_bytes, total_bytes), or True for pooch's own
      progress bar (tqdm) on stderr
    downloader : None (HTTP through pooch) or a pooch downloader, callable(url, output_file,
      pooch), for other transports
    Returns the folder. Raises ValueError (one line, naming the file) when no mirror gives the
    file with the right checksum; a file already correct is neither downloaded nor touched.
    """
    folder = Path(folder)
    for file_name, sha256 in files.items():
        if file_ok(folder / file_name, sha256):
            if callable(progress):
                size = (folder / file_name).stat().st_size
                progress(file_name, size, size)
            continue
        problems = []
        for base in mirrors:
            url = base + file_name
            if downloader is not None:
                get = downloader
            else:
                bar = (_Progress(progress, file_name) if callable(progress)
                       else progress is True)
                get = pooch.HTTPDownloader(progressbar=bar, timeout=TIMEOUT_S)
            try:
                pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=file_name,
                               path=folder, downloader=get)
                break
            except ValueError as exc:
                if "hash" not in str(exc):
                    raise
                problems.append(f"{url} gave a file with the wrong checksum (deleted)")
            except OSError as exc:      # requests' errors are OSErrors; so is a full disk
                problems.append(f"{url}: {type(exc).__name__}: {exc}".splitlines()[0])
        else:
            raise ValueError(f"{file_name}: download failed: " + "; ".join(problems))
    return folder


def fetch(name, folder=None, progress=None, downloader=None) -> Path:
    """Download (if needed) the four files of ``name`` ("mnist" or "fashion_mnist") into
    ``folder`` (default ``cache_folder() / name``), checked against ``DOWNLOADS[name].sha256``.
    Returns the folder. See ``fetch_files`` for progress, downloader and errors."""
    spec = _download(name)
    return fetch_files(spec.sha256, spec.mirrors, _folder(name, folder), progress, downloader)


def is_downloaded(name, folder=None) -> bool:
    """Whether all four files of ``name`` are in the folder with the published checksums."""
    spec = _download(name)
    where = _folder(name, folder)
    return all(file_ok(where / f, h) for f, h in spec.sha256.items())


def is_present(name, folder=None) -> bool:
    """Whether all four files of ``name`` are in the folder (a quick look: their checksums are
    checked when they are read)."""
    spec = _download(name)
    where = _folder(name, folder)
    return all((where / f).is_file() for f in spec.sha256)


def downloaded_data(name, part="train", limit=None, folder=None, download=False, progress=None,
                    downloader=None) -> ImageData:
    """One part of a downloaded set as an ImageData (source ``name``).

    part : "train" (60,000 images) or "test" (10,000)
    limit : None (all) or the number of images to keep, the first ones, 2..all
    folder : where the files are (default ``cache_folder() / name``)
    download : fetch missing files first (progress, downloader as in ``fetch_files``); when
      False a missing or altered file is a ValueError saying to download the set
    Returns images float32 (n, 1, 28, 28) = pixel / 255, labels int64 (n,), the set's class names.
    """
    spec = _download(name)
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, got {part!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer))
                              or limit < 2):
        raise ValueError(f"limit must be None or an integer of at least 2, got {limit!r}")
    where = _folder(name, folder)
    if download:
        fetch(name, where, progress, downloader)
    else:
        for file_name, sha256 in spec.sha256.items():
            if not (where / file_name).is_file():
                raise ValueError(f"{spec.title} is not downloaded ({file_name} missing in {where}); "
                                 f"download it first: {download_hint(name)}")
            if not file_ok(where / file_name, sha256):
                raise ValueError(f"{where / file_name}: not the published file (checksum mismatch); "
                                 f"download {spec.title} again: {download_hint(name)}")
    X_train, y_train, X_test, y_test = load_mnist_folder(where)
    X, y = (X_train, y_train) if part == "train" else (X_test, y_test)
    if limit is not None:
        if limit > len(y):
            raise ValueError(f"limit {limit} is more than the {len(y)} images of the {part} part")
        X, y = X[:limit], y[:limit]
    if y.size and y.max() >= len(spec.class_names):
        raise ValueError(f"{spec.title}: label {int(y.max())} has no class name")
    return ImageData(X, y, spec.class_names, name, {"part": part, "limit": limit})


DOWNLOAD_HELP = "download MNIST or Fashion-MNIST into the cache, checked against its checksums"


def has_progress_bar() -> bool:
    """Whether pooch can draw its progress bar (it needs tqdm)."""
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def add_download_arguments(parser) -> None:
    parser.description = ("Download an image set (the four IDX files) into the download cache, "
                          "checking each file against its published SHA-256; files already "
                          "there and correct are kept. The image examples that use the set "
                          "(see 'list') open once it is there.")
    parser.add_argument("name", choices=tuple(DOWNLOADS), help="the set to download")
    parser.add_argument("--folder", default=None, help="where to keep the files "
                                                       "(default: the cache folder)")


def download_command(args, stdout=None, stderr=None) -> int:
    """Fetch a set with pooch's progress bar on a terminal (one progress line per tenth of a
    file elsewhere, or without tqdm) on stderr, print the folder; exit status 1 with the one-line reason when it
    fails."""
    import sys
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    shown = {}

    def report(file_name, done, total):
        percent = int(100 * done / total) if total else -1
        if shown.get(file_name) != percent and (percent % 10 == 0 or done == total):
            shown[file_name] = percent
            amount = f"{percent}%" if total else f"{done} bytes"
            print(f"{file_name}: {amount}", file=stderr, flush=True)

    bar = stderr is sys.stderr and stderr.isatty() and has_progress_bar()   # not in a log
    try:
        folder = fetch(args.name, args.folder, progress=True if bar else report)
    except (ValueError, DownloadCancelled) as exc:
        print(f"error: {exc}", file=stderr)
        return 1
    print(folder, file=stdout)
    return 0


def main(argv=None) -> int:
    """``python -m playground.downloads NAME [--folder F]``: ``download_command``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m playground.downloads",
                                     description="Download and check an image set.")
    add_download_arguments(parser)
    return download_command(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
