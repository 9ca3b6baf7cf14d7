"""The PyTorch export keeps the course settings exact: weight decay with every first-order
optimizer (Adam with it is AdamW), max-norm, and the leaky-ReLU slope
(nn.LeakyReLU(negative_slope))."""
import importlib.util

import numpy as np
import pytest

from playground import export, files, pipeline
from playground.experiment import Experiment
from playground.fields import Layer
from playground.headless import HeadlessRun

torch = pytest.importorskip("torch")


def load_script(script):
    spec = importlib.util.spec_from_file_location(script.stem, script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def trained_run(steps, **changes) -> HeadlessRun:
    values = Experiment({"n_points": 60, "steps_per_frame": 10, **changes}).values()
    run = HeadlessRun(files.Document(values), resolution=9)
    run.train(steps)
    return run


def torch_params(module, model):
    return np.concatenate([np.concatenate([layer.weight.detach().numpy().T.ravel(),
                                           layer.bias.detach().numpy()])
                           for layer in module.linear_layers(model)])


@pytest.mark.parametrize("optimizer, params", [
    ("sgd", {}), ("momentum", {"momentum": 0.8}), ("adagrad", {}), ("adadelta", {}),
    ("rmsprop", {"rho": 0.8}), ("adam", {}), ("adam", {"bias_correction": False}),
])
@pytest.mark.parametrize("weight_decay, max_norm", [(0.2, 0.0), (0.0, 0.7), (0.1, 0.7)])
def test_exported_training_with_weight_decay_and_max_norm_continues_like_the_playground(
        tmp_path, optimizer, params, weight_decay, max_norm):
    """Full-batch steps, so the batch order cannot differ: the torch loop from the exported
    state follows the playground's own continuation."""
    lr = 1.0 if optimizer == "adadelta" else 0.05
    run = trained_run(5, batch_size=30, optimizer=optimizer, optimizer_params=params,
                      learning_rate=lr, schedule="inverse_time", schedule_params={"k": 0.05},
                      weight_decay=weight_decay, max_norm=max_norm, l2=0.01,
                      layers=(Layer(5, "tanh"), Layer(3, "relu")))
    script, _ = export.export_pytorch(run.document(), tmp_path, "net")
    module = load_script(script)
    assert (module.WEIGHT_DECAY, module.MAX_NORM) == (weight_decay, max_norm)
    model = module.load_weights(module.build_model())
    opt = module.make_optimizer(model)
    module.load_optimizer_state(model, opt)
    x, y = torch.from_numpy(run.data.X_train), torch.from_numpy(run.data.Y_train)
    step, epoch = module.START_STEP, module.START_EPOCH
    for _ in range(6):
        module.train_step(model, opt, x, y, step, epoch)
        step, epoch = step + 1, epoch + 1
    before = run.trainer.params.copy()
    run.trainer.run(6)
    np.testing.assert_allclose(torch_params(module, model), run.trainer.params,
                               rtol=1e-9, atol=1e-11)
    assert np.abs(run.trainer.params - before).max() > 1e-4


def test_max_norm_in_the_export_caps_each_neurons_incoming_weights(tmp_path):
    run = trained_run(0, batch_size=30, optimizer="sgd", learning_rate=2.0, max_norm=0.3)
    script, _ = export.export_pytorch(run.document(), tmp_path, "net")
    module = load_script(script)
    model = module.load_weights(module.build_model())
    opt = module.make_optimizer(model)
    x, y = torch.from_numpy(run.data.X_train), torch.from_numpy(run.data.Y_train)
    module.train_step(model, opt, x, y, 0, 0)
    for layer in module.linear_layers(model):
        assert float(layer.weight.detach().norm(dim=1).max()) <= 0.3 + 1e-12


@pytest.mark.parametrize("slope", [0.0, 0.1, 0.3])
def test_the_exported_leaky_relu_has_the_experiments_slope(tmp_path, slope):
    run = trained_run(20, leaky_slope=slope, layers=(Layer(6, "leaky_relu"), Layer(4, "tanh")))
    script, _ = export.export_pytorch(run.document(), tmp_path, "net")
    module = load_script(script)
    model = module.build_model()
    leaky = [m for m in model.modules() if isinstance(m, torch.nn.LeakyReLU)]
    assert [m.negative_slope for m in leaky] == [slope]
    module.load_weights(model)
    grid = pipeline.grid_points(run.data.extent, 9)
    np.testing.assert_allclose(module.predict(model, grid),
                               run.trainer.predict(run.data.boundary_inputs),
                               rtol=1e-12, atol=1e-12)
