"""The exported PyTorch script computes in the experiment's precision: float32 for a float32
experiment (weights, inputs and data), float64 otherwise and for second-order methods."""
import pytest

from playground import export, pipeline
from tests.playground.test_export import load_script, trained_run

torch = pytest.importorskip("torch")


@pytest.fixture
def keeps_torch_dtype():
    before = torch.get_default_dtype()
    yield
    torch.set_default_dtype(before)


def test_a_float32_experiment_exports_a_float32_script(tmp_path, keeps_torch_dtype):
    run = trained_run(40, precision="float32")
    script, _ = export.export_pytorch(run.document(), tmp_path, "net")
    assert "PRECISION = 'float32'" in script.read_text()
    module = load_script(script)
    model = module.load_weights(module.build_model())
    assert all(p.dtype == torch.float32 for p in model.parameters())
    grid = pipeline.grid_points(run.data.extent, 9)
    out = module.predict(model, grid)
    assert out.dtype.name == "float32"
    expected = run.trainer.predict(run.data.boundary_inputs)
    assert abs(out - expected).max() < 1e-5
    optimizer = module.make_optimizer(model)
    module.load_optimizer_state(model, optimizer)
    lines = []
    module.train(model, optimizer, 1, log=lines.append)           # trains in float32
    assert len(lines) == 1 and all(p.dtype == torch.float32 for p in model.parameters())


@pytest.mark.parametrize("changes, dtype", [({}, "float64"),
                                            ({"precision": "float32", "optimizer": "lbfgs"},
                                             "float64")])
def test_other_experiments_export_float64(tmp_path, keeps_torch_dtype, changes, dtype):
    run = trained_run(5, **changes)
    script, _ = export.export_pytorch(run.document(), tmp_path, "net")
    assert f"PRECISION = '{dtype}'" in script.read_text()
