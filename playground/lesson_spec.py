"""What a lesson is: a ready experiment (or optimizer-lab setup) with its explanation.

A lesson is declared once, as a ``Lesson``; ``playground.lessons`` builds the lesson files
(the experiment file format, with the explanation kept in the file's ``lesson`` section), lists
them and opens them by name. A teacher's own lessons are files of the same format.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Lesson:
    """One concept of the course, ready to show.

    name      : the key used on the command line and in file names (``python main.py zeros_init``)
    title     : the heading the lesson panel shows
    concept   : the course topic it belongs to (groups the Lessons menu), e.g. "Initialization"
    look_at   : what to look at, in a sentence or two
    formula   : the formula, plain text with Unicode symbols (the panel renders it large)
    try_next  : what to try next
    changes   : experiment settings that differ from the defaults (as ``Preset.changes``);
                ``hidden_panels`` among them hides panels from the class
    show_me   : settings the "Show me" step applies before it plays (empty: no such step)
    lab       : for an optimizer-lab lesson, the lab setup (``playground.lab``'s dict) instead
                of an experiment; ``changes`` is then empty
    """
    name: str
    title: str
    concept: str
    look_at: str
    formula: str
    try_next: str
    changes: dict = field(default_factory=dict)
    show_me: dict = field(default_factory=dict)
    lab: dict | None = None

    @property
    def is_lab(self) -> bool:
        return self.lab is not None
