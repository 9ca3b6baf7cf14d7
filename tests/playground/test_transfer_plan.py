"""The ready transfer comparison of the transfer_shapes example and lesson (transfer.PLANS):
which experiments have it, what its variants train, ``main.py compare transfer_shapes`` end to
end, and a saved comparison that keeps the transfer variant's starting network, so reopening
the file runs it again from the same numbers."""
import csv
import json

import numpy as np
import pytest

from playground import cli, compare, files, presets, transfer
from playground.experiment import Experiment
from playground.headless import HeadlessRun
from tests.playground import lesson_runs

STEPS = 15
#: The plan made tiny for a test: the lines learnt 40 steps, 15 steps each, two seeds.
TINY = transfer.TransferPlan(transfer.FEW_SHAPES, {"classes": (0, 1, 2, 3), "per_class": 0},
                             40, copy=(0, 2), freeze=(0, 2), seeds=(1, 2), steps=STEPS)


def test_the_example_and_the_lesson_have_the_plan_and_so_do_their_settings():
    example = presets.load("transfer_shapes")
    assert transfer.plan_of(example) is transfer.SHAPES_PLAN
    assert example.values["stop_at_epoch"] == transfer.SHAPES_PLAN.steps
    lesson_doc = files.Document(lesson_runs.values("transfer_few_examples"),
                                lesson={"name": "transfer_few_examples"})
    assert transfer.plan_of(lesson_doc) is transfer.SHAPES_PLAN
    # the same task saved under another name (another seed, its layers frozen) has it too
    values = dict(example.values, seed=7,
                  layers=transfer.transferred_layers(example.values["layers"], (0, 2), (0,)))
    assert transfer.plan_of(files.Document(Experiment(values).values())) is not None
    assert transfer.plan_of(presets.load("lenet_shapes")) is None
    assert transfer.plan_of(files.Document(dict(example.values, noise=0.1))) is None


def test_the_plans_variants_learn_the_few_examples_even_after_show_me():
    shown = lesson_runs.values("transfer_few_examples", show_me=True)      # the four lines
    assert shown["classes"] == (0, 1, 2, 3)
    variant_list = transfer.SHAPES_PLAN.variants(shown)
    assert [v.name for v in variant_list] == [
        f"{kind}, seed {seed}" for seed in (1, 2, 3)
        for kind in ("transfer (conv layers frozen)", transfer.SCRATCH)]
    for v in variant_list:
        values = Experiment({**shown, **v.changes}).values()
        assert values["classes"] == (4, 5, 6, 7) and values["per_class"] == 3
        assert [layer.frozen for layer in values["layers"]][:3] == \
            ([True, False, True] if v.start is not None else [False] * 3)
    source = variant_list[0].start
    assert isinstance(source, transfer.FromSource) and source.steps == 1000
    assert source.source["classes"] == (0, 1, 2, 3) and source.source["per_class"] == 0


def test_compare_transfer_shapes_trains_both_and_prints_both_accuracies_per_seed(
        tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(transfer.PLANS, "transfer_shapes", TINY)
    code = cli.main(["compare", "transfer_shapes", "--workers", "2", "--json",
                     "--out", str(tmp_path)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    rows = out["variants"]
    assert [r["variant"] for r in rows] == ["transfer (conv layers frozen), seed 1",
                                            "from scratch, seed 1",
                                            "transfer (conv layers frozen), seed 2",
                                            "from scratch, seed 2"]
    assert all(r["status"] == "done" and r["steps"] == STEPS for r in rows)
    assert "layers" not in rows[0] and [r["seed"] for r in rows] == [1, 1, 2, 2]
    assert [p["seed"] for p in out["transfer"]] == [1, 2]
    for pair, (a, b) in zip(out["transfer"], zip(rows[::2], rows[1::2])):
        assert (pair["transfer"], pair["scratch"]) == (a["test_accuracy"], b["test_accuracy"])
        assert pair["gain"] == pytest.approx(a["test_accuracy"] - b["test_accuracy"])
    # the scratch run of seed 2 is the example learnt alone from seed 2
    alone = HeadlessRun(files.Document(dict(presets.load("transfer_shapes").values, seed=2)),
                        resolution=2)
    alone.train(STEPS)
    assert rows[3]["test_accuracy"] == alone.history.as_dict()["test_accuracy"][-1]
    with open(tmp_path / "comparison.csv", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header[:3] == ["variant", "seed", "status"] and "layers" not in header

    code = cli.main(["compare", "transfer_shapes", "--workers", "2", "--out", str(tmp_path)])
    text = capsys.readouterr().out
    assert code == 0
    for pair in out["transfer"]:
        assert (f"seed {pair['seed']}: test accuracy {pair['transfer']:.3f} with transfer, "
                f"{pair['scratch']:.3f} from scratch") in text


def test_transfer_is_refused_for_an_experiment_without_a_plan(capsys, tmp_path):
    code = cli.main(["compare", "xor", "--transfer", "--out", str(tmp_path)])
    assert code == 2 and "no ready transfer comparison" in capsys.readouterr().err
    code = cli.main(["compare", "xor", "--out", str(tmp_path)])
    assert code == 2 and "--transfer" in capsys.readouterr().err


@pytest.fixture(scope="module")
def finished():
    """A finished tiny comparison of the plan (one seed) and the file that keeps it."""
    values = presets.load("transfer_shapes").values
    comparison = compare.Comparison(files.Document(values), TINY.variants(values, seeds=(1,)),
                                    steps=STEPS, workers=1)
    results = comparison.run()
    assert [r.status for r in results] == ["done", "done"], [r.message for r in results]
    doc = files.Document(values, comparison=comparison.section())
    return comparison, files.loads(files.dumps(doc))


def test_a_saved_comparison_keeps_the_transfer_variants_starting_network(finished):
    comparison, reopened = finished
    section = reopened.comparison
    start = section["variants"][0]["start_state"]
    assert section["variants"][1]["start_state"] is None             # fresh weights
    for key in ("params", "initial_params", "slots"):
        np.testing.assert_array_equal(start[key], comparison.results[0].start_state[key])
    restored = compare.Comparison.restored(reopened)
    opened = restored.document_of(0)                  # Open as experiment: the start again
    np.testing.assert_array_equal(opened.trainer["params"], start["params"])
    assert opened.values["layers"][0].frozen and opened.values["classes"] == (4, 5, 6, 7)
    # run anew, every variant follows its saved curve number for number
    again = compare.Comparison(reopened, [r.variant for r in restored.results], steps=STEPS,
                               workers=1)
    for old, new in zip(comparison.results, again.run()):
        np.testing.assert_array_equal(new.history["train_loss"], old.history["train_loss"])
        np.testing.assert_array_equal(new.history["test_accuracy"],
                                      old.history["test_accuracy"])


def test_a_damaged_starting_network_is_named(finished):
    comparison, _ = finished
    values = comparison.values
    section = comparison.section()
    section["variants"][0]["start_state"] = dict(section["variants"][0]["start_state"],
                                                 params=np.zeros(3))
    with pytest.raises(ValueError, match="params"):
        files.dumps(files.Document(values, comparison=section))
    from playground import comparison_file
    data, arrays = comparison_file.encode(comparison.section())
    del arrays["comparison.0.start.slots"]
    with pytest.raises(files.FileFormatError, match="variant 1: its starting network.*slots"):
        comparison_file.decode(data, arrays, values)
