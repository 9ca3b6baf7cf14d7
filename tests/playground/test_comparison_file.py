"""A saved comparison's starting networks (playground.comparison_file, compare.starting_state):
a variant that starts from given weights opens again with them; one whose weights do not fit
its own network (a hand-edited or foreign file: fewer numbers than its layers hold) is refused
on opening, naming the variant and both sizes, the way every other bad entry of the section is
(the file is refused whole, so nothing of the open experiment is replaced)."""
import numpy as np
import pytest
from files_helpers import pack, trained_document, unpack

from playground import compare, files
from playground.history import COLUMNS


@pytest.fixture(scope="module")
def saved():
    """(the trained document, the file bytes of it with a two-variant comparison: "warm"
    starts from its weights, "faster" from fresh ones)."""
    doc = trained_document(steps=10)
    empty = {c: np.zeros(0) for c in COLUMNS}
    variants = [{"name": "warm", "changes": {}, "status": "cancelled", "seconds": None,
                 "message": "", "outcome": {}, "history": empty, "start_state": doc.trainer},
                {"name": "faster", "changes": {"learning_rate": 0.1}, "status": "cancelled",
                 "seconds": None, "message": "", "outcome": {}, "history": empty,
                 "start_state": None}]
    section = {"steps": 20, "epochs": None, "variants": variants}
    return doc, files.dumps(files.Document(doc.values, doc.trainer, comparison=section))


def short_by(data: bytes, k: int) -> bytes:
    """The file with its first variant's starting weights, first weights and optimizer slots
    cut by ``k`` numbers, its ``n_params`` edited to match (a start of another network)."""
    document, arrays = unpack(data)
    n = document["comparison"]["variants"][0]["start"]["n_params"]
    for key in ("params", "initial_params", "slots"):
        name = f"comparison.0.start.{key}"
        assert arrays[name].shape[-1] == n
        arrays[name] = np.ascontiguousarray(arrays[name][..., :n - k])
    document["comparison"]["variants"][0]["start"]["n_params"] = n - k
    return pack(document, arrays)


def test_a_starting_network_that_fits_opens_with_its_weights(saved):
    doc, data = saved
    back = files.loads(data).comparison["variants"]
    np.testing.assert_array_equal(back[0]["start_state"]["params"], doc.trainer["params"])
    assert back[1]["start_state"] is None
    restored = compare.Comparison.restored(files.loads(data))
    np.testing.assert_array_equal(restored.document_of(0).trainer["params"],
                                  doc.trainer["params"])


def test_a_starting_network_of_another_size_is_refused_naming_variant_and_sizes(saved):
    doc, data = saved
    n = len(doc.trainer["params"])
    with pytest.raises(files.FileFormatError) as caught:
        files.loads(short_by(data, 2))
    message = str(caught.value)
    assert message.startswith("comparison variant 1: its starting network ('warm'):")
    assert f"the weights hold {n - 2} numbers" in message and f"describe has {n}" in message
    assert "\n" not in message


def test_a_start_given_in_code_that_does_not_fit_is_refused_before_training(saved):
    doc, _ = saved
    state = dict(doc.trainer, params=doc.trainer["params"][:-1],
                 initial_params=doc.trainer["initial_params"][:-1],
                 slots=doc.trainer["slots"][..., :-1])
    n = len(doc.trainer["params"])
    with pytest.raises(ValueError, match=f"starting network: the weights hold {n - 1} numbers "
                                         f"but the network the settings describe has {n}"):
        compare.starting_state(files.Document(doc.values, state), doc.values)
    assert compare.starting_state(doc, doc.values) is doc.trainer
