"""Hyperparameter search: the space, trials shared by worker processes through one journal
file, pruning, divergence, cancel, and the best trial reopened as an experiment."""
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from optuna.trial import TrialState

from playground import files, presets, search
from playground.experiment import Experiment
from playground.headless import HeadlessRun

ROOT = Path(__file__).resolve().parents[2]
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


def spec(**changes):
    base = dict(document=presets.load("xor"),
                params=(search.parse_param("learning_rate=1e-3:1"),
                        search.parse_param("optimizer=sgd,adam")),
                epochs=5, sampler="random", seed=3)
    base.update(changes)
    return search.SearchSpec(**base)


def test_params_are_parsed_with_their_scale_and_checked():
    lr = search.parse_param("learning_rate=1e-4:1")
    assert (lr.low, lr.high, lr.log) == (1e-4, 1.0, True)
    assert search.parse_param("batch_size=5:50").log is False
    assert search.parse_param("learning_rate=0.01:0.5:linear").log is False
    assert search.parse_param("optimizer=sgd,adam").choices == ("sgd", "adam")
    assert lr.grid() == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    for text, message in (("learning_rate=1:0.1", "LOW < HIGH"), ("batch_size", "SETTING="),
                          ("layers=1,2", "cannot be varied or searched"),
                          ("learning_rate=0:1:log", "range from"),
                          ("l2=0:0.1:log", "above 0"), ("l2=0.1:0.5:log:x", "LOW:HIGH"),
                          ("optimizer=a:b", "choices")):
        with pytest.raises(ValueError, match=message):
            search.parse_param(text)


def test_a_spec_travels_in_the_study_unchanged():
    s = spec(steps=40, epochs=None, metric="test_accuracy", prune=False)
    back = search.SearchSpec.from_attr(json.loads(json.dumps(s.to_attr())))
    assert back.params == s.params and back.document.values == s.document.values
    assert (back.metric, back.direction, back.steps, back.epochs, back.prune) == \
        ("test_accuracy", "maximize", 40, None, False)
    with pytest.raises(ValueError, match="impossible experiment"):
        spec(params=(search.parse_param("batch_size=10:5000"),))
    with pytest.raises(ValueError, match="one of them"):
        spec(steps=10)


def test_a_local_search_shares_its_trials_and_the_best_reopens_as_it_scored(tmp_path):
    s = spec()
    run = search.Search(s, str(tmp_path / "s.journal"), "xor", n_trials=8, workers=2)
    rows = run.run()
    study = run.study
    assert not run.failed
    numbers = [r["number"] for r in rows]
    assert sorted(numbers) == list(range(len(numbers))) and 8 <= len(numbers) <= 9
    assert not study.get_trials(states=(TrialState.RUNNING,))
    complete = [r for r in rows if r["state"] == "complete"]
    best = search.best(study)
    assert best["value"] == min(r["value"] for r in complete)
    # the best trial, opened as an experiment and trained alone, scores what it scored
    doc = search.document_of(study, best["number"])
    assert doc.values["learning_rate"] == best["params"]["learning_rate"]
    alone = HeadlessRun(doc, resolution=2)
    alone.train_epochs(5)
    assert alone.history.last("test_loss") == best["value"]


def test_two_search_workers_on_one_journal_share_the_study(tmp_path):
    storage = str(tmp_path / "shared.journal")
    s = spec(document=presets.load("spiral"), epochs=3, prune=False)
    search.create_study(s, storage, "shared")
    procs = [subprocess.Popen([sys.executable, str(ROOT / "main.py"), "search-worker", "shared",
                               "--storage", storage, "--trials", "6"], cwd=tmp_path,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=600)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all("joined 'shared'" in o for o in outputs)
    study, _ = search.load_study(storage, "shared")
    trials = study.get_trials()
    # each worker stops when the study holds 6 trials: shared, not 6 each; none lost
    assert 6 <= len(trials) <= 7
    assert sorted(t.number for t in trials) == list(range(len(trials)))
    assert all(t.state in FINISHED for t in trials)


def test_a_diverging_trial_is_recorded_and_the_search_goes_on(tmp_path):
    values = dict(presets.load("spiral").values, output_activation="linear", loss="mse",
                  optimizer="sgd", steps_per_frame=5)
    s = spec(document=files.Document(Experiment(values).values()),
             params=(search.Param("learning_rate", choices=(0.001, 10.0)),),
             sampler="grid", steps=100, epochs=None, prune=False)
    run = search.Search(s, str(tmp_path / "d.journal"), "d", n_trials=5, workers=1)
    rows = {r["params"]["learning_rate"]: r for r in run.run()}
    assert len(rows) == 2                       # a grid of two: two trials, not five
    assert rows[10.0]["status"] == "diverged" and rows[10.0]["state"] == "fail"
    assert "diverged" in rows[10.0]["message"]
    assert rows[0.001]["status"] == "done" and rows[0.001]["value"] is not None


def test_pruning_stops_hopeless_trials_early(tmp_path):
    s = spec(params=(search.Param("learning_rate", 1e-5, 0.1, log=True),),
             document=presets.load("spiral"), epochs=40, sampler="random")
    study = search.create_study(s, str(tmp_path / "p.journal"), "p")
    # good trials first, then hopeless ones (tiny rates) that the median pruner stops
    for rate in (0.03, 0.02, 0.025, 0.035, 0.028, 1e-5, 1.2e-5, 1.4e-5, 1.6e-5):
        study.enqueue_trial({"learning_rate": rate})
    search.work(study, s, 9)
    trials = study.get_trials()
    assert [t.state for t in trials[:5]] == [TrialState.COMPLETE] * 5    # the pruner's start
    hopeless = trials[5:]
    assert [t.state for t in hopeless] == [TrialState.PRUNED] * 4
    # stopped before the end: fewer reports than the 40 epochs' frames of a whole trial
    assert all(max(t.intermediate_values) < max(trials[0].intermediate_values)
               for t in hopeless)


def test_cancel_stops_the_workers_keeps_finished_trials_and_fails_the_cut_ones(tmp_path):
    s = spec(document=presets.load("spiral"), epochs=60, prune=False)
    run = search.Search(s, str(tmp_path / "c.journal"), "c", n_trials=200, workers=2)
    run.start()
    while len(run.rows) < 2:
        run.poll(timeout=1.0)
    pids = set(run.worker_pids)
    cut = run.cancel()
    import os
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    study, _ = search.load_study(str(tmp_path / "c.journal"), "c")
    trials = study.get_trials()
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    assert sum(t.state == TrialState.COMPLETE for t in trials) >= 2
    assert sum(t.state == TrialState.FAIL for t in trials) == cut


def test_the_heatmap_averages_the_trials_in_each_cell(tmp_path):
    s = spec(params=(search.Param("learning_rate", 0.01, 1.0, log=True),
                     search.Param("optimizer", choices=("sgd", "adam"))), sampler="grid",
             prune=False)
    run = search.Search(s, str(tmp_path / "h.journal"), "h", n_trials=10, workers=1)
    run.run()
    h = search.heatmap(run.study, "learning_rate", "optimizer", bins=2)
    assert h["y"] == ["sgd", "adam"] and h["x"] == pytest.approx([0.01, 0.1, 1.0])
    for j, opt in enumerate(h["y"]):
        for i in range(2):
            cell = [t.value for t in run.study.get_trials()
                    if t.params["optimizer"] == opt and
                    h["x"][i] <= t.params["learning_rate"] < h["x"][i + 1] + (i == 1)]
            if cell:
                assert h["values"][j, i] == pytest.approx(np.mean(cell))
            else:
                assert math.isnan(h["values"][j, i])
    assert set(search.importances(run.study)) == {"learning_rate", "optimizer"}


def test_the_search_command_writes_the_trials_and_the_best(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "search", "xor", "--param",
         "learning_rate=0.01:1", "--trials", "4", "--epochs", "3", "--workers", "2",
         "--sampler", "random", "--out", str(tmp_path / "out"), "--json"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["direction"] == "minimize" and 4 <= len(result["trials"]) <= 5
    best = files.load(result["files"]["best"])
    assert best.values["learning_rate"] == result["best"]["params"]["learning_rate"]
    assert (tmp_path / "out" / "trials.csv").read_text().startswith("number,status,test_loss")
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "search-worker", "nope",
                           "--storage", str(tmp_path / "out" / "search.journal")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 1 and "There is no study 'nope'" in proc.stderr


def test_a_database_url_holds_a_study_too(tmp_path):
    """Optuna's database storages work as the journal file does (SQLite here; PostgreSQL and
    the others through the same URL form)."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    run = search.Search(spec(), url, "db", n_trials=3, workers=1)
    rows = run.run()
    assert len(rows) == 3 and all(r["state"] in ("complete", "pruned") for r in rows)
    study, loaded = search.load_study(url, "db")
    assert len(study.trials) == 3 and loaded.params == spec().params
