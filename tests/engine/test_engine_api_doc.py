"""docs/ENGINE_API.md says what the engine is: every module it lists exists and every engine
module is listed; the names it puts in backticks beside a module are that module's; the calls it
writes out (``LayerSpec(units, activation=...)``) have the argument names the code has; the
``trainer.x`` and ``spec.x`` it mentions exist."""
import importlib
import inspect
import re
from pathlib import Path

import numpy as np
import pytest

from engine.network import LayerSpec, NetworkSpec
from engine.trainer import TrainConfig, Trainer

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "ENGINE_API.md").read_text()
ROWS = re.findall(r"^\| `engine/(\w+)\.py` \| (.*) \|$", DOC, re.M)


def module(name):
    return importlib.import_module(f"engine.{name}")


def sections():
    """(module name, text) for each "## Title (`engine/x.py`)" section."""
    parts = re.split(r"^## ", DOC, flags=re.M)[1:]
    for part in parts:
        found = re.match(r".*\(`engine/(\w+)\.py`\)", part.splitlines()[0])
        if found:
            yield found.group(1), part


def calls(text):
    """(name, [argument names]) for each ``Name(arg, kw=default, ...)`` at the start of a code
    line (4-space indented), arguments possibly over several lines."""
    for found in re.finditer(r"^ {4,}(?:\w+ = )?([A-Za-z_]\w*)\(", text, re.M):
        depth, i = 1, found.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        args, level, current = [], 0, ""
        for ch in text[found.end():i - 1] + ",":
            if ch in "([{":
                level += 1
            elif ch in ")]}":
                level -= 1
            if ch == "," and level == 0:
                args.append(current.strip())
                current = ""
            else:
                current += ch
        names = [a.split("=")[0].split(":")[0].strip() for a in args if a.strip()]
        yield found.group(1), [n for n in names if not n.startswith("*")]


def test_the_listed_modules_are_the_engine():
    listed = {name for name, _ in ROWS}
    present = {p.stem for p in (ROOT / "engine").glob("*.py") if p.stem != "__init__"}
    assert listed - present == set(), "listed but missing"
    assert present - listed == set(), "in engine/ but not in docs/ENGINE_API.md"


@pytest.mark.parametrize("name,text", ROWS, ids=[n for n, _ in ROWS])
def test_the_names_beside_a_module_are_its_own(name, text):
    mod = module(name)
    for token in re.findall(r"`([^`]+)`", text):
        head = re.match(r"([A-Za-z_]\w*)(\(|$)", token)
        if head is None or token.startswith(("python ", "engine")):
            continue                         # a string key, a formula, a command
        assert hasattr(mod, head.group(1)), f"engine.{name} has no {head.group(1)}"


def test_the_calls_written_out_have_the_codes_argument_names():
    checked = 0
    for name, text in sections():
        mod = module(name)
        for func, documented in calls(text):
            target = getattr(mod, func, None)
            if target is None:
                continue
            target = getattr(target, "py_func", target)          # a numba kernel
            actual = [p.name for p in inspect.signature(target).parameters.values()
                      if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
            assert documented == actual, f"engine.{name}.{func}: doc {documented}, code {actual}"
            checked += 1
    assert checked >= 6


def test_the_trainer_and_spec_members_it_mentions_exist():
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    spec = NetworkSpec.for_task(2, [LayerSpec(2)], "binary")
    trainer = Trainer(spec, TrainConfig(batch_size=2), X, X[:, :1])
    for owner, obj in (("trainer", trainer), ("spec", spec)):
        members = set(re.findall(rf"(?<![/\w]){owner}\.(\w+)", DOC))
        assert members, owner
        for member in members:
            assert hasattr(obj, member), f"{type(obj).__name__} has no {member}"
