"""The lessons: every declared lesson by name, their files in ``assets/lessons``, opening by name.

``LESSONS`` holds the experiment lessons of ``playground.lesson_catalog`` and the optimizer-lab
lessons of ``playground.lab_lessons``, in that order; ``LESSONS_BY_NAME`` finds one by its name.
An experiment lesson is shipped as a file of the experiment format (``assets/lessons/NAME.nnp``:
its settings, its hidden panels, the network at step 0 and the explanation in the file's
``lesson`` section), built from the declarations by ``python -m playground.lessons`` exactly as
the examples are by ``python -m playground.presets``. A lab lesson has no file: its race is
its declaration's ``lab`` setup, opened in the lab window.

A teacher's own lesson is a file of the same kind (File > Save as lesson...), opened like any
experiment file. ``resolve`` opens a name or a path for the command line: a path that exists,
else an example, else an experiment lesson.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from playground import files, presets
from playground.lab_lessons import LAB_LESSONS
from playground.lesson_catalog import LESSONS as EXPERIMENT_LESSONS
from playground.lesson_spec import Lesson

LESSONS_DIR = Path(__file__).resolve().parent.parent / "assets" / "lessons"

LESSONS: tuple[Lesson, ...] = tuple(EXPERIMENT_LESSONS) + tuple(LAB_LESSONS)
LESSONS_BY_NAME: dict[str, Lesson] = {lesson.name: lesson for lesson in LESSONS}


def names() -> tuple[str, ...]:
    return tuple(LESSONS_BY_NAME)


def path(lesson: Lesson) -> Path:
    """Where the shipped file of an experiment lesson lies."""
    return LESSONS_DIR / f"{lesson.name}{files.EXTENSION}"


def by_concept(lessons=None) -> list[tuple[str, list[Lesson]]]:
    """[(concept, its lessons)], concepts in the order they first appear (the course's order),
    lessons in their declared order within each: the Lessons menu's groups."""
    groups: dict[str, list[Lesson]] = {}
    for lesson in LESSONS if lessons is None else lessons:
        groups.setdefault(lesson.concept, []).append(lesson)
    return list(groups.items())


def section(lesson: Lesson) -> dict:
    """The ``lesson`` section of the file (see ``file_sections.LESSON_KEYS``): the explanation,
    and the Show me settings as the file stores them."""
    return {"name": lesson.name, "title": lesson.title, "concept": lesson.concept,
            "look_at": lesson.look_at, "formula": lesson.formula, "try_next": lesson.try_next,
            "show_me": files.to_json(dict(lesson.show_me))}


def document(lesson: Lesson) -> files.Document:
    """A fresh document for an experiment lesson (settings only: the network comes from the
    seed). ValueError for a lab lesson, which is no experiment."""
    if lesson.is_lab:
        raise ValueError(f"{lesson.name!r} is an optimizer-lab lesson; it opens in the lab "
                         f"window, not as an experiment.")
    from playground.experiment import Experiment
    values = Experiment(dict(lesson.changes) or None).values()
    return files.Document(values, meta={"title": lesson.title}, lesson=section(lesson))


def check(lessons=None) -> None:
    """ValueError naming the first problem of the declarations: a name used twice or also an
    example's, a name that cannot be a file name, a lab lesson with experiment changes, or an
    experiment lesson whose settings or Show me step the experiment refuses."""
    seen: set[str] = set()
    for lesson in LESSONS if lessons is None else lessons:
        name = lesson.name
        if not name or not name.replace("_", "").isalnum() or not name.isascii():
            raise ValueError(f"lesson name {name!r} must be letters, digits and _ only")
        if name in seen:
            raise ValueError(f"two lessons are named {name!r}")
        if name in presets.PRESETS_BY_NAME:
            raise ValueError(f"lesson {name!r} has the name of an example")
        seen.add(name)
        if lesson.is_lab:
            if lesson.changes or lesson.show_me:
                raise ValueError(f"lab lesson {name!r} must not change experiment settings")
            continue
        doc = document(lesson)
        files.lesson_to_json(doc.lesson, doc.values)       # (checks the Show me settings)


def load(name: str) -> files.Document:
    """The shipped file of experiment lesson ``name``; KeyError for an unknown name, ValueError
    for a lab lesson, FileFormatError if the file is missing or damaged."""
    lesson = LESSONS_BY_NAME.get(name)
    if lesson is None:
        raise KeyError(f"no lesson named {name!r}; lessons: {', '.join(names())}")
    if lesson.is_lab:
        raise ValueError(f"{name!r} is an optimizer-lab lesson: open it from the Lessons menu "
                         f"of the window (it runs in the lab window, not as an experiment).")
    return files.load(path(lesson))


def resolve(name_or_path: str | os.PathLike) -> tuple[files.Document, str, Path | None]:
    """(document, short name, path or None) for a file path, an example's name or a lesson's.

    A path that exists wins; then the examples, then the lessons. Raises FileFormatError for a
    bad file, ValueError for a lab lesson and FileNotFoundError when it is none of them."""
    text = str(name_or_path)
    if Path(name_or_path).exists() or text in presets.PRESETS_BY_NAME:
        return presets.resolve(name_or_path)
    if text in LESSONS_BY_NAME:
        return load(text), text, None
    raise FileNotFoundError(f"{text!r} is neither an experiment file nor an example or a "
                            f"lesson (see 'nn-playground list').")


def build(folder: Path = LESSONS_DIR) -> list[Path]:
    """Write every experiment lesson's file into ``folder``: its settings, the network at step
    0 (drawn from the seed), the first history row and the explanation."""
    from playground.headless import HeadlessRun
    check()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for lesson in LESSONS:
        if lesson.is_lab:
            continue
        doc = HeadlessRun(document(lesson), resolution=2).document()
        doc.lesson = section(lesson)
        written.append(files.save(folder / f"{lesson.name}{files.EXTENSION}", doc))
    return written


if __name__ == "__main__":
    for p in build(Path(sys.argv[1]) if len(sys.argv) > 1 else LESSONS_DIR):
        print(p)
