"""Helpers shared by the experiment-file tests: build documents, take files apart, put them
back together with a change."""
import io
import json
import zipfile

import numpy as np

from playground import files
from playground.experiment import Experiment
from playground.headless import HeadlessRun


def trained_document(steps: int = 40, **changes) -> files.Document:
    """A document whose network has trained ``steps`` steps (small and quick)."""
    values = Experiment({"n_points": 60, "steps_per_frame": 10, **changes}).values()
    run = HeadlessRun(files.Document(values), resolution=2)
    run.train(steps)
    return run.document()


def unpack(data: bytes) -> tuple[dict, dict]:
    """(parsed experiment.json, {name: array}) of a file's bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        document = json.loads(z.read(files.DOCUMENT_NAME))
        npz = np.load(io.BytesIO(z.read(files.ARRAYS_NAME)), allow_pickle=False)
        arrays = {k: npz[k] for k in npz.files}
    return document, arrays


def npz_bytes(arrays: dict, allow_pickle: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, a in arrays.items():
            with z.open(name if name.endswith(".npy") else name + ".npy", "w") as f:
                np.lib.format.write_array(f, np.asanyarray(a), allow_pickle=allow_pickle)
    return out.getvalue()


def pack(document, arrays: dict | None = None, update_manifest: bool = True,
         members: dict | None = None, npz: bytes | None = None,
         json_text: str | None = None) -> bytes:
    """File bytes from a (possibly altered) document and arrays; ``members`` adds or replaces
    raw members (name -> bytes, None removes)."""
    arrays = dict(arrays or {})
    if update_manifest and isinstance(document, dict):
        document = dict(document)
        document["arrays"] = {k: {"dtype": np.asarray(a).dtype.name,
                                  "shape": list(np.asarray(a).shape)} for k, a in arrays.items()}
    entries = {files.DOCUMENT_NAME: (json_text if json_text is not None
                                     else json.dumps(document)).encode("utf-8"),
               files.ARRAYS_NAME: npz if npz is not None else npz_bytes(arrays)}
    for name, data in (members or {}).items():
        if data is None:
            entries.pop(name, None)
        else:
            entries[name] = data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(zipfile.ZipInfo(name), data)
    return out.getvalue()
