"""A lab lesson opens the optimizer lab, from the Lessons menu and from the command line."""
import os
import subprocess
import sys
from pathlib import Path

import main
from playground.canvas import read_png
from playground.lab_lessons import LAB_LESSONS

ROOT = Path(__file__).resolve().parents[2]


def test_the_lessons_menu_opens_a_lab_lesson_with_its_explanation(make_window):
    window = make_window()
    lesson = LAB_LESSONS[0]
    assert window.lesson_menu.open(lesson.name)
    lab = window.lab_actions.labs[-1]
    assert lab.isVisible() and lesson.title in lab.windowTitle()
    assert main.lab_lesson_named(lesson.name) == lesson.name
    assert main.lab_lesson_named("spiral") is None and main.lab_lesson_named(None) is None


def test_the_command_line_opens_a_lab_lesson_in_the_lab(tmp_path):
    out = tmp_path / "lab.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), LAB_LESSONS[1].name,
                           "--screenshot", str(out), "--size", "900x600", "--steps", "20"],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "the lab at step 20" in proc.stdout
    picture = read_png(out.read_bytes())
    assert picture.shape[:2] == (600, 900) and picture.std() > 10
