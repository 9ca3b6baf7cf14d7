"""Hostile files through ``main.py run`` and ``export``: one line on stderr that quotes the
file's text short and escaped, exit code 1, no traceback, nothing written."""
import json
import os
import pathlib
import subprocess
import sys

import pytest
from files_helpers import pack, trained_document, unpack

from playground import cli, files

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def good():
    document, arrays = unpack(files.dumps(trained_document(5)))
    return document, arrays


def hostile_files(folder: pathlib.Path, good) -> dict[str, pathlib.Path]:
    document, arrays = good
    text = json.dumps(document)
    made = {
        "digits": pack(document, arrays, json_text=text.replace('"step": 5', '"step": '
                                                                 + "9" * 5000, 1)),
        "nested": pack(document, arrays, json_text=text[:-1] + ', "x": ' + "[" * 1000
                       + "]" * 1000 + "}"),
        "rich": pack(dict(document, fields=dict(document["fields"], dataset="<a href='x'>Click "
                                                "here</a>\n\x1b[2J" * 40)), arrays),
    }
    out = {}
    for name, data in made.items():
        out[name] = folder / f"{name}.nnp"
        out[name].write_bytes(data)
    out["fifo"] = folder / "fifo.nnp"
    os.mkfifo(out["fifo"])
    out["zero"] = folder / "zero.nnp"
    out["zero"].symlink_to("/dev/zero")
    return out


@pytest.mark.parametrize("command", ["run", "export"])
def test_hostile_files_give_one_line_and_exit_code_1(capsys, tmp_path, good, command):
    for name, path in hostile_files(tmp_path, good).items():
        out = tmp_path / f"out-{name}"
        code = cli.main([command, str(path), "--out", str(out)])
        captured = capsys.readouterr()
        assert code == cli.EXIT_BAD_INPUT, (name, captured.err)
        assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, \
            (name, captured.err)
        assert "Traceback" not in captured.err and "\x1b" not in captured.err
        assert len(captured.err) < 500, captured.err
        assert not out.exists()


def test_main_py_run_on_a_named_pipe_ends_with_a_message(tmp_path):
    """The real entry point, in its own process: a pipe with no writer must not hang it."""
    fifo = tmp_path / "pipe.nnp"
    os.mkfifo(fifo)
    try:
        result = subprocess.run([sys.executable, "main.py", "run", str(fifo), "--steps", "1",
                                 "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True,
                                text=True, timeout=300,
                                env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    except subprocess.TimeoutExpired:
        with open(fifo, "wb"):      # let the hung reader go
            pass
        pytest.fail("main.py run hung on a named pipe")
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: {fifo.name}: is a named pipe, not an experiment file."]
