"""Exports: the history CSV, and the standalone PyTorch script, which must predict what the
playground predicts and continue training with the same optimizer and schedule."""
import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from playground import export, files, pipeline
from playground.experiment import Experiment
from playground.fields import Layer
from playground.headless import HeadlessRun


def trained_run(steps=60, **changes) -> HeadlessRun:
    values = Experiment({"n_points": 120, "steps_per_frame": 10, **changes}).values()
    run = HeadlessRun(files.Document(values), resolution=9)
    run.train(steps)
    return run


def test_history_csv_round_trips_with_empty_cells_for_missing_values(tmp_path):
    run = trained_run(30, dataset="reg_plane", output_activation="linear", loss="mse")
    history = run.history.as_dict()
    path = export.write_history_csv(tmp_path / "h.csv", history)
    lines = path.read_text().splitlines()
    assert lines[0] == "step,epoch,train_loss,test_loss,train_accuracy,test_accuracy," \
                       "learning_rate"
    assert lines[1].startswith("0,0,") and ",,," in lines[1]    # no accuracy in regression
    back = export.read_history_csv(path)
    for name, column in history.items():
        np.testing.assert_array_equal(back[name], column)


torch = pytest.importorskip("torch")


def load_script(script):
    spec = importlib.util.spec_from_file_location(script.stem, script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("changes", [
    {},
    {"layers": (Layer(6, "relu", dropout=0.3), Layer(5, "leaky_relu"), Layer(4, "elu")),
     "features": ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin x1", "sin x2")},
    {"dataset": "spiral_k", "n_classes": 4, "output_activation": "softmax",
     "loss": "softmax_ce", "layers": (Layer(7, "swish"), Layer(5, "softplus"))},
    {"dataset": "reg_gauss", "output_activation": "tanh", "loss": "mse",
     "layers": (Layer(5, "sigmoid"), Layer(3, "linear")), "normalize": False},
    {"dataset": "gauss", "layers": (), "output_activation": "linear", "loss": "mse"},
], ids=["default", "relu-dropout-all-features", "softmax", "regression-tanh", "no-hidden"])
def test_the_exported_model_predicts_what_the_playground_predicts(tmp_path, changes):
    run = trained_run(**changes)
    script, npz = export.export_pytorch(run.document(), tmp_path, "net")
    module = load_script(script)
    model = module.load_weights(module.build_model())
    grid = pipeline.grid_points(run.data.extent, 9)
    expected = run.trainer.predict(run.data.boundary_inputs)
    np.testing.assert_allclose(module.predict(model, grid), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(module.predict(model, run.data.points_test),
                               run.trainer.predict(run.data.X_test), rtol=1e-12, atol=1e-12)
    with torch.no_grad():
        logits = model(module.inputs(run.data.points_train))
    loss = float(module.data_loss(logits, torch.from_numpy(run.data.Y_train)))
    assert loss == pytest.approx(run.trainer.evaluate(run.data.X_train, run.data.Y_train)[0],
                                 rel=1e-12)


@pytest.mark.parametrize("optimizer,params,schedule,schedule_params", [
    ("sgd", {}, "inverse_time", {"k": 0.05}),
    ("momentum", {"momentum": 0.8}, "step", {"factor": 0.5, "every_epochs": 3}),
    ("nesterov", {"momentum": 0.9}, "constant", {}),
    ("adagrad", {}, "exponential", {"k": 0.02}),
    ("adadelta", {}, "constant", {}),
    ("rmsprop", {"rho": 0.8}, "linear", {"decay_steps": 10, "end_fraction": 0.1}),
    ("adam", {}, "cosine", {"decay_steps": 12, "min_fraction": 0.1}),
    ("adam", {"bias_correction": False}, "constant", {}),
])
def test_the_exported_training_continues_like_the_playground(tmp_path, optimizer, params,
                                                             schedule, schedule_params):
    """Full-batch steps (so the batch order cannot differ): the torch loop started from the
    exported weights and optimizer state follows the playground's own continuation."""
    before = 0 if optimizer == "nesterov" else 5     # Nesterov's velocity is not carried over
    lr = 1.0 if optimizer == "adadelta" else 0.05
    run = trained_run(before, n_points=60, batch_size=30, optimizer=optimizer,
                      optimizer_params=params, learning_rate=lr, schedule=schedule,
                      schedule_params=schedule_params, l1=0.001, l2=0.01, clip_norm=0.5,
                      layers=(Layer(5, "tanh"), Layer(3, "relu")))
    script, _ = export.export_pytorch(run.document(), tmp_path, "net")
    module = load_script(script)
    model = module.load_weights(module.build_model())
    opt = module.make_optimizer(model)
    module.load_optimizer_state(model, opt)
    x, y = torch.from_numpy(run.data.X_train), torch.from_numpy(run.data.Y_train)
    step, epoch = module.START_STEP, module.START_EPOCH
    assert (step, epoch) == (run.trainer.step_count, run.trainer.epoch)
    for _ in range(6):
        module.train_step(model, opt, x, y, step, epoch)
        step, epoch = step + 1, epoch + 1
    run.trainer.run(6)
    torch_params = np.concatenate([np.concatenate([layer.weight.detach().numpy().T.ravel(),
                                                   layer.bias.detach().numpy()])
                                   for layer in module.linear_layers(model)])
    np.testing.assert_allclose(torch_params, run.trainer.params, rtol=1e-9, atol=1e-11)


def test_the_script_runs_on_its_own(tmp_path):
    run = trained_run(20, layers=(Layer(4, "relu", dropout=0.1),), optimizer="lbfgs")
    script, _ = export.export_pytorch(run.document(), tmp_path, "standalone")
    out = subprocess.run([sys.executable, str(script), "--epochs", "2", "--save",
                          str(tmp_path / "t.pt")], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("epoch") == 2 and (tmp_path / "t.pt").exists()
    out = subprocess.run([sys.executable, str(script), "--predict", "1.0", "-2.0"],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    p = eval(out.stdout)
    assert len(p) == 1 and 0.0 <= p[0] <= 1.0


def test_an_untrained_preset_exports_its_initial_weights(tmp_path):
    from playground import presets
    doc = presets.document(presets.PRESETS_BY_NAME["circle"])     # settings only
    script, _ = export.export_pytorch(doc, tmp_path, "circle")
    module = load_script(script)
    run = HeadlessRun(doc, resolution=2)
    model = module.load_weights(module.build_model())
    np.testing.assert_allclose(module.predict(model, run.data.points_test),
                               run.trainer.predict(run.data.X_test), rtol=1e-12)


@pytest.mark.parametrize("device", ["cuda", "cuda:7", "gpu"])
def test_a_device_this_torch_cannot_use_gets_a_one_line_message(tmp_path, device):
    """``--device cuda`` under a CPU-only PyTorch (or a GPU index that is not there, or no such
    device type) ends with one line naming the device, not a traceback."""
    if device.startswith("cuda") and torch.cuda.is_available() \
            and int(device.partition(":")[2] or 0) < torch.cuda.device_count():
        pytest.skip("this PyTorch can use that GPU")
    run = trained_run(5)
    script, _ = export.export_pytorch(run.document(), tmp_path, "net")
    out = subprocess.run([sys.executable, str(script), "--epochs", "1", "--device", device],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 1
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and out.stderr.startswith(f"error: --device {device}")
    assert "Traceback" not in out.stderr
