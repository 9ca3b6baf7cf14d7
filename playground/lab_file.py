"""Optimizer-lab files (Qt-free): a ``LabSetup`` as JSON, written atomically through
``playground.disk``; reading one is strict (``FileFormatError`` says what is wrong, by name)."""
from __future__ import annotations

import json

from playground import disk
from playground.checks import FileFormatError, is_whole_number, one_line, quoted
from playground.lab_setup import LabSetup

LAB_FORMAT = "nn-playground-lab"
LAB_VERSION = 1
LAB_SUFFIX = ".nnlab"


def lab_to_json(setup: LabSetup) -> bytes:
    return json.dumps({"format": LAB_FORMAT, "version": LAB_VERSION, "lab": setup.to_dict()},
                      indent=1).encode("utf-8")


def lab_from_json(data: bytes, path=None) -> LabSetup:
    """The setup in a lab file's bytes; FileFormatError (naming ``path``) says what is wrong."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise FileFormatError(f"is not a lab file (not JSON: {one_line(error, 120)}).",
                              path) from None
    if not isinstance(doc, dict) or doc.get("format") != LAB_FORMAT:
        raise FileFormatError("is not an optimizer-lab file.", path)
    if set(doc) != {"format", "version", "lab"}:
        raise FileFormatError("a lab file holds exactly 'format', 'version' and 'lab'.", path)
    version = doc["version"]
    if not is_whole_number(version) or not 1 <= version <= LAB_VERSION:
        raise FileFormatError(f"lab file version {quoted(version)} is not one this program "
                              f"reads (1 to {LAB_VERSION}).", path)
    try:
        return LabSetup.from_dict(doc["lab"])
    except (ValueError, TypeError) as error:
        raise FileFormatError(one_line(error), path) from None


def save_lab(path, setup: LabSetup):
    """Write ``setup`` to ``path`` atomically (playground.disk)."""
    return disk.write_atomically(path, lab_to_json(setup))


def load_lab(path) -> LabSetup:
    """The setup in the lab file at ``path``; FileFormatError when it cannot be read."""
    return lab_from_json(disk.read_file(path), path)
