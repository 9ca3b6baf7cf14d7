"""The image views' products of one frame (``snapshot.ImageProducts``) and the fixed sample that
keeps a live frame cheap on a large image set. Qt-free.

A frame of an image experiment carries, instead of a decision boundary: the filters of every conv
layer, the feature maps of one chosen test image at every layer with a spatial output, and the
class probabilities on test images (for the confusion matrix and the gallery of mistakes).

Per-frame cost stays bounded (issue 9, section 1): while the window plays, each history row
evaluates a fixed, seeded sample of at most ``LIVE_SAMPLE`` images of each split, and a frame's
predictions cover the test part of that sample; rows at an epoch's end, on pause and on single
steps evaluate the whole splits (``ImageProducts.evaluated_all`` says which). A split of at most
``LIVE_SAMPLE`` images (the 1,437 training digits) is always evaluated whole.
"""
from __future__ import annotations

import numpy as np

from playground.image_pipeline import shape_text
from playground.snapshot import ImageProducts, frozen

#: At most this many images of each split are evaluated per frame while playing.
LIVE_SAMPLE = 2000
#: The live sample is the same on every run and machine: it depends only on the split's size.
SAMPLE_SEED = 9
#: Short names of the kinds in feature-map and filter labels ("conv 8x14x14").
KIND_NAMES = {"conv2d": "conv", "maxpool2d": "max pool", "avgpool2d": "avg pool",
              "batchnorm": "batch norm", "dropout": "dropout"}
#: Layer kinds whose output is a vector: every layer from the first of them on has no maps.
VECTOR_KINDS = ("flatten", "dense")
EMPTY = np.zeros((0, 0), dtype=np.float32)
EMPTY.flags.writeable = False


def sample_indices(n: int, limit: int = LIVE_SAMPLE, seed: int = SAMPLE_SEED) -> np.ndarray | None:
    """Sorted int64 (limit,) indices of a fixed sample of ``n`` examples, the same for the same
    (n, limit, seed); None when n <= limit (the whole split is evaluated)."""
    if n <= limit:
        return None
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=limit, replace=False)).astype(np.int64)


class Classifier:
    """The GUI thread's own copy of an image network: class probabilities of new images (the
    drawing canvas) from a snapshot's weights and batch-norm statistics, in evaluation mode.
    Built once per network (snapshot generation), its weights overwritten at each call."""

    def __init__(self):
        self._generation = None
        self._trainer = None

    def probabilities(self, spec, snapshot, images: np.ndarray) -> np.ndarray:
        """float64 (n, K) for ``images`` (n, C, H, W) float64 of the network ``spec`` that
        ``snapshot`` (of that network) holds the weights of."""
        if self._trainer is None or self._generation != snapshot.generation:
            from engine.trainer import TrainConfig, Trainer
            n_in = int(np.prod(spec.input_shape))
            self._trainer = Trainer(spec, TrainConfig(), np.zeros((1, n_in)),
                                    np.eye(1, spec.n_outputs))
            self._generation = snapshot.generation
        trainer = self._trainer
        trainer.params[:] = snapshot.params
        if snapshot.buffers is not None and len(snapshot.buffers):
            trainer.buffers[:] = snapshot.buffers
        with np.errstate(all="ignore"):
            return trainer.predict(np.ascontiguousarray(images.reshape(len(images), -1)))


class EvalSample:
    """The fixed live sample of a prepared data set: ``X_train, Y_train, X_test, Y_test`` as in
    ``pipeline.PreparedData`` (so ``run.history_row`` evaluates either), with ``train`` /
    ``test`` the indices taken (None: the whole split)."""

    def __init__(self, data, limit: int = LIVE_SAMPLE):
        self.train = sample_indices(len(data.X_train), limit)
        self.test = sample_indices(len(data.X_test), limit)
        self.X_train, self.Y_train = _rows(data.X_train, self.train), _rows(data.Y_train, self.train)
        self.X_test, self.Y_test = _rows(data.X_test, self.test), _rows(data.Y_test, self.test)

    @property
    def whole(self) -> bool:
        """True when both splits are small enough to be evaluated whole every frame."""
        return self.train is None and self.test is None


def _rows(a: np.ndarray, index: np.ndarray | None) -> np.ndarray:
    return a if index is None else np.ascontiguousarray(a[index])


def spatial_layers(spec) -> list[tuple[int, str]]:
    """[(hidden layer index, label)] of the layers whose output is a stack of maps, in order:
    every layer before the first flatten or dense one; label "conv 8x14x14"."""
    out = []
    for i, (layer, shape) in enumerate(zip(spec.hidden, spec.shapes()[1:])):
        if layer.kind in VECTOR_KINDS:
            break
        out.append((i, f"{KIND_NAMES.get(layer.kind, layer.kind)} {shape_text(shape)}"))
    return out


def conv_filters(spec, params: np.ndarray) -> tuple:
    """((label, kernel (O, C, k, k) float32 copy), ...) of every conv layer, label
    "conv 8x1x3x3" (filters x input channels x kernel)."""
    views = spec.named_views(params)
    return tuple((f"conv {'x'.join(map(str, views[i]['kernel'].shape))}",
                  frozen(views[i]["kernel"]))
                 for i, layer in enumerate(spec.hidden) if layer.kind == "conv2d")


def image_products(trainer, data, sample_index: int = 0,
                   eval_indices: np.ndarray | None = None) -> ImageProducts:
    """The image views' products of ``trainer``'s network now, on ``data`` (an image
    ``PreparedData``).

    sample_index : the test image whose feature maps are shown (clamped to the test set)
    eval_indices : the test images the predictions cover; None: the whole test set
                   (``evaluated_all``)
    """
    n_test = len(data.X_test)
    k = data.n_classes
    index = int(min(max(int(sample_index), 0), max(n_test - 1, 0)))
    whole = eval_indices is None
    if n_test:
        with np.errstate(all="ignore"):
            maps = trainer.feature_maps(data.X_test[index:index + 1])
            which = np.arange(n_test, dtype=np.int64) if whole else \
                np.asarray(eval_indices, dtype=np.int64)
            probabilities = trainer.predict(data.X_test if whole else data.X_test[which])
        sample_image = frozen(data.images_test[index])
        feature_maps = tuple((label, frozen(maps[i][0])) for i, label in
                             spatial_layers(trainer.spec))
        true = data.labels_test[which].astype(np.int64)
    else:                                     # no test split: nothing to show a map of
        which, probabilities, true = (np.zeros(0, np.int64), np.zeros((0, k)),
                                      np.zeros(0, np.int64))
        sample_image = frozen(np.zeros(data.input_shape))
        feature_maps = ()
    return ImageProducts(
        sample_index=index, sample_image=sample_image, feature_maps=feature_maps,
        filters=conv_filters(trainer.spec, trainer.params),
        eval_indices=_read_only(which), probabilities=frozen(probabilities),
        true=_read_only(true), evaluated_all=bool(whole), n_test=int(n_test),
        class_names=tuple(data.class_names))


def _read_only(a: np.ndarray) -> np.ndarray:
    out = np.array(a, copy=True)
    out.flags.writeable = False
    return out
