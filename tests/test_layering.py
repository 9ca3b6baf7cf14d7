"""The layering rule: engine imports no UI or app code; playground imports no QtWidgets/QtGui.

Each check runs in a fresh interpreter so modules imported by other tests do not mask a leak.
"""
import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _modules_after_importing(package):
    code = (
        "import importlib, pkgutil, sys\n"
        f"pkg = importlib.import_module({package!r})\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
                              "PATH": "/usr/bin:/bin"}, timeout=300)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_engine_imports_no_qt_pyqtgraph_playground_or_widgets():
    mods = _modules_after_importing("engine")
    assert "engine.trainer" in mods          # the walk really imported the package
    leaks = {m for m in mods if m.split(".")[0] in {"PySide6", "pyqtgraph", "playground", "widgets"}}
    assert not leaks


def test_playground_imports_no_qtwidgets_qtgui_pyqtgraph_or_widgets():
    mods = _modules_after_importing("playground")
    assert "playground.session" in mods      # the walk really imported the package
    leaks = {m for m in mods if m in {"PySide6.QtWidgets", "PySide6.QtGui", "pyqtgraph"}
             or m.split(".")[0] == "widgets"}
    assert not leaks


def _imports(package):
    """(file name, imported module) for every import statement in a package, function bodies
    included -- catches an import the import walk above would not execute."""
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                yield from ((path.name, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield path.name, node.module


@pytest.mark.parametrize("package, forbidden", [
    ("engine", ("PySide6", "pyqtgraph", "playground", "widgets")),
    ("playground", ("PySide6.QtWidgets", "PySide6.QtGui", "pyqtgraph", "widgets")),
    ("widgets", ("engine",)),       # views render the model; they never drive the engine
])
def test_no_import_statement_crosses_a_layer(package, forbidden):
    found = list(_imports(package))
    assert len({f for f, _ in found}) > 5          # the package's files were read
    assert [(f, m) for f, m in found if m.startswith(forbidden)] == []
