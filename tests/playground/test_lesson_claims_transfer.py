"""The claims of the augmentation and transfer lessons, checked headlessly over several seeds.

augmentation_small_set: on 10 training shapes of each kind, random shifts of up to 2 pixels
(Show me) end with a far lower test loss than the plain run, at equal steps. Measured (800
steps, seeds 1-3): plain 0.040-0.061, shifted 0.000-0.001; test accuracy 0.977-0.98 against
1.0.

transfer_few_examples (and the transfer_shapes example, the same task): squares, circles,
crosses and triangles in heavy noise (0.5), 3 training images of each. A network that learnt
the four lines from all their images (Show me; 1000 steps, test accuracy 0.96) lends its two
conv layers, frozen (the dense and output layers new); after 600 steps its test accuracy is
above the one learnt from scratch. Measured, seeds 1-8: transfer 0.59-0.70, scratch
0.41-0.61; gain +0.013 to +0.27, mean +0.113 (seeds 1-5: +0.039 to +0.22, mean +0.113). The
setting before (noise 0.3, 5 images each, conv layers fine-tuned at 0.1x) won on seeds 1-3
but lost on one of 8 (-0.046).

On the 8x8 digits the claim does not hold: learning 5-9 from 20 images each, scratch reaches
0.95-0.98 after 200 steps, transfer from 0-4 (conv layers copied, frozen or fine-tuned)
0.89-0.94: 100 pictures of 8x8 digits are enough to learn from.
"""
import numpy as np
import pytest

from playground import files, transfer
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


PLAN = transfer.PLANS["transfer_few_examples"]
SEEDS = (1, 2, 3, 4, 5)


@pytest.fixture(scope="module")
def lines_network():
    """The Show me network: the four lines learnt from all their training images."""
    source = lesson_runs.run("transfer_few_examples", show_me=True)
    assert source.values["classes"] == PLAN.source_changes["classes"]
    source.trainer.run(PLAN.source_steps)
    assert source.trainer.evaluate(source.data.X_test, source.data.Y_test)[1] > 0.9
    return source.document()


def accuracy(run: HeadlessRun) -> float:
    return run.trainer.evaluate(run.data.X_test, run.data.Y_test)[1]


def test_frozen_conv_layers_from_the_lines_beat_learning_from_scratch_on_three_examples(
        lines_network):
    gains = []
    for seed in SEEDS:
        target = lesson_runs.values("transfer_few_examples", seed=seed)
        assert PLAN.matches(target)
        tuned_variant, scratch_variant = transfer.scratch_variants(
            target, lines_network, PLAN.copy, PLAN.freeze, PLAN.copied_lr_scale)
        tuned = HeadlessRun(tuned_variant.start, resolution=2)
        scratch = HeadlessRun(files.Document({**target, **scratch_variant.changes}),
                              resolution=2)
        assert tuned.data.n_train == scratch.data.n_train == 12
        assert all(tuned.values["layers"][i].frozen for i in PLAN.freeze)
        scratch.trainer.run(PLAN.steps), tuned.trainer.run(PLAN.steps)
        gains.append(accuracy(tuned) - accuracy(scratch))
    assert min(gains) > -0.02 and np.mean(gains) > 0.05, gains
