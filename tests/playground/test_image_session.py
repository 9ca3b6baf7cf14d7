"""Image experiments in the training session (the window's application model): a conv net on the
digits loads, plays and learns; its snapshots carry the image views' products (filters, feature
maps of the chosen test image, predictions); classify agrees with an independent engine Trainer;
a saved run continues bit-identically (batch-norm statistics included); a large set is scored on
a fixed sample while playing and whole on pause. Every wait is on a signal."""
import numpy as np
import pytest

from engine.trainer import Trainer
from playground import files, pipeline, presets
from playground.fields import Layer

TIMEOUT = 60_000     # ms: a bound on waits for the worker on a busy machine, never a target
SMALL = (Layer.conv(4, 3), Layer.pool(2), Layer.flatten())
WITH_BN = (Layer.conv(4, 3), Layer.batch_norm(), Layer.pool(2), Layer.flatten())


def digits(**changes) -> dict:
    return {"dataset": "digits", "layers": SMALL, "train_ratio": 0.8, "batch_size": 32,
            "steps_per_frame": 9, **changes}


def first_snapshot(qtbot, session):
    qtbot.waitUntil(lambda: session.latest is not None, timeout=TIMEOUT)
    return session.latest


def next_snapshot(qtbot, session, action, check=lambda s: True):
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=check) as blocker:
        action()
    return blocker.args[0]


def reference(session, snapshot) -> Trainer:
    """An engine Trainer built from the experiment's values alone (not the session's network),
    holding the snapshot's weights and batch-norm statistics."""
    values = session.experiment.values()
    data = pipeline.prepare(values)
    spec = pipeline.network_spec(values, data.n_inputs, data.n_classes)
    trainer = Trainer(spec, pipeline.train_config(values), data.X_train, data.Y_train,
                      data.X_test, data.Y_test, seed=values["seed"])
    trainer.params[:] = snapshot.params
    trainer.buffers[:] = snapshot.buffers
    return trainer


# ---- an image preset in the session -----------------------------------------------------------
def test_the_conv_digits_preset_loads_plays_and_learns(qtbot, make_session):
    _, session = make_session()
    loaded = []
    session.document_loaded.connect(loaded.append)
    session.load_document(presets.load("conv_digits").values)
    assert loaded == [True] and session.modality == "images"
    assert session.input_shape == (1, 8, 8)
    first = first_snapshot(qtbot, session)
    assert first.step == 0 and first.boundary.shape == (0, 0) and first.neuron_maps == ()
    images = first.images
    tests = session.test_images()
    assert tests.shape == (359, 1, 8, 8) and tests.dtype == np.float32
    assert not tests.flags.writeable
    assert images.n_test == 359 and images.class_names == tuple("0123456789")
    assert [label for label, _ in images.feature_maps] == ["conv 8x8x8", "max pool 8x4x4"]
    assert [m.shape for _, m in images.feature_maps] == [(8, 8, 8), (8, 4, 4)]
    assert [(label, k.shape) for label, k in images.filters] == [("conv 8x1x3x3", (8, 1, 3, 3))]
    assert images.probabilities.shape == (359, 10) and images.evaluated_all
    np.testing.assert_array_equal(images.eval_indices, np.arange(359))
    np.testing.assert_array_equal(images.true, session.data.labels_test.astype(int))
    for a in (images.sample_image, images.probabilities, images.true, images.filters[0][1],
              images.feature_maps[0][1]):
        assert not a.flags.writeable
    with qtbot.waitSignal(session.running_changed, timeout=TIMEOUT):
        session.play()
    later = next_snapshot(qtbot, session, lambda: None, lambda s: s.epoch >= 2)
    session.pause()
    assert later.test_accuracy >= 0.8 > first.test_accuracy + 0.5
    assert not np.array_equal(later.images.filters[0][1], images.filters[0][1])
    assert np.all(np.diff(session.history.column("step")) > 0)
    assert session.history.last("test_accuracy") >= 0.8


def test_snapshots_show_what_the_network_computes_on_the_chosen_image(qtbot, make_session):
    _, session = make_session(**digits(layers=WITH_BN))
    first_snapshot(qtbot, session)
    next_snapshot(qtbot, session, lambda: session.step(40))
    chosen = next_snapshot(qtbot, session, lambda: session.choose_sample(17),
                           lambda s: s.images.sample_index == 17)
    images = chosen.images
    np.testing.assert_array_equal(images.sample_image, session.test_images()[17])
    trainer = reference(session, chosen)
    maps = trainer.feature_maps(session.test_images()[17:18])
    assert [label for label, _ in images.feature_maps] == ["conv 4x8x8", "batch norm 4x8x8",
                                                           "max pool 4x4x4"]
    for (_, shown), expected in zip(images.feature_maps, maps):
        np.testing.assert_allclose(shown, expected[0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(images.probabilities, trainer.predict(session.test_images()),
                               rtol=1e-5, atol=1e-6)
    kernel = trainer.spec.named_views(trainer.params)[0]["kernel"]
    np.testing.assert_allclose(images.filters[0][1], kernel, rtol=1e-6)
    other = next_snapshot(qtbot, session, lambda: session.choose_sample(3),
                          lambda s: s.images.sample_index == 3)
    assert not np.array_equal(other.images.feature_maps[0][1], images.feature_maps[0][1])
    with pytest.raises(ValueError, match="0 to 358"):
        session.choose_sample(359)


def test_classify_agrees_with_the_engine_on_the_latest_weights(qtbot, make_session):
    _, session = make_session(**digits(layers=WITH_BN))
    first_snapshot(qtbot, session)
    trained = next_snapshot(qtbot, session, lambda: session.step(60))
    images = session.test_images()[:25]
    got = session.classify(images)
    expected = reference(session, trained).predict(images)
    assert got.shape == (25, 10) and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got.sum(axis=1), 1.0)
    # the batch-norm statistics count: without them (the initial ones) the answer differs
    assert np.abs(trained.buffers - Trainer(
        session.spec, pipeline.train_config(session.experiment.values()),
        session.data.X_train, session.data.Y_train).buffers).max() > 1e-3
    more = next_snapshot(qtbot, session, lambda: session.step(30))
    assert not np.allclose(session.classify(images), got)         # newer weights, new answers
    np.testing.assert_allclose(session.classify(images),
                               reference(session, more).predict(images), rtol=1e-12,
                               atol=1e-15)
    with pytest.raises(ValueError, match=r"\(n, 1, 8, 8\)"):
        session.classify(np.zeros((2, 8, 8)))


def test_points_experiments_have_no_image_products(qtbot, make_session):
    _, session = make_session(n_points=100, layers=(Layer(4, "tanh"),))
    snapshot = first_snapshot(qtbot, session)
    assert session.modality == "points" and snapshot.images is None
    assert session.input_shape is None and session.test_images() is None
    with pytest.raises(ValueError):
        session.classify(np.zeros((1, 1, 8, 8)))
    with pytest.raises(ValueError):
        session.choose_sample(0)


# ---- files ----------------------------------------------------------------------------------------
def test_a_saved_image_run_continues_bit_identically(qtbot, make_session, tmp_path):
    values = digits(layers=WITH_BN, steps_per_frame=7)
    _, straight = make_session(**values)
    first_snapshot(qtbot, straight)
    next_snapshot(qtbot, straight, lambda: straight.step(30))
    state = straight.run_state()
    assert len(state["trainer"]["buffers"]) == 8      # running mean and variance of 4 channels
    path = tmp_path / "run.nnp"
    files.save(path, files.Document(values=straight.experiment.values(), **state))
    ahead = next_snapshot(qtbot, straight, lambda: straight.step(25))

    _, reopened = make_session()
    document = files.load(path)
    reopened.load_document(document.values, document.trainer, document.history)
    assert reopened.modality == "images"
    resumed = first_snapshot(qtbot, reopened)
    assert resumed.step == 30
    resumed = next_snapshot(qtbot, reopened, lambda: reopened.step(25))
    assert resumed.step == ahead.step == 55
    np.testing.assert_array_equal(resumed.params, ahead.params)
    np.testing.assert_array_equal(resumed.buffers, ahead.buffers)
    np.testing.assert_array_equal(resumed.images.probabilities, ahead.images.probabilities)
    for column in ("step", "train_loss", "test_loss", "test_accuracy"):
        np.testing.assert_array_equal(reopened.history.column(column),
                                      straight.history.column(column))


# ---- architecture changes ---------------------------------------------------------------------------
def test_a_dropout_change_keeps_the_weights_and_other_changes_rebuild(qtbot, make_session):
    experiment, session = make_session(**digits())
    first_snapshot(qtbot, session)
    trained = next_snapshot(qtbot, session, lambda: session.step(20))
    generation = session.generation
    layers = list(experiment.layers)
    layers[0] = layers[0].with_(dropout=0.3)
    experiment.set("layers", tuple(layers))
    assert session.generation == generation                  # no new network
    kept = next_snapshot(qtbot, session, lambda: session.step(1))
    assert kept.step == trained.step + 1
    assert session.spec.hidden[0].dropout == 0.3
    layers[0] = layers[0].with_(filters=6)
    rebuilt = next_snapshot(qtbot, session, lambda: experiment.set("layers", tuple(layers)),
                            lambda s: s.generation == session.generation)
    assert session.generation > generation and rebuilt.step == 0
    assert rebuilt.images.filters[0][1].shape == (6, 1, 3, 3)
    images = session.test_images()[:3]                    # classify follows the new network
    np.testing.assert_allclose(session.classify(images),
                               reference(session, rebuilt).predict(images), rtol=1e-12)


# ---- the per-frame cost on a large set ------------------------------------------------------------
def test_a_large_set_is_scored_on_a_fixed_sample_while_playing_and_whole_on_pause(
        qtbot, make_session, monkeypatch):
    import playground.worker
    monkeypatch.setattr(playground.worker, "LIVE_SAMPLE", 100)   # the digits count as large
    _, session = make_session(**digits(steps_per_frame=3, batch_size=16))
    first = first_snapshot(qtbot, session)
    assert first.images.evaluated_all and len(first.images.eval_indices) == 359
    session.play()
    live = next_snapshot(qtbot, session, lambda: None,
                         lambda s: s.step > 0 and not s.images.evaluated_all)
    assert len(live.images.eval_indices) == 100 == len(live.images.probabilities)
    assert np.all(np.diff(live.images.eval_indices) > 0)
    np.testing.assert_array_equal(live.images.true,
                                  session.data.labels_test[live.images.eval_indices])
    # the live numbers are the sample's: the engine on those 100 test images says the same
    trainer = reference(session, live)
    sample = live.images.eval_indices
    loss, accuracy = trainer.evaluate(session.data.X_test[sample], session.data.Y_test[sample])
    assert live.test_loss == pytest.approx(loss, rel=1e-9)
    session.pause()
    session.run_state()          # the worker has served the pause: its snapshot is the latest
    paused = session.latest
    assert not session.running and paused.images.evaluated_all
    assert len(paused.images.eval_indices) == 359
    trainer = reference(session, paused)
    loss, accuracy = trainer.evaluate(session.data.X_test, session.data.Y_test)
    assert paused.test_loss == pytest.approx(loss, rel=1e-9)
    assert paused.test_accuracy == pytest.approx(accuracy)
    assert np.all(np.diff(session.history.column("step")) > 0)
    # a single step is scored on the whole sets
    stepped = next_snapshot(qtbot, session, lambda: session.step(1))
    assert stepped.images.evaluated_all and stepped.step == paused.step + 1
