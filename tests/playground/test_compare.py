"""Run comparison: variants from settings, trained in processes exactly as alone, with their
table, curves and failures; the ``compare`` command end to end."""
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from playground import compare, comparison_file, files, presets
from playground.canvas import read_png
from playground.experiment import Experiment
from playground.headless import HeadlessRun

ROOT = Path(__file__).resolve().parents[2]


def xor():
    return presets.load("xor")


def test_vary_is_parsed_by_each_settings_type():
    vary = compare.parse_vary(["optimizer=sgd,adam", "learning_rate=0.01, 0.1",
                               "batch_size=5,10", "normalize=true,off"])
    assert vary == {"optimizer": ("sgd", "adam"), "learning_rate": (0.01, 0.1),
                    "batch_size": (5, 10), "normalize": (True, False)}


@pytest.mark.parametrize("text, message", [
    ("optimizer", "SETTING=VALUE"), ("wings=2,3", "Unknown setting"),
    ("layers=8,4", "cannot be varied or searched"), ("batch_size=2.5", "takes a int"),
    ("learning_rate=fast", "takes a float"), ("seed=1,1", "twice"),
])
def test_a_bad_vary_says_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        compare.parse_vary([text])


def test_variants_are_every_combination_checked_by_the_experiments_rules():
    values = xor().values
    vs = compare.variants(values, {"optimizer": ("sgd", "adam"), "seed": (1, 2, 3)})
    assert len(vs) == 6 and vs[0].changes == {"optimizer": "sgd", "seed": 1}
    assert vs[-1].name == "optimizer=adam, seed=3"
    with pytest.raises(ValueError, match="batch_size=5000.*exceed"):
        compare.variants(values, {"batch_size": (10, 5000)})
    assert [v.changes["seed"] for v in compare.seed_variants(values, 5)] == [1, 2, 3, 4, 5]
    opt = compare.optimizer_variants(values)
    assert [v.changes["optimizer"] for v in opt] == ["sgd", "momentum", "rmsprop", "adam"]


def test_each_variant_trains_exactly_as_it_would_alone():
    doc = xor()
    vs = compare.variants(doc.values, {"learning_rate": (0.03, 0.3)})
    comparison = compare.Comparison(doc, vs, steps=120, workers=2)
    results = comparison.run()
    for r in results:
        alone = HeadlessRun(files.Document(Experiment({**doc.values, **r.variant.changes})
                                           .values()), resolution=2)
        alone.train(120)
        assert r.status == "done"
        for column, values in alone.history.as_dict().items():
            np.testing.assert_array_equal(np.asarray(r.history[column]), values)
    a, b = results
    assert a.metric("train_loss") != b.metric("train_loss")


def test_a_diverging_variant_is_recorded_and_the_others_finish():
    values = dict(presets.load("spiral").values, output_activation="linear", loss="mse",
                  optimizer="sgd", steps_per_frame=5)
    doc = files.Document(Experiment(values).values())
    vs = compare.variants(doc.values, {"learning_rate": (0.001, 10.0)})
    comparison = compare.Comparison(doc, vs, steps=200, workers=2)
    fine, wild = comparison.run()
    assert (fine.status, wild.status) == ("done", "diverged")
    assert "diverged" in wild.message and fine.outcome["steps"] == 200
    rows = list(csv.DictReader(io.StringIO(comparison.csv_text())))
    assert [r["status"] for r in rows] == ["done", "diverged"]
    assert [r["learning_rate"] for r in rows] == ["0.001", "10.0"]
    assert float(rows[0]["train_loss"]) == fine.metric("train_loss")


def test_cancel_stops_the_variants_and_leaves_no_process():
    doc = xor()
    vs = compare.seed_variants(doc.values, 3)
    comparison = compare.Comparison(doc, vs, steps=10**8, workers=2)
    comparison.start()
    pids = comparison.pool.pids()
    while not any(r.history for r in comparison.results):
        comparison.poll(timeout=1.0)
    comparison.cancel()
    assert [r.status for r in comparison.results] == ["cancelled"] * 3
    assert not comparison.running
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_variant_opens_as_an_experiment_of_its_own():
    doc = xor()
    comparison = compare.Comparison(doc, compare.variants(doc.values, {"seed": (4, 5)}),
                                    steps=10)
    opened = comparison.document_of(1)
    assert opened.values["seed"] == 5 and opened.trainer is None
    assert opened.meta["title"] == "seed=5"


def test_the_compare_command_writes_the_table_and_the_curves(tmp_path):
    out = tmp_path / "cmp"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "compare", "xor", "--vary",
         "optimizer=sgd,adam", "--steps", "60", "--workers", "2", "--out", str(out), "--json"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert [v["optimizer"] for v in result["variants"]] == ["sgd", "adam"]
    assert all(v["status"] == "done" and v["steps"] == 60 for v in result["variants"])
    assert "2 variants in 2 worker processes" in proc.stderr
    rows = list(csv.DictReader((out / "comparison.csv").open()))
    assert [r["variant"] for r in rows] == ["optimizer=sgd", "optimizer=adam"]
    picture = read_png((out / "comparison.png").read_bytes())
    assert picture.shape == (480, 900, 3) and picture.std() > 10


def test_the_compare_command_refuses_a_bad_request(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, str(ROOT / "main.py"), "compare", *args],
                              capture_output=True, text=True, timeout=300, cwd=tmp_path)
    proc = run("xor")
    assert proc.returncode == 2 and "give --vary" in proc.stderr
    proc = run("xor", "--vary", "wings=1,2")
    assert proc.returncode == 2 and "Unknown setting 'wings'" in proc.stderr
    proc = run("no_such_example", "--seeds", "2")
    assert proc.returncode == 1 and proc.stderr.startswith("error:")


def test_a_comparison_saves_with_its_experiment_and_opens_as_it_was(tmp_path):
    doc = xor()
    vs = compare.variants(doc.values, {"optimizer": ("sgd", "adam")})
    comparison = compare.Comparison(doc, vs, steps=90, workers=2)
    comparison.run()
    saved = files.save(tmp_path / "x.nnp", files.Document(doc.values,
                                                          comparison=comparison.section()))
    opened = files.load(saved)
    back = compare.Comparison.restored(opened)
    assert back.steps == 90 and not back.running
    for a, b in zip(comparison.results, back.results):
        assert (a.variant, a.status, a.seconds, a.outcome) == \
            (b.variant, b.status, b.seconds, b.outcome)
        for column, values in a.history.items():
            np.testing.assert_array_equal(np.asarray(b.history[column]), values)
    assert back.table() == comparison.table()
    # a plain experiment has none; a hostile section is refused by name
    assert files.load(files.save(tmp_path / "p.nnp", files.Document(doc.values))).comparison \
        is None
    bad = comparison.section()
    bad["variants"][1]["changes"] = {"batch_size": 10**6}
    with pytest.raises(ValueError, match="cannot save the comparison: .*Batch size"):
        files.save(tmp_path / "b.nnp", files.Document(doc.values, comparison=bad))
    section, arrays = comparison_file.encode(comparison.section())
    section["variants"][0]["status"] = "winning"
    with pytest.raises(files.FileFormatError, match="status 'winning' is unknown"):
        comparison_file.decode(section, arrays, doc.values)
    section, arrays = comparison_file.encode(comparison.section())
    arrays["comparison.1.test_loss"] = arrays["comparison.1.test_loss"][:-1]
    with pytest.raises(files.FileFormatError, match="variant 2: its 'test_loss' curve"):
        comparison_file.decode(section, arrays, doc.values)
    assert not list(tmp_path.glob("b.nnp*"))
