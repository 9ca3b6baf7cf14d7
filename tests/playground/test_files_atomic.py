"""Atomic saving: a process killed at random moments while it saves over a file, again and
again, never leaves that file damaged; it always loads as one complete earlier save, and the
temporary files the kills leave beside it are gone once it has been opened."""
import json
import pathlib
import subprocess
import sys

from playground import files

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Imports once, then forks a child per trial that saves over TARGET in a loop (alternating two
# documents of a megabyte or two, with a slow fsync like a slow disk) until this driver kills it.
DRIVER = r"""
import json, os, random, signal, sys, time
import numpy as np
from playground import files
from playground.experiment import Experiment

target, trials = sys.argv[1], int(sys.argv[2])
values = Experiment({"n_points": 60}).values()
rows = 40_000
def document(title, seed):
    rng = np.random.default_rng(seed)
    history = {c: rng.random(rows) for c in ("train_loss", "test_loss", "train_accuracy",
                                            "test_accuracy", "learning_rate")}
    history["step"] = np.zeros(rows)
    history["epoch"] = np.zeros(rows)
    return files.Document(values, None, history, {"title": title})
docs = [document("A", 1), document("B", 2)]
files.save(target, docs[0])
real_fsync = os.fsync
random.seed(7)
for trial in range(trials):
    pid = os.fork()
    if pid == 0:
        def slow_fsync(fd):      # long enough that many kills land before the rename
            time.sleep(0.06)
            real_fsync(fd)
        os.fsync = slow_fsync
        i = trial + 1       # each child starts with the other document than the last one
        while True:
            files.save(target, docs[i % 2])
            i += 1
    time.sleep(random.uniform(0.02, 0.6))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    folder = os.path.dirname(target)
    left = sum(name.endswith(".tmp") for name in os.listdir(folder))
    try:
        title = files.load(target).meta["title"]
    except Exception as error:
        title = f"FAILED: {error}"
    after = sum(name.endswith(".tmp") for name in os.listdir(folder))
    print(json.dumps({"trial": trial, "title": title, "left": left, "after": after}),
          flush=True)
"""


def test_killing_a_saving_process_never_damages_the_file(tmp_path):
    target = tmp_path / "experiment.nnp"
    trials = 40
    out = subprocess.run([sys.executable, "-c", DRIVER, str(target), str(trials)], cwd=ROOT,
                         capture_output=True, text=True, timeout=400,
                         env={"PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
                              "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(results) == trials
    assert all(r["title"] in ("A", "B") for r in results), results
    assert {r["title"] for r in results} == {"A", "B"}     # saves did complete in between
    assert any(r["left"] for r in results), "no kill landed between writing the temporary " \
                                            "file and the rename"
    assert all(r["after"] == 0 for r in results), results     # opening removed them
    assert files.load(target).meta["title"] in ("A", "B")
