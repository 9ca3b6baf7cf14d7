"""The image views' products of a frame and the live sample that bounds a frame's cost
(playground.image_frames, playground.run): which images a row and a frame evaluate, and when."""
import numpy as np

from engine.trainer import Trainer
from playground import files, pipeline, presets
from playground.experiment import Experiment
from playground.fields import Layer
from playground.headless import HeadlessRun
from playground.image_frames import image_products, sample_indices, spatial_layers
from playground.run import Run

SMALL = (Layer.conv(4, 3), Layer.pool(2), Layer.flatten())


def digits(**changes) -> dict:
    return Experiment({"dataset": "digits", "layers": SMALL, "train_ratio": 0.8,
                       "batch_size": 32, "steps_per_frame": 7, **changes}).values()


def trainer_on(values):
    data = pipeline.prepare(values)
    spec = pipeline.network_spec(values, data.n_inputs, data.n_classes)
    return Trainer(spec, pipeline.train_config(values), data.X_train, data.Y_train,
                   data.X_test, data.Y_test, seed=values["seed"]), data


def whole(trainer, data) -> tuple:
    return (trainer.evaluate(data.X_train, data.Y_train),
            trainer.evaluate(data.X_test, data.Y_test))


def row_values(row) -> tuple:
    return ((row["train_loss"], row["train_accuracy"]), (row["test_loss"], row["test_accuracy"]))


# ---- the fixed sample ---------------------------------------------------------------------------
def test_the_live_sample_is_fixed_sorted_and_only_for_large_splits():
    assert sample_indices(1437, 2000) is None and sample_indices(2000, 2000) is None
    a = sample_indices(60_000, 2000)
    assert a.shape == (2000,) and a.dtype == np.int64
    assert np.all(np.diff(a) > 0) and a[0] >= 0 and a[-1] < 60_000
    np.testing.assert_array_equal(a, sample_indices(60_000, 2000))
    assert a[-1] > 50_000 and a[0] < 10_000            # spread over the whole split
    assert not np.array_equal(a, sample_indices(60_000, 2000, seed=1))


def test_rows_while_playing_score_the_sample_and_whole_sets_at_epoch_ends():
    trainer, data = trainer_on(digits())
    run = Run(trainer, data, sample_limit=100)
    run.record_row()
    assert run.last_whole and row_values(run.last_row) == whole(trainer, data)
    run.live = True
    run.train_frame(5)                                 # 45 steps an epoch: still epoch 0
    assert trainer.epoch == 0 and not run.last_whole
    train, test = run.sample.train, run.sample.test
    assert len(train) == len(test) == 100
    assert row_values(run.last_row) == (
        trainer.evaluate(data.X_train[train], data.Y_train[train]),
        trainer.evaluate(data.X_test[test], data.Y_test[test]))
    assert row_values(run.last_row) != whole(trainer, data)
    run.train_frame(45)                                # this frame ends epoch 0
    assert trainer.epoch == 1 and run.last_whole
    assert row_values(run.last_row) == whole(trainer, data)
    # on pause the sampled last row, not handed over yet, is scored whole at the same step
    run.take_rows()
    run.train_frame(3)
    sampled = run.last_row
    assert not run.last_whole and run.settle() and run.last_whole
    assert row_values(run.last_row) == whole(trainer, data)
    assert run.last_row["step"] == sampled["step"]
    assert run.pending_rows() == [run.last_row] and not run.settle()


def test_a_run_without_a_sample_limit_always_scores_the_whole_sets():
    trainer, data = trainer_on(digits())
    run = Run(trainer, data)                           # headless runs, comparisons, searches
    run.live = True
    run.train_frame(5)
    assert run.last_whole and row_values(run.last_row) == whole(trainer, data)
    small = Run(trainer, data, sample_limit=2000)     # digits: both splits fit the sample
    assert small.sample is None


def test_headless_image_runs_give_the_same_history_twice():
    document = files.Document(digits())
    runs = [HeadlessRun(document) for _ in range(2)]
    for r in runs:
        r.train(30)
    for column in ("step", "train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        np.testing.assert_array_equal(runs[0].history.column(column),
                                      runs[1].history.column(column))


# ---- the products -------------------------------------------------------------------------------
def test_lenet_products_have_a_map_per_spatial_layer_and_each_conv_layers_filters():
    values = presets.load("lenet_digits").values
    trainer, data = trainer_on(values)
    assert spatial_layers(trainer.spec) == [(0, "conv 16x8x8"), (1, "max pool 16x4x4"),
                                            (2, "conv 32x4x4"), (3, "max pool 32x2x2")]
    products = image_products(trainer, data, sample_index=5, eval_indices=np.array([2, 7, 9]))
    assert not products.evaluated_all and products.sample_index == 5
    np.testing.assert_array_equal(products.eval_indices, [2, 7, 9])
    np.testing.assert_array_equal(products.true, data.labels_test[[2, 7, 9]])
    np.testing.assert_allclose(products.probabilities, trainer.predict(data.X_test[[2, 7, 9]]),
                               rtol=1e-6)
    assert [(l, k.shape) for l, k in products.filters] == [("conv 16x1x3x3", (16, 1, 3, 3)),
                                                           ("conv 32x16x3x3", (32, 16, 3, 3))]
    views = trainer.spec.named_views(trainer.params)
    np.testing.assert_array_equal(products.filters[1][1], views[2]["kernel"].astype(np.float32))
    # the second conv layer's maps, worked by hand from the first pool's maps
    pool = products.feature_maps[1][1].astype(np.float64)
    kernel, bias = views[2]["kernel"], views[2]["bias"]
    padded = np.pad(pool, ((0, 0), (1, 1), (1, 1)))
    by_hand = np.array([[[np.sum(kernel[o] * padded[:, y:y + 3, x:x + 3]) + bias[o]
                          for x in range(4)] for y in range(4)] for o in range(32)])
    np.testing.assert_allclose(products.feature_maps[2][1], np.maximum(by_hand, 0),
                               rtol=1e-4, atol=1e-5)
    # the sample index is clamped to the test set
    assert image_products(trainer, data, sample_index=10_000).sample_index == len(data.X_test) - 1


def test_products_without_a_test_split_are_empty_but_well_formed():
    values = digits()
    trainer, data = trainer_on(values)
    from dataclasses import replace
    empty = np.zeros((0, data.n_inputs))
    no_test = replace(data, X_test=empty, Y_test=np.zeros((0, 10)), labels_test=np.zeros(0),
                      images_test=np.zeros((0, 1, 8, 8), np.float32))
    products = image_products(trainer, no_test)
    assert products.n_test == 0 and products.feature_maps == ()
    assert products.probabilities.shape == (0, 10) and products.sample_image.shape == (1, 8, 8)
