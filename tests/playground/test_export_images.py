"""The PyTorch export of image networks: every layer kind (conv with same/valid padding and
stride, max and average pooling, flatten, dropout, batch norm on maps and on vectors, dense),
the weights in PyTorch's layout, batch norm's running statistics, frozen layers and per-layer
learning-rate factors. The exported model must give the playground's outputs on the test
images, and a training step from the same weights must move them as the playground does."""
import importlib.util
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from playground import export, files
from playground.experiment import Experiment
from playground.fields import Layer
from playground.headless import HeadlessRun

torch = pytest.importorskip("torch")

#: networks covering every layer kind; each name says what it holds
NETWORKS = {
    "conv-same-maxpool": dict(dataset="digits", layers=(
        Layer.conv(4, 3), Layer.pool(2), Layer.flatten(), Layer(12, "tanh"))),
    "conv-valid-stride-avgpool": dict(dataset="shapes", n_points=120, layers=(
        Layer.conv(3, 5, stride=2, padding="valid", activation="elu"), Layer.pool(2, average=True),
        Layer.conv(5, 3, padding="valid", activation="leaky_relu"), Layer.flatten())),
    "batchnorm-maps-and-vector": dict(dataset="digits", layers=(
        Layer.conv(4, 3, activation="linear"), Layer.batch_norm(0.3), Layer.pool(2),
        Layer.flatten(), Layer(10, "linear"), Layer.batch_norm(0.05), Layer(6, "swish"))),
    "dropout": dict(dataset="digits", layers=(
        Layer.conv(4, 3, dropout=0.2), Layer.pool(2), Layer.flatten(),
        Layer(10, "relu", dropout=0.3), Layer(8, "sigmoid", dropout=0.1))),
}
def image_run(steps, batch_size=32, seed=3, **changes) -> HeadlessRun:
    values = Experiment({"train_ratio": 0.8, "steps_per_frame": 5, "batch_size": batch_size,
                         "seed": seed, "optimizer": "adam", "learning_rate": 0.01,
                         **changes}).values()
    run = HeadlessRun(files.Document(values), resolution=2)
    run.train(steps)
    return run


def full_batch_run(**changes) -> HeadlessRun:
    """A fresh run on 90 shapes whose trainer takes the whole training set in every step."""
    run = image_run(0, **dict(changes, dataset="shapes", n_points=90))
    run.trainer.set_config(replace(run.trainer.config, batch_size=10**6))
    return run


def load_script(script):
    spec = importlib.util.spec_from_file_location(script.stem, script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exported(run, tmp_path, name="net"):
    script, npz = export.export_pytorch(run.document(), tmp_path, name)
    module = load_script(script)
    return module, module.load_weights(module.build_model())


def flat_parameters(module, model) -> np.ndarray:
    """The torch model's parameters in the playground's flat layout (dense kernels (in, out))."""
    parts = []
    for _, layer in module.parameter_layers(model):
        w = layer.weight.detach().numpy()
        parts += [(w.T if isinstance(layer, torch.nn.Linear) else w).ravel(),
                  layer.bias.detach().numpy()]
    return np.concatenate(parts)


def running_statistics(module, model) -> np.ndarray:
    return np.concatenate([np.concatenate([m.running_mean.numpy(), m.running_var.numpy()])
                           for _, m in module.parameter_layers(model)
                           if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d))])


@pytest.mark.parametrize("name", list(NETWORKS))
def test_the_exported_image_model_gives_the_playgrounds_outputs_on_the_test_images(tmp_path,
                                                                                    name):
    run = image_run(12, **NETWORKS[name])          # trained: batch norm's statistics moved
    module, model = exported(run, tmp_path)
    images = run.data.images_test
    expected = run.trainer.predict(images)
    got = module.predict(model, images)
    assert got.shape == expected.shape == (len(images), len(run.data.class_names))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)
    with torch.no_grad():
        model.eval()
        loss = float(module.data_loss(model(module.inputs(images)),
                                      torch.from_numpy(run.data.Y_test)))
    assert loss == pytest.approx(run.trainer.evaluate(run.data.X_test, run.data.Y_test)[0],
                                 rel=1e-10)


def test_the_weights_are_exported_in_pytorchs_layout(tmp_path):
    run = image_run(3, **NETWORKS["batchnorm-maps-and-vector"])
    module, model = exported(run, tmp_path)
    np.testing.assert_array_equal(flat_parameters(module, model), run.trainer.params)
    np.testing.assert_array_equal(running_statistics(module, model), run.trainer.buffers)
    conv = module.parameter_layers(model)[0][1]
    assert isinstance(conv, torch.nn.Conv2d) and tuple(conv.weight.shape) == (4, 1, 3, 3)
    kinds = [type(m).__name__ for _, m in module.parameter_layers(model)]
    assert kinds == ["Conv2d", "BatchNorm2d", "Linear", "BatchNorm1d", "Linear", "Linear"]
    norms = [m for _, m in module.parameter_layers(model) if "BatchNorm" in type(m).__name__]
    assert [m.momentum for m in norms] == [0.3, 0.05] and norms[0].eps == 1e-5


@pytest.mark.parametrize("optimizer,params,extra", [
    ("adam", {}, {"l2": 0.01, "clip_norm": 0.5}),
    ("momentum", {"momentum": 0.9}, {"l1": 0.001, "max_norm": 0.8, "weight_decay": 0.1}),
    ("sgd", {}, {}),
])
def test_a_training_step_from_the_exported_weights_matches_the_playgrounds(tmp_path, optimizer,
                                                                          params, extra):
    """Full-batch steps, so the batch order cannot differ: from the same weights, optimizer
    state and batch-norm statistics, torch's steps land where the playground's do."""
    run = full_batch_run(**NETWORKS["batchnorm-maps-and-vector"], optimizer=optimizer,
                         optimizer_params=params, learning_rate=0.05, **extra)
    run.trainer.run(2)                      # the optimizer has slots to carry over
    doc = files.Document(run.values, run.trainer.state_dict())
    script, _ = export.export_pytorch(doc, tmp_path, "net")
    module = load_script(script)
    model = module.load_weights(module.build_model())
    opt = module.make_optimizer(model)
    module.load_optimizer_state(model, opt)
    x = module.inputs(run.data.images_train)
    y = torch.from_numpy(run.data.Y_train)
    step, epoch = module.START_STEP, module.START_EPOCH
    for _ in range(3):
        module.train_step(model, opt, x, y, step, epoch)
        step, epoch = step + 1, epoch + 1
    run.trainer.run(3)
    # A bias in front of batch norm has a gradient that is 0 but for rounding (the batch mean
    # takes it away); Adam divides such a gradient by its own size, so there the two agree
    # to about 1e-9 in absolute terms rather than relative ones.
    atol = 1e-8 if optimizer == "adam" else 1e-11
    np.testing.assert_allclose(flat_parameters(module, model), run.trainer.params,
                               rtol=1e-9, atol=atol)
    np.testing.assert_allclose(running_statistics(module, model), run.trainer.buffers,
                               rtol=1e-9, atol=atol)


def test_frozen_layers_do_not_train_and_the_others_match_the_playground(tmp_path):
    run = full_batch_run(**NETWORKS["conv-same-maxpool"])
    run.trainer.set_trainable([0], False)         # the conv layer: fixed features
    run.trainer.run(1)
    doc = files.Document(run.values, run.trainer.state_dict())
    script, _ = export.export_pytorch(doc, tmp_path, "net")
    module = load_script(script)
    assert [e.get("frozen") for e in module.LAYERS] == [True, None, None, False, False]
    model = module.load_weights(module.build_model())
    conv = module.parameter_layers(model)[0][1]
    assert not conv.weight.requires_grad and not conv.bias.requires_grad
    before = conv.weight.detach().clone()
    opt = module.make_optimizer(model)
    module.load_optimizer_state(model, opt)
    x, y = module.inputs(run.data.images_train), torch.from_numpy(run.data.Y_train)
    for i in range(2):
        module.train_step(model, opt, x, y, module.START_STEP + i, module.START_EPOCH + i)
    run.trainer.run(2)
    assert torch.equal(conv.weight, before)
    np.testing.assert_allclose(flat_parameters(module, model), run.trainer.params,
                               rtol=1e-9, atol=1e-11)


def test_a_layers_learning_rate_factor_scales_its_group(tmp_path):
    if "lr_scale" not in Layer.__dataclass_fields__:
        pytest.skip("layers have no learning-rate factor in this version")
    layers = (Layer.conv(4, 3).with_(lr_scale=0.1), Layer.pool(2), Layer.flatten())
    run = image_run(0, dataset="digits", layers=layers, optimizer="sgd")
    module, model = exported(run, tmp_path)
    assert [e.get("lr_scale") for e in module.LAYERS] == [0.1, None, None, 1.0]
    opt = module.make_optimizer(model)
    x = module.inputs(run.data.images_train[:16])
    y = torch.from_numpy(run.data.Y_train[:16])
    conv, out = (m for _, m in module.parameter_layers(model))
    w0 = [conv.weight.detach().clone(), out.weight.detach().clone()]
    module.train_step(model, opt, x, y, 0, 0)
    lrs = sorted(group["lr"] for group in opt.param_groups)
    assert lrs == pytest.approx([0.001, 0.01])           # lr 0.01, the conv layer 0.1 of it
    np.testing.assert_allclose((w0[0] - conv.weight.detach()).numpy(),
                               0.001 * conv.weight.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_the_exported_image_script_runs_on_its_own(tmp_path):
    run = image_run(10, augmentation=AUGMENTED, **NETWORKS["batchnorm-maps-and-vector"])
    script, _ = export.export_pytorch(run.document(), tmp_path, "digits_net")
    out = subprocess.run([sys.executable, str(script), "--evaluate"], capture_output=True,
                         text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    loss, accuracy = run.trainer.evaluate(run.data.X_test, run.data.Y_test)
    assert out.stdout.split() == ["test", "loss", f"{loss:.6f}", "test", "accuracy",
                                  f"{accuracy:.4f}"]
    out = subprocess.run([sys.executable, str(script), "--epochs", "2", "--save",
                          str(tmp_path / "t.pt")], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 2 and all("test accuracy" in line for line in lines)
    state = torch.load(tmp_path / "t.pt")
    assert any(key.endswith("running_var") for key in state)


def test_a_dropout_layer_of_the_engine_exports_as_torch_dropout(tmp_path):
    """The engine's own Dropout kind (no experiment setting makes one yet): the entry the
    script builds from, and the block it becomes, the identity in evaluation mode."""
    from engine.layers import Dropout, Flatten
    from engine.network import NetworkSpec
    from playground.export_template import SCRIPT
    spec = NetworkSpec.for_images((1, 4, 4), (Flatten(), Dropout(0.25)), 3)
    entries = export.layer_entries(spec)
    assert entries[1] == {"kind": "dropout", "rate": 0.25}
    namespace = {"__file__": str(tmp_path / "net.py")}
    exec(compile(SCRIPT.split("@SETTINGS@")[0].split('"""', 2)[2], "script", "exec"), namespace)
    namespace["PRECISION"] = "float64"        # the one setting the code below reads at once
    exec(compile(SCRIPT.split("@SETTINGS@")[1].split("\ndef main():")[0], "script", "exec"),
         namespace)
    block = namespace["block"](entries[1])
    assert isinstance(block[0], torch.nn.Dropout) and block[0].p == 0.25
    x = torch.rand(2, 16, dtype=torch.float64)
    assert torch.equal(block.eval()(x), x)


def test_batch_norm_in_a_point_network_exports_with_its_running_statistics(tmp_path):
    values = Experiment({"n_points": 120, "steps_per_frame": 5, "layers": (
        Layer(6, "linear"), Layer.batch_norm(0.2), Layer(4, "tanh"))}).values()
    run = HeadlessRun(files.Document(values), resolution=5)
    run.train(15)
    module, model = exported(run, tmp_path)
    assert [e["kind"] for e in module.LAYERS] == ["dense", "batchnorm", "dense", "dense"]
    assert module.LAYERS[1]["maps"] is False and module.INPUT_SHAPE is None
    np.testing.assert_array_equal(running_statistics(module, model), run.trainer.buffers)
    np.testing.assert_allclose(module.predict(model, run.data.points_test),
                               run.trainer.predict(run.data.X_test), rtol=0, atol=1e-12)


AUGMENTED = {"flip": True, "flip_probability": 0.5, "rotate": True, "rotate_degrees": 20.0,
             "shift": True, "shift_pixels": 2, "contrast": True, "contrast_delta": 0.3,
             "brightness": True, "brightness_delta": 0.1}


def test_the_script_augments_training_images_as_the_playground_does(tmp_path):
    """Given the same draws (the playground's own, for seed, step and rows), the script's
    augmentation makes the playground's images; only where the draws come from differs."""
    from engine.augment import Augmentation, augment_batch, sample_parameters
    run = image_run(0, augmentation=AUGMENTED, **NETWORKS["conv-valid-stride-avgpool"])
    module, _ = exported(run, tmp_path)
    assert module.AUGMENTATION == {"flip_probability": 0.5, "rotate_degrees": 20.0,
                                   "shift_pixels": 2.0, "contrast_delta": 0.3,
                                   "brightness_delta": 0.1, "noise_std": 0.0}
    settings = Augmentation(**AUGMENTED)
    images = run.data.images_train[:24].astype(np.float64)
    rows = np.arange(24)
    expected = augment_batch(images, np.empty_like(images), settings, seed=5, step=7,
                             row_ids=rows)
    draws = {k: torch.from_numpy(v) for k, v in sample_parameters(settings, 5, 7, rows).items()}
    assert draws["flip"].any() and not draws["flip"].all() and (draws["angle"] != 0).all()
    got = module.augment(torch.from_numpy(images), draws).numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    fresh = module.augmentation_draws(2000)           # torch's draws, from the same ranges
    assert set(fresh["dx"].unique().tolist()) == {-2.0, -1.0, 0.0, 1.0, 2.0}
    assert fresh["angle"].abs().max() <= 20.0 and 0.4 < float(fresh["flip"].mean()) < 0.6


def test_an_experiment_without_augmentation_exports_none(tmp_path):
    module, _ = exported(image_run(0, **NETWORKS["conv-same-maxpool"]), tmp_path)
    assert not any(module.AUGMENTATION.values())


@pytest.mark.parametrize("optimizer", ["adam", "momentum", "rmsprop"])
def test_per_layer_learning_rates_train_as_in_the_playground(tmp_path, optimizer):
    """Each layer's factor is a parameter group's lr (with decoupled weight decay scaled with
    it), as the engine scales each parameter's step; a frozen layer stays out of the groups."""
    if "lr_scale" not in Layer.__dataclass_fields__:
        pytest.skip("layers have no learning-rate factor in this version")
    layers = (Layer.conv(4, 3).with_(lr_scale=0.1), Layer.pool(2), Layer.flatten(),
              Layer(10, "tanh").with_(frozen=True), Layer(8, "relu").with_(lr_scale=0.5))
    run = full_batch_run(layers=layers, optimizer=optimizer, learning_rate=0.02,
                         weight_decay=0.05)
    run.trainer.run(2)
    doc = files.Document(run.values, run.trainer.state_dict())
    script, _ = export.export_pytorch(doc, tmp_path, "net")
    module = load_script(script)
    assert [e.get("lr_scale") for e in module.LAYERS] == [0.1, None, None, 1.0, 0.5, 1.0]
    assert [e.get("frozen") for e in module.LAYERS] == [False, None, None, True, False, False]
    model = module.load_weights(module.build_model())
    opt = module.make_optimizer(model)
    assert sorted(g["lr_scale"] for g in opt.param_groups) == [0.1, 0.5, 1.0]
    module.load_optimizer_state(model, opt)
    x, y = module.inputs(run.data.images_train), torch.from_numpy(run.data.Y_train)
    for i in range(3):
        module.train_step(model, opt, x, y, module.START_STEP + i, module.START_EPOCH + i)
    run.trainer.run(3)
    np.testing.assert_allclose(flat_parameters(module, model), run.trainer.params,
                               rtol=1e-9, atol=1e-11)
