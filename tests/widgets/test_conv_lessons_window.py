"""The conv-net lessons in a real main window: each opens from the Lessons menu as an image
experiment with its explanation, and its Show me step swaps in the network (or the data set)
it names and plays up to the lesson's stop epoch, where the filters of the new network show."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from playground import lessons
from playground.lesson_catalog_images import IMAGE_LESSONS

TIMEOUT = 60_000     # ms: a bound on waits for the worker on a busy machine, never a target
NAMES = [lesson.name for lesson in IMAGE_LESSONS]


def open_from_menu(window, name: str) -> None:
    (menu,) = [a.menu() for a in window.menuBar().actions()
               if a.menu() is not None and a.text().replace("&", "") == "Lessons"]
    (action,) = [a for sub in menu.actions() if sub.menu() is not None
                 for a in sub.menu().actions() if a.data() == name]
    action.trigger()


def test_the_conv_lessons_are_one_group_of_the_lessons_menu_in_the_courses_order():
    groups = dict(lessons.by_concept())
    assert [lesson.name for lesson in groups["Conv nets"]][:3] == NAMES[:3] == [
        "conv_weight_sharing", "pooling", "digit_filters"]


@pytest.mark.parametrize("name", NAMES[:3])
def test_a_conv_lesson_opens_as_an_image_experiment_and_its_show_me_plays_to_its_stop(
        make_window, qtbot, name):
    lesson = lessons.LESSONS_BY_NAME[name]
    window = make_window()
    open_from_menu(window, name)
    session, panel = window.session, window.lesson_menu.panel
    assert window.experiment.values() == lessons.document(lesson).values
    qtbot.waitUntil(lambda: panel.show_me_button.isVisible(), timeout=TIMEOUT)
    assert session.modality == "images" and not session.running
    qtbot.mouseClick(panel.show_me_button, Qt.MouseButton.LeftButton)
    for field, value in lesson.show_me.items():
        assert window.experiment.values()[field] == value
    window.experiment.update({"steps_per_frame": 45})   # the speed slider, for a short test
    stop = lesson.changes["stop_at_epoch"]

    def stopped_at_the_lesson_epoch():
        latest = session.latest
        return (not session.running and latest is not None
                and latest.generation == session.generation and latest.epoch == stop)
    qtbot.waitUntil(stopped_at_the_lesson_epoch, timeout=TIMEOUT)
    images = session.latest.images
    assert images is not None and images.filters          # the first conv layer's filters
    label, kernel = images.filters[0]
    k = 3 if name == "conv_weight_sharing" else 5
    assert kernel.shape == (8, 1, k, k)
    assert np.all(np.isfinite(kernel)) and session.latest.test_accuracy > 0.8
