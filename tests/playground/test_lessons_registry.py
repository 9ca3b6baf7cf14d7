"""The lesson registry: every declared lesson listed once, grouped by concept, its shipped file
exactly what its declaration builds, opened by name from the command line like an example."""
import json

import numpy as np
import pytest

from playground import cli, files, lessons, presets
from playground.experiment import Experiment
from playground.fields import Layer
from playground.lab_lessons import LAB_LESSONS
from playground.lesson_catalog import LESSONS as CATALOG
from playground.lesson_spec import Lesson

EXPERIMENT_LESSONS = [lesson for lesson in lessons.LESSONS if not lesson.is_lab]

#: Lessons of this test's own, for the rules that do not depend on the shipped catalog.
OWN = (
    Lesson("own_a", "First", "Alpha", look_at="a", formula="x ; y", try_next="b",
           changes={"dataset": "xor", "layers": (Layer(3, "tanh"),)},
           show_me={"layers": (Layer(3, "relu", "he_normal"),)}),
    Lesson("own_b", "Second", "Beta", look_at="c", formula="z", try_next="d",
           changes={"learning_rate": 0.1}),
    Lesson("own_c", "Third", "Alpha", look_at="e", formula="w", try_next="f",
           lab={"surface": "rosenbrock"}),
)


def call(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- the registry --------------------------------------------------------------------------
def test_every_declared_lesson_is_listed_once_experiment_lessons_first():
    assert lessons.LESSONS == tuple(CATALOG) + tuple(LAB_LESSONS)
    assert list(lessons.LESSONS_BY_NAME) == [lesson.name for lesson in lessons.LESSONS]
    assert len(lessons.LESSONS_BY_NAME) == len(lessons.LESSONS)
    assert not set(lessons.names()) & set(presets.names())
    lessons.check()             # the shipped declarations pass every rule


def test_the_course_has_at_least_25_lessons():
    assert len(lessons.LESSONS) >= 25


def test_lessons_are_grouped_by_concept_in_the_order_concepts_first_appear():
    groups = lessons.by_concept(OWN)
    assert [(concept, [lesson.name for lesson in group]) for concept, group in groups] == \
        [("Alpha", ["own_a", "own_c"]), ("Beta", ["own_b"])]
    shipped = lessons.by_concept()
    assert sorted(lesson.name for _, group in shipped for lesson in group) == \
        sorted(lessons.names())
    assert len({concept for concept, _ in shipped}) == len(shipped)


def test_a_lessons_document_is_its_declaration():
    doc = lessons.document(OWN[0])
    assert doc.values == Experiment(OWN[0].changes).values()
    assert doc.lesson == {"name": "own_a", "title": "First", "concept": "Alpha",
                          "look_at": "a", "formula": "x ; y", "try_next": "b",
                          "show_me": {"layers": [{"units": 3, "activation": "relu",
                                                  "init": "he_normal", "dropout": 0.0}]}}
    with pytest.raises(ValueError, match="optimizer-lab lesson"):
        lessons.document(OWN[2])


@pytest.mark.parametrize("bad, words", [
    ((OWN[0], OWN[0]), "two lessons are named 'own_a'"),
    ((Lesson("xor", "X", "C", "", "", ""),), "name of an example"),
    ((Lesson("has space", "X", "C", "", "", ""),), "letters, digits and _"),
    ((Lesson("lab_x", "X", "C", "", "", "", changes={"noise": 0.1}, lab={}),),
     "must not change experiment settings"),
    ((Lesson("bad_show", "X", "C", "", "", "", show_me={"optimizer": "nope"}),),
     "optimizer"),
    ((Lesson("bad_changes", "X", "C", "", "", "", changes={"wobble": 1}),), "wobble"),
])
def test_check_names_the_first_problem_of_the_declarations(bad, words):
    with pytest.raises(ValueError, match=words):
        lessons.check(bad)


# ---- the shipped files -----------------------------------------------------------------------
def test_the_shipped_folder_holds_exactly_the_experiment_lessons():
    shipped = {p.stem for p in lessons.LESSONS_DIR.glob(f"*{files.EXTENSION}")}
    assert shipped == {lesson.name for lesson in EXPERIMENT_LESSONS}


@pytest.mark.parametrize("name", [lesson.name for lesson in EXPERIMENT_LESSONS])
def test_each_shipped_lesson_file_is_its_declaration_at_step_0(name):
    lesson = lessons.LESSONS_BY_NAME[name]
    doc = lessons.load(name)
    assert doc.values == lessons.document(lesson).values
    assert doc.lesson == lessons.section(lesson)
    assert doc.meta["title"] == lesson.title and doc.step == 0
    if lesson.show_me:           # the file's Show me step is the declaration's
        from_file, declared = Experiment(doc.values), Experiment(lesson.changes)
        from_file.update(doc.lesson["show_me"])
        declared.update(lesson.show_me)
        assert from_file.values() == declared.values() != doc.values


def test_rebuilding_the_lessons_gives_the_shipped_files(tmp_path):
    written = lessons.build(tmp_path)
    assert {p.name for p in written} == {p.name for p in lessons.LESSONS_DIR.iterdir()}
    for path in written:
        rebuilt, shipped = files.load(path), files.load(lessons.LESSONS_DIR / path.name)
        assert rebuilt.values == shipped.values and rebuilt.lesson == shipped.lesson
        assert rebuilt.meta == shipped.meta
        # bit for bit on the machine that built them; elsewhere BLAS kernels and numpy's
        # vectorised log differ in the last bit (seen on an AMD EPYC: one loss 1 ulp apart)
        np.testing.assert_allclose(rebuilt.trainer["params"], shipped.trainer["params"],
                                   rtol=1e-9, atol=1e-12)
        for column in files.history_module.COLUMNS:
            np.testing.assert_allclose(rebuilt.history[column], shipped.history[column],
                                       rtol=1e-9, atol=1e-12)


# ---- opening by name -----------------------------------------------------------------------------
def test_resolve_finds_files_then_examples_then_lessons(tmp_path, monkeypatch):
    doc, name, path = lessons.resolve("zeros_init")
    assert (name, path) == ("zeros_init", None) and doc.lesson["title"] == \
        lessons.LESSONS_BY_NAME["zeros_init"].title
    doc, name, path = lessons.resolve("xor")
    assert name == "xor" and doc.lesson is None and doc.meta["preset"] == "xor"
    with pytest.raises(ValueError, match="optimizer-lab lesson"):
        lessons.resolve(LAB_LESSONS[0].name)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="list"):
        lessons.resolve("no_such_lesson")
    (tmp_path / "zeros_init").write_text("not an experiment")
    with pytest.raises(files.FileFormatError):        # a path that exists wins
        lessons.resolve("zeros_init")


def test_list_marks_the_lessons(capsys):
    code, out, _ = call(capsys, "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[0] == "default"
    by_name = {line.split()[0]: line for line in lines}
    assert set(by_name) == set(presets.names()) | set(presets.image_names()) | set(lessons.names())
    assert "[lesson]" in by_name["zeros_init"] and "[lesson]" not in by_name["xor"]
    assert "[lab lesson]" in by_name[LAB_LESSONS[0].name]
    code, out, _ = call(capsys, "list", "--json")
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["xor"]["kind"] == "example" and rows["zeros_init"]["kind"] == "lesson"
    assert rows["zeros_init"]["concept"] == lessons.LESSONS_BY_NAME["zeros_init"].concept
    assert rows[LAB_LESSONS[0].name]["kind"] == "lab lesson"


def test_a_lesson_runs_by_name_without_a_window(capsys, tmp_path):
    code, out, _ = call(capsys, "run", "zeros_init", "--steps", "12", "--out", str(tmp_path),
                        "--json")
    result = json.loads(out)
    assert code == 0 and result["steps"] == 12 and result["experiment"] == "zeros_init"
    assert files.load(tmp_path / "zeros_init.nnp").step == 12


def test_a_lab_lesson_is_not_run_as_an_experiment(capsys, tmp_path):
    code, out, err = call(capsys, "run", LAB_LESSONS[0].name, "--out", str(tmp_path))
    assert code == cli.EXIT_BAD_INPUT and out == ""
    assert "optimizer-lab lesson" in err and len(err.strip().splitlines()) == 1


def test_a_lesson_opens_in_the_window_by_name(capsys):
    doc, path, code = cli.document_for_window("nonlinear_xor")
    assert code == 0 and path is None
    assert doc.lesson == lessons.section(lessons.LESSONS_BY_NAME["nonlinear_xor"])
