"""The command line: run, list, export; outputs, files and exit codes."""
import json
import pathlib
import subprocess
import sys

import pytest

from playground import cli, files, presets

ROOT = pathlib.Path(__file__).resolve().parents[2]


def call(capsys, *argv):
    """(exit code, stdout, stderr) of ``python -m playground.cli *argv`` run in-process."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exit:          # argparse's usage errors and --help
        code = exit.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_run_json_prints_one_object_with_the_results(capsys, tmp_path):
    code, out, err = call(capsys, "run", "circle", "--steps", "40", "--out", str(tmp_path),
                          "--json")
    assert code == 0, err
    result = json.loads(out)
    assert out.count("\n") == 1
    assert result["steps"] == 40 and result["diverged"] is False
    for key in ("epochs", "train_loss", "test_loss", "train_accuracy", "test_accuracy",
                "steps_per_second"):
        assert key in result
    assert files.load(tmp_path / "circle.nnp").step == 40
    assert sorted(result["files"]) == ["boundary", "experiment", "history", "loss"]


def test_run_of_a_file_continues_it_and_writes_beside_it(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert call(capsys, "run", "xor", "--epochs", "2")[0] == 0
    assert (tmp_path / "xor-run" / "xor.nnp").exists()
    code, out, _ = call(capsys, "run", "xor-run/xor.nnp", "--epochs", "3", "--out", "more")
    assert code == 0 and "now at step" in out and "wrote" in out
    saved = files.load(tmp_path / "more" / "xor.nnp")
    assert saved.epoch == 5


def test_run_with_a_seed_starts_afresh(capsys, tmp_path):
    code, out, _ = call(capsys, "run", "xor", "--steps", "10", "--seed", "5", "--out",
                        str(tmp_path), "--json")
    assert code == 0
    assert files.load(tmp_path / "xor.nnp").values["seed"] == 5


def test_regression_accuracy_is_null(capsys, tmp_path):
    code, out, _ = call(capsys, "run", "reg_plane", "--steps", "20", "--out", str(tmp_path),
                        "--json")
    result = json.loads(out)
    assert code == 0 and result["train_accuracy"] is None and result["test_accuracy"] is None


def test_divergence_exits_3_with_the_outputs_written(capsys, tmp_path):
    from playground.experiment import Experiment
    bad = Experiment({"dataset": "reg_plane", "layers": (), "optimizer": "sgd",
                      "learning_rate": 10.0, "output_activation": "linear",
                      "loss": "mse"}).values()
    files.save(tmp_path / "hot.nnp", files.Document(bad))
    code, out, err = call(capsys, "run", str(tmp_path / "hot.nnp"), "--steps", "300",
                          "--out", str(tmp_path / "o"), "--json")
    assert code == cli.EXIT_DIVERGED
    assert json.loads(out)["diverged"] is True
    assert (tmp_path / "o" / "loss.png").exists()


@pytest.mark.parametrize("argv,code,words", [
    (["run", "no-such-example"], 1, ["neither an experiment file nor an example"]),
    (["run", "circle", "--steps", "-3"], 2, ["--steps", "from 0"]),
    (["run", "circle", "--steps", "ten"], 2, ["whole number"]),
    (["run", "circle", "--steps", "5", "--epochs", "1"], 2, ["not allowed"]),
    (["run", "circle", "--seed", "-1"], 2, ["--seed"]),
    (["run"], 2, ["FILE_OR_EXAMPLE"]),
    (["fly"], 2, ["invalid choice"]),
    ([], 2, ["COMMAND"]),
])
def test_bad_command_lines(capsys, argv, code, words):
    got, out, err = call(capsys, *argv)
    assert got == code
    for word in words:
        assert word in err


def test_a_bad_file_gives_a_message_naming_the_problem(capsys, tmp_path):
    (tmp_path / "notes.nnp").write_text("my notes")
    code, out, err = call(capsys, "run", str(tmp_path / "notes.nnp"), "--out",
                          str(tmp_path / "o"))
    assert code == 1 and "notes.nnp" in err and "not a ZIP" in err and out == ""
    assert not (tmp_path / "o").exists()


def test_an_out_path_that_is_a_file_is_refused(capsys, tmp_path):
    (tmp_path / "f").write_text("")
    code, _, err = call(capsys, "run", "circle", "--out", str(tmp_path / "f"))
    assert code == 1 and "not a folder" in err


def test_list(capsys):
    code, out, _ = call(capsys, "list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()][:3] == ["default", "circle", "xor"]
    images = [line for line in out.splitlines() if "[images]" in line]
    assert [line.split()[0] for line in images] == list(presets.image_names())
    code, out, _ = call(capsys, "list", "--json")
    rows = json.loads(out)
    assert {"name", "title", "dataset", "description"} <= set(rows[0])
    assert {r["name"] for r in rows if r["kind"] == "image example"} == set(presets.image_names())


def test_list_into_a_pipe_that_closes_early_ends_quietly():
    main_py = pathlib.Path(__file__).resolve().parents[2] / "main.py"
    proc = subprocess.run(f"'{sys.executable}' '{main_py}' list | head -1", shell=True,
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout.split()[0] == "default" and "Traceback" not in proc.stderr


def test_export(capsys, tmp_path):
    code, out, _ = call(capsys, "export", "moons", "--out", str(tmp_path), "--name", "moons")
    assert code == 0
    assert {p.name for p in tmp_path.iterdir()} == {"moons.py", "moons.npz", "history.csv"}
    code, _, err = call(capsys, "export", "moons", "--out", str(tmp_path), "--name", "a-b")
    assert code == 2 and "identifier" in err


def test_help_documents_every_command(capsys):
    code, out, _ = call(capsys, "--help")
    assert code == 0 and all(name in out for name in ("run", "list", "export"))
    code, out, _ = call(capsys, "run", "--help")
    assert code == 0
    for word in ("--steps", "--epochs", "--seed", "--out", "--json", "exit codes"):
        assert word in out


def test_document_for_window(capsys, tmp_path):
    assert cli.document_for_window(None) == (None, None, 0)
    doc, path, code = cli.document_for_window("spiral")
    assert code == 0 and path is None and doc.values["dataset"] == "spiral"
    doc, path, code = cli.document_for_window(str(tmp_path / "missing.nnp"))
    assert (doc, path, code) == (None, None, 1)
    assert "missing.nnp" in capsys.readouterr().err


def test_as_a_separate_process_stdout_is_exactly_the_json(tmp_path):
    # -X importtime lists every module the process imports on stderr (stdout stays the JSON)
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "playground.cli", "run",
                          "default", "--steps", "30", "--out", str(tmp_path), "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["steps"] == 30
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines()
                if line.startswith("import time:")}
    assert {"numpy", "playground.headless"} <= imported          # the list is there
    assert not {m for m in imported
                if m.split(".")[0] == "pyqtgraph" or m.startswith(("PySide6.QtGui",
                                                                    "PySide6.QtWidgets"))}


def test_main_py_registers_the_commands():
    out = subprocess.run([sys.executable, "main.py", "list"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                              "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0 and "spiral" in out.stdout
    bad = subprocess.run([sys.executable, "main.py", "run", "nowhere.nnp"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                              "QT_QPA_PLATFORM": "offscreen"})
    assert bad.returncode == 1 and "nowhere.nnp" in bad.stderr


def test_headless_runs_never_load_qt_graphics(tmp_path):
    code = ("import sys; from playground import cli; "
            f"rc = cli.main(['run', 'moons', '--steps', '5', '--out', {str(tmp_path)!r}]); "
            "print(rc, sorted(m for m in sys.modules if m.startswith(('PySide6.QtGui', "
            "'PySide6.QtWidgets', 'pyqtgraph'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[-2] == "0 []"


def test_the_nn_playground_command_is_main_py():
    """pyproject.toml declares the console command and it resolves to main.py's main."""
    from importlib.metadata import entry_points

    import main
    (entry,) = entry_points(group="console_scripts", name="nn-playground")
    assert entry.value == "main:main"
    assert entry.load() is main.main


def test_the_installed_command_works_from_any_folder(tmp_path):
    """After ``make setup`` the environment has ``nn-playground``, and it needs no PYTHONPATH
    and no particular current folder."""
    command = pathlib.Path(sys.executable).parent / "nn-playground"
    assert command.exists(), f"{command} is missing: run make setup (pip install -e .)"
    out = subprocess.run([str(command), "list"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "default" and "spiral" in out.stdout
    usage = subprocess.run([str(command), "--help"], cwd=tmp_path, capture_output=True,
                           text=True, timeout=300, env={"PATH": "/usr/bin:/bin"})
    assert usage.returncode == 0 and usage.stdout.startswith("usage: nn-playground ")


def test_ctrl_c_in_a_headless_run_ends_it_with_one_line_and_130(tmp_path):
    import signal
    import time
    code = ("import sys, main; print('ready', flush=True); "
            f"sys.exit(main.main(['run', 'spiral', '--epochs', '100000000', '--out', "
            f"{str(tmp_path / 'o')!r}]))")
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert process.stdout.readline() == "ready\n"
    time.sleep(1.0)                               # into the training loop
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "Interrupted." and "Traceback" not in err


def test_the_window_refuses_an_example_whose_data_is_not_downloaded(capsys, monkeypatch,
                                                                    tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))          # an empty download cache
    assert cli.document_for_window("lenet_fashion") == (None, None, 1)
    err = capsys.readouterr().err
    assert "lenet_fashion" in err and "main.py download fashion_mnist" in err
    doc, _, code = cli.document_for_window("lenet_digits")       # shipped data: opens
    assert code == 0 and doc.values["dataset"] == "digits"


def test_main_py_says_how_to_get_a_missing_download(tmp_path):
    out = subprocess.run([sys.executable, "main.py", "lenet_fashion", "--screenshot",
                          str(tmp_path / "x.png")], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                           "XDG_CACHE_HOME": str(tmp_path),
                                           "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 1
    assert "download fashion_mnist" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "x.png").exists()
