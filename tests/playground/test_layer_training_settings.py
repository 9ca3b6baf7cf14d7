"""A layer's ``frozen`` and ``lr_scale`` and the ``augmentation`` setting reach the trainer, in
headless runs (pipeline.train_config) and in the window's session, where changing them keeps
the weights."""
import numpy as np

from engine.augment import Augmentation
from playground import files, pipeline
from playground.experiment import Experiment
from playground.fields import Layer
from playground.headless import HeadlessRun

TIMEOUT = 60_000     # ms: a bound on waits for the worker on a busy machine, never a target
LAYERS = (Layer.conv(4, 3), Layer.pool(2), Layer.flatten(), Layer(12, "relu"))


def digits(**changes) -> dict:
    return Experiment({"dataset": "digits", "layers": LAYERS, "batch_size": 16,
                       "steps_per_frame": 5, "classes": (0, 1, 2), **changes}).values()


def headless(values) -> HeadlessRun:
    return HeadlessRun(files.Document(values), resolution=2)


def test_train_config_carries_each_layers_factor_and_the_augmentation():
    plain = pipeline.train_config(digits())
    assert plain.layer_scales == () and plain.augmentation == {}
    layers = (LAYERS[0].with_(frozen=True),) + LAYERS[1:3] + (LAYERS[3].with_(lr_scale=0.1),)
    config = pipeline.train_config(digits(layers=layers,
                                          augmentation={"shift": True, "shift_pixels": 1}))
    assert config.layer_scales == (0.0, 1.0, 1.0, 0.1, 1.0)     # the output layer last
    np.testing.assert_array_equal(config.make_augmentation().vector(),
                                  Augmentation(shift=True, shift_pixels=1).vector())


def test_a_frozen_layer_keeps_its_weights_in_a_headless_run_and_a_scaled_one_moves_less():
    layers = (LAYERS[0].with_(frozen=True),) + LAYERS[1:3] + (LAYERS[3].with_(lr_scale=0.01),)
    run, plain = headless(digits(layers=layers)), headless(digits())
    start = run.trainer.params.copy()
    np.testing.assert_array_equal(start, plain.trainer.params)      # the same seed
    run.train(30), plain.train(30)
    slices = run.spec.layer_slices()
    (a, b), (c, d) = slices[0], slices[3]
    np.testing.assert_array_equal(run.trainer.params[a:b], start[a:b])
    moved = np.abs(run.trainer.params[c:d] - start[c:d]).sum()
    assert 0 < moved < 0.2 * np.abs(plain.trainer.params[c:d] - start[c:d]).sum()


def test_a_saved_frozen_run_opens_frozen_and_continues_bit_identically(tmp_path):
    layers = (LAYERS[0].with_(frozen=True, lr_scale=0.5),) + LAYERS[1:]
    run = headless(digits(layers=layers, augmentation={"flip": True}))
    run.train(10)
    files.save(tmp_path / "f.nnp", run.document())
    again = HeadlessRun(files.load(tmp_path / "f.nnp"), resolution=2)
    assert again.trainer.frozen_layers() == [0]
    assert again.trainer.augmentation.hyper == Augmentation(flip=True).hyper
    run.train(10), again.train(10)
    np.testing.assert_array_equal(run.trainer.params, again.trainer.params)


def test_augmentation_changes_the_batches_only_and_the_same_however_chunked():
    settings = {"shift": True, "shift_pixels": 1, "noise": True}
    plain, aug, chunked = headless(digits()), headless(digits(augmentation=settings)), \
        headless(digits(augmentation=settings))
    a, b = plain.trainer.run(12), aug.trainer.run(12)
    assert not np.array_equal(a.losses, b.losses)
    chunked.trainer.run(5), chunked.trainer.run(7)
    np.testing.assert_array_equal(aug.trainer.params, chunked.trainer.params)
    # the test set is never augmented: the same weights give the same test loss
    plain.trainer.params[:] = aug.trainer.params
    assert plain.trainer.evaluate(plain.data.X_test, plain.data.Y_test) == \
        aug.trainer.evaluate(aug.data.X_test, aug.data.Y_test)


def test_in_the_session_freezing_and_augmentation_are_live_and_keep_the_weights(
        qtbot, make_session):
    experiment, session = make_session(**digits())
    qtbot.waitUntil(lambda: session.latest is not None, timeout=TIMEOUT)
    generation = session.generation
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT):
        session.step(5)
    layers = list(experiment.layers)
    layers[0] = layers[0].with_(frozen=True)
    experiment.set("layers", tuple(layers))
    experiment.set("augmentation", {"flip": True})
    assert session.generation == generation                   # the same network
    before = session.latest
    with qtbot.waitSignal(session.snapshot_ready, timeout=TIMEOUT,
                          check_params_cb=lambda s: s.step == before.step + 6):
        session.step(6)
    after = session.latest
    a, b = session.spec.layer_slices()[0]
    np.testing.assert_array_equal(after.params[a:b], before.params[a:b])
    assert not np.array_equal(after.params, before.params)
    state = session.run_state()
    assert "trainable" in state["trainer"]
