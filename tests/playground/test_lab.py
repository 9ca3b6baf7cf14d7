"""The optimizer lab's model: setups, validation, files, races and the animation verbs."""
import json

import numpy as np
import pytest

from engine.race import RACERS, race
from engine.surfaces import SURFACES
from playground.checks import FileFormatError
from playground.lab import (LAB_FORMAT, LAB_VERSION, Lab, LabSetup, Racer, grid_values,
                            inspect, lab_from_json, lab_to_json, load_lab, log_levels, loss_gap,
                            racer_hypers, run_lab, save_lab, suggested_config)


def small(**changes):
    return LabSetup.default("valley", racers=("sgd", "adam", "newton"), steps=40, **changes)


def test_every_racer_has_declared_settings_and_the_defaults_build():
    for name in RACERS:
        names = [h.name for h in racer_hypers(name)]
        assert len(names) == len(set(names))
        assert "bias_correction" not in names and "max_params" not in names
        assert ("learning_rate" in names) != (name in ("newton", "lbfgs", "cg"))
        Racer.make(name)
    assert "weight_decay" in [h.name for h in racer_hypers("adamw")]
    assert suggested_config("adamw", "valley")["weight_decay"] == 0.01


@pytest.mark.parametrize("surface", list(SURFACES))
def test_the_default_lab_of_every_surface_races_without_blowing_up(surface):
    setup = LabSetup.default(surface)
    assert setup.start == SURFACES[surface].start and len(setup.racers) == 10
    for path in run_lab(setup):
        assert path.diverged_at == -1 and path.xy.shape == (setup.steps + 1, 2)


def test_a_lab_race_is_the_engines_race_with_the_setups_settings():
    setup = small(noise_std=0.3, seed=5, clip=2.0,
                  schedule={"name": "exponential", "k": 0.01}, start=(-3.0, 1.5))
    paths = run_lab(setup)
    for racer, path in zip(setup.racers, paths):
        first = racer.optimizer != "newton"
        ref = race(setup.make_surface(), racer.optimizer, dict(racer.config), (-3.0, 1.5), 40,
                   seed=5, schedule=setup.schedule if first else None,
                   clip=2.0 if first else None)
        np.testing.assert_array_equal(path.xy, ref.xy)
    assert np.all(np.linalg.norm(paths[0].grads, axis=1) <= 2.0 + 1e-12)
    np.testing.assert_allclose(paths[0].lrs, 0.03 * np.exp(-0.01 * np.arange(40)))
    again = run_lab(setup)                                   # same setup, same run, bit for bit
    assert all(np.array_equal(a.xy, b.xy) for a, b in zip(paths, again))


def test_to_dict_from_dict_and_json_round_trip():
    setup = small(noise_std=0.1, seed=3, clip=1.5, schedule={"name": "cosine"},
                  surface_params={"condition_number": 40.0})
    d = json.loads(json.dumps(setup.to_dict()))
    assert LabSetup.from_dict(d) == setup
    assert lab_from_json(lab_to_json(setup)) == setup
    assert setup.schedule == {"name": "cosine", "decay_steps": 2500, "min_fraction": 0.0}


@pytest.mark.parametrize("field, value, words", [
    ("surface", "moon", "unknown surface 'moon'"),
    ("surface_params", {"condition_number": 0.5}, "condition_number"),
    ("surface_params", {"kappa": 3.0}, "kappa"),
    ("noise_std", -1.0, "noise_std"),
    ("noise_std", True, "noise_std"),
    ("seed", 1.5, "seed"),
    ("start", [1.0], "start"),
    ("start", [1.0, float("nan")], "start"),
    ("steps", 0, "steps"),
    ("steps", 10**6, "steps"),
    ("clip", -2.0, "clip"),
    ("schedule", {"name": "sometimes"}, "sometimes"),
    ("schedule", {"name": "exponential", "k": "fast"}, "k"),
])
def test_a_bad_field_is_refused_by_name(field, value, words):
    d = small().to_dict()
    d[field] = value
    with pytest.raises(ValueError, match=words):
        LabSetup.from_dict(d)


@pytest.mark.parametrize("racer, words", [
    ({"optimizer": "lion", "label": "L", "visible": True, "config": {}}, "lion"),
    ({"optimizer": "sgd", "label": "S", "visible": True, "config": {"momentum": 0.9}},
     "momentum"),
    ({"optimizer": "sgd", "label": "S", "visible": True, "config": {"learning_rate": -1}},
     "learning_rate"),
    ({"optimizer": "sgd", "label": "S", "visible": True, "config": {"learning_rate": "1"}},
     "learning_rate"),
    ({"optimizer": "sgd", "label": "", "visible": True, "config": {}}, "label"),
    ({"optimizer": "sgd", "label": "S", "visible": 1, "config": {}}, "visible"),
    ({"optimizer": "sgd", "label": "S", "config": {}}, "exactly"),
])
def test_a_bad_racer_is_refused_by_name(racer, words):
    d = small().to_dict()
    d["racers"] = [racer]
    with pytest.raises(ValueError, match=words):
        LabSetup.from_dict(d)


def test_missing_extra_and_duplicate_entries_are_refused():
    d = small().to_dict()
    with pytest.raises(ValueError, match="no 'steps'"):
        LabSetup.from_dict({k: v for k, v in d.items() if k != "steps"})
    with pytest.raises(ValueError, match="unknown lab setting 'speed'"):
        LabSetup.from_dict({**d, "speed": 3})
    with pytest.raises(ValueError, match="two racers are called 'SGD'"):
        LabSetup.from_dict({**d, "racers": [d["racers"][0], d["racers"][0]]})
    with pytest.raises(ValueError, match="1 to 12 racers"):
        LabSetup.from_dict({**d, "racers": []})


def test_files_save_atomically_and_bad_files_say_why(tmp_path):
    setup = small(noise_std=0.2)
    path = tmp_path / "race.nnlab"
    save_lab(path, setup)
    assert load_lab(path) == setup
    assert json.loads(path.read_text())["format"] == LAB_FORMAT
    assert not list(tmp_path.glob(".*.tmp"))
    before = path.read_bytes()
    for content, words in ((b"\xff\xfe", "not JSON"), (b"[1, 2]", "not an optimizer-lab"),
                           (json.dumps({"format": LAB_FORMAT, "version": LAB_VERSION + 1,
                                        "lab": setup.to_dict()}).encode(), "version"),
                           (json.dumps({"format": LAB_FORMAT, "version": 1,
                                        "lab": {**setup.to_dict(), "steps": -3}}).encode(),
                            "steps")):
        bad = tmp_path / "bad.nnlab"
        bad.write_bytes(content)
        with pytest.raises(FileFormatError, match=words) as caught:
            load_lab(bad)
        assert "\n" not in str(caught.value) and str(caught.value).startswith("bad.nnlab: ")
    with pytest.raises(FileFormatError):
        load_lab(tmp_path)                                     # a folder
    assert path.read_bytes() == before


def test_lab_verbs_reveal_steps_and_tell_listeners():
    lab = Lab(small())
    heard = []
    lab.subscribe(heard.append)
    lab.step(3)
    assert lab.shown == 3 and heard == ["frame"]
    lab.set_speed(10)
    lab.play()
    assert lab.running and heard[-1] == "running"
    for _ in range(10):
        lab.advance()
    assert lab.shown == 40 and not lab.running            # stops at the end
    lab.reset()
    assert lab.shown == 0
    with pytest.raises(ValueError, match="speed"):
        lab.set_speed(0)


def test_lab_changes_race_again_and_refusals_keep_the_setup():
    lab = Lab(small())
    old_paths = lab.paths
    lab.set_start(1.0, -1.0)
    assert lab.setup.start == (1.0, -1.0) and tuple(lab.paths[0].xy[0]) == (1.0, -1.0)
    lab.set_racer(0, learning_rate=0.001)
    assert lab.setup.racers[0].config["learning_rate"] == 0.001
    assert not np.array_equal(lab.paths[0].xy, old_paths[0].xy)
    kept = lab.setup
    with pytest.raises(ValueError, match="learning_rate"):
        lab.set_racer(0, learning_rate=-5.0)
    with pytest.raises(ValueError, match="steps"):
        lab.change(steps=0)
    assert lab.setup == kept
    paths = lab.paths
    lab.set_racer(1, visible=False)                       # only hides: the paths stay
    assert lab.paths is paths and not lab.setup.racers[1].visible
    lab.add_racer("sgd")
    assert [r.label for r in lab.setup.racers][-1] == "SGD 2" and len(lab.paths) == 4
    lab.remove_racer(3)
    assert len(lab.setup.racers) == 3


def test_a_new_surface_brings_its_start_and_suggested_rates():
    lab = Lab(small())
    lab.set_racer(0, learning_rate=0.5)
    lab.set_surface("rosenbrock")
    assert lab.setup.surface == "rosenbrock" and lab.setup.start == SURFACES["rosenbrock"].start
    assert lab.setup.racers[0].config["learning_rate"] == suggested_config("sgd",
                                                                           "rosenbrock")[
        "learning_rate"]


def test_inspection_reads_the_step_off_the_path():
    setup = LabSetup.default("valley", racers=("momentum",), steps=5)
    path = run_lab(setup)[0]
    look = inspect(path, 2)
    rho, lr = 0.9, setup.racers[0].config["learning_rate"]
    g = [np.array(SURFACES["valley"].gradient(path.xy[k])) for k in range(3)]
    v = (rho * g[0] + g[1]) * rho + g[2]                       # v <- rho v + g, by hand
    np.testing.assert_allclose(look.gradient, g[2])
    assert look.slots[0][0] == "velocity"
    np.testing.assert_allclose(look.slots[0][1], v)
    np.testing.assert_allclose(look.step, -lr * v)
    assert inspect(path, 99).t == 4 and inspect(path, -3).t == 0


def test_contour_levels_are_log_spaced_above_the_floor():
    setup = LabSetup.default("rosenbrock", racers=("sgd",))
    xs, ys, f = grid_values(setup, SURFACES["rosenbrock"].box, n=50)
    assert f.shape == (50, 50)
    assert f[10, 20] == pytest.approx(SURFACES["rosenbrock"].value((xs[20], ys[10])))
    floor, levels = log_levels(f)
    assert floor < f.min() and np.allclose(np.diff(np.log(levels - floor)),
                                           np.log(levels[1] - floor) - np.log(levels[0] - floor))
    assert loss_gap(setup) == 0.0
    assert loss_gap(LabSetup.default("saddle", racers=("sgd",))) is None


def test_inspection_names_the_moment_and_the_cache_of_each_optimizer():
    setup = LabSetup.default("rosenbrock", racers=("sgd", "nesterov", "adagrad", "rmsprop",
                                                   "adam", "newton"), steps=4)
    lab = Lab(setup)
    lab.show(2)
    sgd, nesterov, adagrad, rmsprop, adam, newton = (lab.inspect(i) for i in range(6))
    assert sgd.moment is None and sgd.cache is None
    np.testing.assert_allclose(sgd.step, -sgd.lr * sgd.gradient)
    # Nesterov keeps v' = rho v - lr g (a step); shown in gradient units, uphill: -v / lr
    v = lab.paths[1].slots[2, 0]
    np.testing.assert_allclose(nesterov.moment, -v / nesterov.lr)
    assert nesterov.moment_name == "v"
    g = lab.paths[2].grads[:3]
    np.testing.assert_allclose(adagrad.cache, (g ** 2).sum(axis=0))     # sum of g^2 so far
    assert adagrad.cache_name == "cache" and rmsprop.cache_name == "cache"
    assert adam.moment_name == "m" and adam.cache_name == "v"
    assert newton.moment is None and newton.cache is None and np.isnan(newton.lr)


@pytest.mark.parametrize("changes", [
    {"surface": ["rosenbrock"]}, {"surface": None}, {"surface_params": []},
    {"schedule": {"name": ["constant"]}}, {"schedule": {}}, {"schedule": "constant"},
    {"racers": [{"optimizer": ["sgd"], "label": "S", "visible": True, "config": {}}]},
    {"racers": [{"optimizer": "sgd", "label": ["S"], "visible": True, "config": {}}]},
    {"racers": [{"optimizer": "sgd", "label": "S", "visible": True, "config": []}]},
    {"racers": [{"optimizer": "sgd", "label": "S", "visible": True,
                 "config": {"learning_rate": [0.1]}}]},
    {"racers": "sgd"}, {"start": {"x": 1}}, {"start": [True, 1.0]}, {"steps": 2.5},
    {"clip": None}, {"noise_std": "0"}, {"seed": -1}, {"seed": 2**64},
])
def test_hostile_values_are_refused_with_a_value_error(changes):
    d = {**small().to_dict(), **changes}
    with pytest.raises(ValueError):
        LabSetup.from_dict(d)
