"""The lesson section of experiment files: saved and read back whole, checked strictly, absent
from plain experiments (so files written before lessons open unchanged)."""
import json
from pathlib import Path

import pytest
from files_helpers import pack, trained_document, unpack

from playground import file_sections, files
from playground.experiment import Experiment
from playground.fields import Layer

DATA = Path(__file__).parent / "data"


def lesson_section(**changes) -> dict:
    section = {"name": "my_lesson", "title": "A teacher's lesson", "concept": "Activations",
               "look_at": "Watch the boundary bend.", "formula": "ŷ = σ(w₀ + Xᵀw) ; g(z) = tanh z",
               "try_next": "Add a hidden layer.",
               "show_me": {"layers": (Layer(4, "tanh"),), "learning_rate": 0.05}}
    section.update(changes)
    return section


def lesson_document(**changes) -> files.Document:
    doc = trained_document(steps=20, hidden_panels=("data", "curves"))
    doc.lesson = lesson_section(**changes)
    return doc


def altered(doc: files.Document, change) -> bytes:
    """The file bytes of ``doc`` after ``change(parsed experiment.json)``."""
    document, arrays = unpack(files.dumps(doc))
    change(document)
    return pack(document, arrays)


def test_a_lesson_is_saved_and_read_back_with_the_experiment(tmp_path):
    doc = lesson_document()
    path = files.save(tmp_path / "lesson.nnp", doc)
    back = files.load(path)
    expected = dict(lesson_section(), show_me={
        "layers": [{"units": 4, "activation": "tanh", "init": "glorot_uniform", "dropout": 0.0}],
        "learning_rate": 0.05})
    assert back.lesson == expected
    assert back.values["hidden_panels"] == ("data", "curves")
    assert back.values == doc.values and back.step == doc.step == 20
    # a saved lesson saves again identically
    assert files.loads(files.dumps(back)).lesson == expected


def test_the_show_me_settings_read_from_a_file_apply_to_the_experiment(tmp_path):
    back = files.load(files.save(tmp_path / "l.nnp", lesson_document()))
    experiment = Experiment(back.values)
    experiment.update(back.lesson["show_me"])
    assert experiment.layers == (Layer(4, "tanh"),) and experiment.learning_rate == 0.05


def test_a_plain_experiment_has_no_lesson_section():
    doc = trained_document(steps=5)
    document, _ = unpack(files.dumps(doc))
    assert "lesson" not in document
    assert files.loads(files.dumps(doc)).lesson is None


def test_an_old_file_opens_unchanged_without_a_lesson():
    doc = files.load(DATA / "adamw_v1.nnp")
    assert doc.lesson is None and doc.values["hidden_panels"] == ()


@pytest.mark.parametrize("change, words", [
    (lambda d: d["lesson"].update(colour="red"), "unknown entry 'colour'"),
    (lambda d: d["lesson"].pop("formula"), "no 'formula'"),
    (lambda d: d["lesson"].update(title=3), "'title' must be text"),
    (lambda d: d["lesson"].update(title="   "), "'title' is empty"),
    (lambda d: d["lesson"].update(look_at="x" * (file_sections.MAX_LESSON_TEXT + 1)),
     "characters long"),
    (lambda d: d.update(lesson=["not", "an", "object"]), "must be an object"),
    (lambda d: d["lesson"].update(show_me=[]), "must be an object"),
    (lambda d: d["lesson"]["show_me"].update(wobble=1), "Unknown setting 'wobble'"),
    (lambda d: d["lesson"]["show_me"].update(learning_rate=-1.0), "learning_rate"),
])
def test_a_bad_lesson_section_is_refused_by_name(change, words):
    data = altered(lesson_document(), change)
    with pytest.raises(files.FileFormatError) as caught:
        files.loads(data)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_lesson_that_cannot_be_read_back_is_not_written(tmp_path):
    target = tmp_path / "bad.nnp"
    doc = lesson_document(show_me={"optimizer": "no_such_optimizer"})
    with pytest.raises(ValueError, match="cannot save the lesson"):
        files.save(target, doc)
    assert not target.exists()
    doc = lesson_document()
    doc.lesson.pop("try_next")
    with pytest.raises(ValueError, match="no 'try_next'"):
        files.dumps(doc)


def test_lesson_text_is_kept_exactly_even_when_it_looks_like_markup(tmp_path):
    text = "<b>bold?</b> & <a href='x'>link</a> — ∂L/∂w ≤ ¼"
    doc = lesson_document(look_at=text, formula=text)
    back = files.load(files.save(tmp_path / "m.nnp", doc))
    assert back.lesson["look_at"] == back.lesson["formula"] == text
    document, _ = unpack(files.dumps(back))
    assert json.dumps(document["lesson"], ensure_ascii=False).count("∂L/∂w") == 2
