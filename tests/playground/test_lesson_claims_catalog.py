"""The experiment lessons as declared: valid settings, short texts and a claim test each."""
import keyword
import re
from pathlib import Path

import pytest

from lesson_runs import run, values
from playground import presets
from playground.lab_lessons import LAB_LESSONS
from playground.experiment import Experiment
from playground.fields import FIELDS_BY_NAME, defaults
from playground.lesson_catalog import LESSONS

NAMES = [lesson.name for lesson in LESSONS]
CLAIM_TESTS = sorted(Path(__file__).parent.glob("test_lesson_claims_*.py"))


def test_the_issues_lessons_are_all_there():
    assert len(LESSONS) >= 20
    assert len(set(NAMES)) == len(NAMES)
    assert not set(NAMES) & set(presets.names())      # opened by name, like the examples
    assert not set(NAMES) & {lesson.name for lesson in LAB_LESSONS}


@pytest.mark.parametrize("lesson", LESSONS, ids=NAMES)
def test_a_lesson_is_a_valid_experiment_with_a_show_me_step(lesson):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", lesson.name) and not keyword.iskeyword(lesson.name)
    assert not lesson.is_lab
    assert set(lesson.changes) | set(lesson.show_me) <= set(FIELDS_BY_NAME)
    base = Experiment({**defaults(), **lesson.changes}).values()
    for name, value in lesson.changes.items():
        assert base[name] == value, f"{lesson.name}: {name} was changed on validation"
    shown = values(lesson.name, show_me=True)
    assert shown != base, f"{lesson.name}: Show me changes nothing"
    for name, value in lesson.show_me.items():
        assert shown[name] == value


@pytest.mark.parametrize("lesson", LESSONS, ids=NAMES)
def test_a_lesson_explains_itself_briefly(lesson):
    assert 0 < len(lesson.title) <= 45
    assert lesson.concept
    assert 40 <= len(lesson.look_at) <= 240
    assert 10 <= len(lesson.formula) <= 110
    assert 30 <= len(lesson.try_next) <= 160


def test_every_lesson_has_its_claim_tested():
    text = "\n".join(p.read_text(encoding="utf-8") for p in CLAIM_TESTS
                     if p.name != Path(__file__).name)
    untested = [name for name in NAMES if f'"{name}"' not in text]
    assert not untested


@pytest.mark.parametrize("lesson", LESSONS, ids=NAMES)
def test_a_lesson_and_its_show_me_open_and_train_headlessly(lesson):
    for shown in (False, True):
        r = run(lesson.name, show_me=shown)
        assert len(r.trainer.spec.hidden) == len(r.values["layers"])
        r.train(r.values["steps_per_frame"])
        assert r.trainer.step_count == r.values["steps_per_frame"] or r.diverged
