"""The claims of the augmentation and transfer lessons, checked headlessly over several seeds.

augmentation_small_set: on 10 training shapes of each kind, random shifts of up to 2 pixels
(Show me) end with a far lower test loss than the plain run, at equal steps. Measured (800
steps, seeds 1-3): plain 0.040-0.061, shifted 0.000-0.001; test accuracy 0.977-0.98 against
1.0.

transfer_few_examples: squares, circles, crosses and triangles in heavy noise (0.3), 5 training
images of each. A network that learnt the four lines (Show me, 1000 steps, test accuracy 1.0)
lends its two conv layers (fine-tuned at 0.1 x the learning rate; the dense and output layers
new): after 300 steps its test accuracy beats the scratch run's. Measured, seeds 1-3: 0.803,
0.875, 0.816 against 0.684, 0.796, 0.776.

On the 8x8 digits the claim does not hold: learning 5-9 from 20 images each, scratch reaches
0.95-0.98 after 200 steps, transfer from 0-4 (conv layers copied, frozen or fine-tuned)
0.89-0.94: 100 pictures of 8x8 digits are enough to learn from.
"""
import numpy as np
import pytest

from playground import transfer
from playground.headless import HeadlessRun
from tests.playground import lesson_runs

STEPS = 800          # 160 epochs of the 80 training images, the lesson's stop_at_epoch


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_augmentation_lowers_the_test_loss_on_a_small_set(seed):
    plain = lesson_runs.run("augmentation_small_set", seed=seed)
    shifted = lesson_runs.run("augmentation_small_set", show_me=True, seed=seed)
    assert plain.data.n_train == 80 and shifted.trainer.augmentation is not None
    plain.trainer.run(STEPS), shifted.trainer.run(STEPS)
    plain_loss, plain_acc = plain.trainer.evaluate(plain.data.X_test, plain.data.Y_test)
    loss, acc = shifted.trainer.evaluate(shifted.data.X_test, shifted.data.Y_test)
    assert loss < 0.25 * plain_loss and acc >= plain_acc
    train_loss, _ = plain.trainer.evaluate(plain.data.X_train, plain.data.Y_train)
    assert train_loss < 0.2 * plain_loss       # the plain run learnt its 80 pictures


FINE_TUNE_STEPS = 300
SOURCE_STEPS = 1000


@pytest.fixture(scope="module")
def lines_network():
    """The Show me network: the four lines learnt from all their training images."""
    source = lesson_runs.run("transfer_few_examples", show_me=True)
    source.trainer.run(SOURCE_STEPS)
    assert source.trainer.evaluate(source.data.X_test, source.data.Y_test)[1] > 0.95
    return source.document()


def accuracy(run: HeadlessRun) -> float:
    return run.trainer.evaluate(run.data.X_test, run.data.Y_test)[1]


def test_copied_conv_layers_beat_learning_from_scratch_on_five_examples(lines_network):
    margins = []
    for seed in (1, 2, 3):
        scratch = lesson_runs.run("transfer_few_examples", seed=seed)
        doc = transfer.transfer(lines_network, {"classes": (4, 5, 6, 7), "per_class": 5,
                                                "seed": seed}, copy=(0, 2))
        tuned = HeadlessRun(doc, resolution=2)
        assert tuned.data.n_train == scratch.data.n_train == 20
        assert tuned.values["layers"][0].lr_scale == transfer.FINE_TUNE_SCALE
        scratch.trainer.run(FINE_TUNE_STEPS), tuned.trainer.run(FINE_TUNE_STEPS)
        margins.append(accuracy(tuned) - accuracy(scratch))
    assert min(margins) > 0.02 and np.mean(margins) > 0.05, margins
