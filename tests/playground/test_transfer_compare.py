"""Transfer beside learning from scratch as variants of one comparison (playground.compare with
Variant.start, playground.transfer.scratch_variants): the transfer variant trains in its worker
exactly as the transferred experiment trains alone, the scratch variant as a fresh network."""
import numpy as np

from playground import compare, files, transfer
from playground.headless import HeadlessRun
from tests.playground import lesson_runs

STEPS = 20


def source_document():
    source = lesson_runs.run("transfer_few_examples", show_me=True)
    source.trainer.run(30)
    return source.document()


def test_transfer_and_scratch_variants_train_as_they_would_alone():
    source = source_document()
    target = lesson_runs.values("transfer_few_examples")
    variant_list = transfer.scratch_variants(target, source, copy=(0, 2), freeze=(0, 2))
    assert [v.name for v in variant_list] == ["transfer (conv layers frozen)", "from scratch"]
    base = transfer.comparison_settings(target, source.values)
    comparison = compare.Comparison(files.Document(base), variant_list, steps=STEPS, workers=1)
    results = comparison.run()
    assert [r.status for r in results] == ["done", "done"], [r.message for r in results]

    start = transfer.transfer(source, {k: v for k, v in base.items() if k != "layers"},
                              (0, 2), (0, 2))
    alone = HeadlessRun(start, resolution=2)
    alone.train(STEPS)
    scratch = HeadlessRun(files.Document(base), resolution=2)
    scratch.train(STEPS)
    for result, run in zip(results, (alone, scratch)):
        np.testing.assert_array_equal(result.history["train_loss"],
                                      run.history.as_dict()["train_loss"])
    # the frozen conv layers kept the source's weights; the transfer opens from its start
    doc = comparison.document_of(0)
    np.testing.assert_array_equal(doc.trainer["params"], start.trainer["params"])
    assert comparison.document_of(1).trainer is None


def test_a_start_of_other_settings_is_refused_by_name():
    source = source_document()
    try:
        compare.starting_state(source, lesson_runs.values("transfer_few_examples"))
    except ValueError as error:
        assert "other settings" in str(error)
    else:
        raise AssertionError("a network of other classes was accepted as a start")
