"""The one run loop: frames in chunks, a row per frame, the stop rules, divergence; the same
numbers however a run is cut into frames or interrupted."""
import numpy as np

from playground import files, presets
from playground.experiment import Experiment
from playground.headless import HeadlessRun
from playground.run import DIVERGED, INTERRUPTED, STOP_EPOCH, STOP_LOSS, Run, steps_to_epoch


def make_run(chunk_seconds=1e-9, **changes):
    """A Run of the xor example; tiny chunks: a chunk is a single step."""
    values = Experiment({**presets.load("xor").values, **changes}).values()
    head = HeadlessRun(files.Document(values), resolution=2)
    return Run(head.trainer, head.data, chunk_seconds=chunk_seconds), head


def test_an_interrupted_frame_records_where_it_stopped_and_the_run_continues_the_same():
    run, _ = make_run()
    calls = iter([False, False, True] + [False] * 1000)
    frame = run.train_frame(50, interrupted=lambda: next(calls))
    assert (frame.reason, frame.steps) == (INTERRUPTED, 3)       # cut after three chunks
    assert run.last_row["step"] == 3 and len(run.take_rows()) == 1
    run.train_frame(47)
    straight, _ = make_run(chunk_seconds=10.0)
    straight.train_frame(50)
    np.testing.assert_array_equal(run.trainer.params, straight.trainer.params)
    assert run.trainer.step_count == straight.trainer.step_count == 50


def test_frames_stop_at_the_stop_epoch_and_at_the_test_loss():
    run, _ = make_run()
    run.set_stops(stop_epoch=3)
    n = run.frame_steps(10_000)
    assert n == steps_to_epoch(run.trainer, 3)
    frame = run.train_frame(n)
    assert frame.reason == STOP_EPOCH and run.trainer.epoch == 3 and "epoch 3" in frame.message
    run, _ = make_run(optimizer="adam", learning_rate=0.1)
    run.set_stops(stop_loss=0.3)
    assert run.train_until_stop(100_000, 20) == STOP_LOSS
    assert run.last_row["test_loss"] <= 0.3 < run.history.column("test_loss")[-2]


def test_steps_asked_for_ignore_the_stop_conditions():
    run, _ = make_run()
    run.set_stops(stop_epoch=1)
    assert run.train(200, 30) is None and run.trainer.step_count == 200
    assert len(run.history) == 7        # 7 frames of at most 30 steps


def test_a_diverging_frame_stops_the_run_and_says_what_to_try():
    run, _ = make_run(dataset="reg_plane", output_activation="linear", loss="mse",
                      optimizer="sgd", learning_rate=10.0)
    assert run.train(500, 10) == DIVERGED
    assert run.diverged and run.trainer.step_count < 500
    assert "diverged at step" in run.message and "try 1" in run.message


def test_the_worker_keeps_no_history_but_hands_over_its_rows():
    run, head = make_run()
    quiet = Run(head.trainer, head.data, keep_history=False)
    quiet.train_frame(5)
    quiet.train_frame(5)
    assert len(quiet.history) == 0 and len(quiet.pending_rows()) == 2
    assert [r["step"] for r in quiet.take_rows()] == [5.0, 10.0] and quiet.take_rows() == []
