"""Data panel, training panel and toolbar: each control changes the experiment, and each
experiment change shows in the control."""
from PySide6.QtCore import QPoint, Qt

LEFT = Qt.MouseButton.LeftButton
TIMEOUT = 30_000     # ms: a bound on waits for the worker on a busy machine, never a target


def click_box(qtbot, box):
    """Click a check box on its indicator (its centre may lie past the end of its label)."""
    qtbot.mouseClick(box, LEFT, pos=QPoint(8, box.height() // 2))


def test_dataset_thumbnails_pick_the_data(qtbot, make_window):
    w = make_window()
    panel = w.data_panel
    assert panel.dataset_buttons["spiral"].isChecked()
    assert not panel.classes.isVisible()
    with qtbot.waitSignal(w.session.network_rebuilt, timeout=TIMEOUT):
        qtbot.mouseClick(panel.dataset_buttons["blobs_k"], LEFT)
    assert w.experiment.dataset == "blobs_k" and w.session.data.task == "multiclass"
    assert panel.classes.isVisible()
    panel.classes.setValue(5)
    assert w.experiment.n_classes == 5 and w.session.spec.n_outputs == 5
    w.experiment.set("dataset", "circle")
    assert panel.dataset_buttons["circle"].isChecked()
    assert not panel.dataset_buttons["blobs_k"].isChecked()


def test_data_sliders_both_directions(qtbot, make_window):
    w = make_window()
    panel = w.data_panel
    panel.noise.slider.setValue(panel.noise.slider.value() + 10)
    assert w.experiment.noise == 0.1
    panel.points.slider.setValue(panel.points.values().index(200))
    assert w.experiment.n_points == 200 and w.session.data.n_train == 100
    panel.train_ratio.slider.setValue(panel.train_ratio.values().index(0.8))
    assert w.experiment.train_ratio == 0.8
    assert panel.batch.values()[-1] == w.experiment.n_train == 160
    panel.batch.slider.setValue(panel.batch.slider.maximum())
    assert w.experiment.batch_size == 160 and "all" in panel.batch.label.text()
    w.experiment.update({"noise": 0.3, "n_points": 1000, "batch_size": 32})
    assert panel.noise.label.text() == "0.30" and panel.points.label.text() == "1000"
    assert panel.batch.value() == 32
    seed = w.experiment.data_seed
    qtbot.mouseClick(panel.regenerate, LEFT)
    assert w.experiment.data_seed == seed + 1


def test_feature_checkboxes_and_normalization(qtbot, make_window):
    w = make_window()
    panel = w.data_panel
    click_box(qtbot, panel.feature_boxes["sin x1"])
    assert w.experiment.features == ("x1", "x2", "sin x1")
    assert w.session.spec.n_inputs == 3
    click_box(qtbot, panel.feature_boxes["x1"])
    click_box(qtbot, panel.feature_boxes["x2"])
    click_box(qtbot, panel.feature_boxes["sin x1"])     # the last one: refused
    assert w.experiment.features == ("sin x1",)
    assert panel.feature_boxes["sin x1"].isChecked()
    w.experiment.set("features", ("x1*x2",))
    assert panel.feature_boxes["x1*x2"].isChecked() and not panel.feature_boxes["sin x1"].isChecked()
    click_box(qtbot, panel.normalize)
    assert w.experiment.normalize is False
    w.experiment.set("normalize", True)
    assert panel.normalize.isChecked()


def test_optimizer_panel_shows_each_optimizers_own_settings(qtbot, make_window):
    w = make_window()
    panel = w.optimizer_panel
    w.training_dock.raise_()
    assert set(panel.hyper_boxes) >= {"beta1", "beta2", "eps"}
    panel.optimizer.setCurrentIndex(panel.optimizer.findData("momentum"))
    panel.optimizer.activated.emit(panel.optimizer.currentIndex())
    assert w.experiment.optimizer == "momentum" and set(panel.hyper_boxes) == {"momentum"}
    box = panel.hyper_boxes["momentum"]
    box.setValue(0.5)
    box.editingFinished.emit()
    assert w.experiment.optimizer_params == {"momentum": 0.5}
    w.experiment.set("optimizer_params", {"momentum": 0.7})
    assert box.value() == 0.7
    w.experiment.set("optimizer", "sgd")
    assert panel.optimizer.currentData() == "sgd" and panel.hyper_boxes == {}


def test_learning_rate_and_regularization_both_directions(qtbot, make_window):
    w = make_window()
    panel = w.optimizer_panel
    panel.learning_rate.setValue(0.003)
    panel.learning_rate.editingFinished.emit()
    assert w.experiment.learning_rate == 0.003
    panel.learning_rate.stepBy(1)
    assert w.experiment.learning_rate == 0.005
    w.experiment.set("learning_rate", 0.3)
    assert panel.learning_rate.value() == 0.3
    panel.l2.setValue(0.001)
    panel.l2.editingFinished.emit()
    assert w.experiment.l2 == 0.001
    w.experiment.set("clip_norm", 2.0)
    assert panel.clip_norm.value() == 2.0


def test_schedule_picker_shows_its_parameters_and_a_plot(qtbot, make_window):
    w = make_window()
    panel = w.optimizer_panel
    panel.schedule.setCurrentIndex(panel.schedule.findData("cosine"))
    panel.schedule.activated.emit(panel.schedule.currentIndex())
    assert w.experiment.schedule == "cosine"
    assert set(panel.schedule_boxes) == {"decay_steps", "min_fraction"}
    _, ys = panel.schedule_chart.curve.getData()
    assert ys[0] == w.experiment.learning_rate and ys[-1] < ys[0]
    panel.schedule_boxes["decay_steps"].setValue(500)
    panel.schedule_boxes["decay_steps"].editingFinished.emit()
    assert w.experiment.schedule_params["decay_steps"] == 500


def test_toolbar_speed_and_stop_conditions(qtbot, make_window):
    w = make_window()
    bar = w.toolbar
    bar.speed.slider.setValue(bar.speed.values().index(100))
    assert w.experiment.steps_per_frame == 100
    w.experiment.set("steps_per_frame", 5)
    assert bar.speed.value() == 5 and bar.speed.label.text() == "5"
    bar.stop_epoch.setValue(40)
    assert w.experiment.stop_at_epoch == 40
    bar.stop_loss.setValue(0.05)
    bar.stop_loss.editingFinished.emit()
    assert w.experiment.stop_at_test_loss == 0.05
    w.experiment.set("stop_at_epoch", 0)
    assert bar.stop_epoch.text() == "never"


def test_view_toggles(qtbot, make_window):
    w = make_window()
    view = w.boundary_view
    click_box(qtbot, view.discretize)
    assert w.experiment.discretize
    click_box(qtbot, view.show_test)
    assert not w.experiment.show_test and not view.test_points.isVisible()
    click_box(qtbot, w.curves_panel.log_scale)
    # the panel plots log10(loss) itself, on an axis with decade labels (test_curves.py)
    assert w.experiment.log_loss and w.curves_panel.loss_plot.getAxis("left").log_ticks
    w.experiment.set("discretize", False)
    assert not view.discretize.isChecked()
