"""The claims of the augmentation and transfer lessons, checked headlessly over several seeds.

augmentation_small_set: on 10 training shapes of each kind, random shifts of up to 2 pixels
(Show me) end with a far lower test loss than the plain run, at equal steps. Measured (800
steps, seeds 1-3): plain 0.040-0.061, shifted 0.000-0.001; test accuracy 0.977-0.98 against
1.0.
"""
import pytest

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
