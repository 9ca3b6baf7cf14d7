"""The migrations of experiment files (``playground.files``): one function per format version
that turns a parsed file of that version into one of the next. ``document`` is the parsed JSON,
``arrays`` {name: ndarray} as read. Add one entry to ``MIGRATIONS`` whenever ``files.VERSION``
goes up; never edit an old one. Anything malformed is left for the file's checks to name."""
from __future__ import annotations

from collections.abc import Callable

MIGRATIONS: dict[int, Callable[[dict, dict], tuple[dict, dict]]] = {}


def _with_settings(document: dict, version: int, added: dict) -> dict:
    """``document`` as of ``version``, its settings with ``added`` where it has none of them."""
    document = dict(document, version=version)
    fields = document.get("fields")
    if isinstance(fields, dict):
        document["fields"] = {**added, **fields}
    return document


#: Settings added in version 2, with the value version 1 used without saying so.
_ADDED_IN_2 = {"output_init": "glorot_uniform", "init_scale": 0.01, "leaky_slope": 0.01,
               "weight_decay": 0.0, "max_norm": 0.0}


def _version_1_to_2(document: dict, arrays: dict) -> tuple[dict, dict]:
    """Version 2 saves the output layer's initializer, the small-random scale, the leaky-ReLU
    slope, weight decay and max-norm. Decoupled weight decay became one setting for every
    optimizer, so "adamw" with ``optimizer_params.weight_decay`` (default 0.01) is now "adam"
    with ``weight_decay``: the same update, bit for bit."""
    document = _with_settings(document, 2, _ADDED_IN_2)
    fields = document.get("fields")
    if isinstance(fields, dict):
        params = fields.get("optimizer_params")
        if fields.get("optimizer") == "adamw" and isinstance(params, dict):
            params = dict(params)
            fields["weight_decay"] = params.pop("weight_decay", 0.01)
            fields["optimizer"], fields["optimizer_params"] = "adam", params
    return document, arrays


MIGRATIONS[1] = _version_1_to_2


def _version_2_to_3(document: dict, arrays: dict) -> tuple[dict, dict]:
    """Version 3 saves the panels a teacher hid from the class (``hidden_panels``); a version 2
    file showed them all."""
    return _with_settings(document, 3, {"hidden_panels": []}), arrays


MIGRATIONS[2] = _version_2_to_3

#: Settings added in version 4, with the value version 3 used without saying so.
_ADDED_IN_4 = {"classes": [], "per_class": 0, "augmentation": {}}


def _version_3_to_4(document: dict, arrays: dict) -> tuple[dict, dict]:
    """Version 4 saves which classes of an image set are used (``classes``, all),
    how many training images each keeps (``per_class``, all) and the augmentation of the
    training images (``augmentation``, off). Its layers may say ``frozen`` and ``lr_scale``;
    a version 3 layer trains as usual, which is what leaving them out means."""
    return _with_settings(document, 4, _ADDED_IN_4), arrays


MIGRATIONS[3] = _version_3_to_4


def _version_4_to_5(document: dict, arrays: dict) -> tuple[dict, dict]:
    """Version 5 saves the precision a run trains in (``precision``); a version 4 file
    trained in float64."""
    return _with_settings(document, 5, {"precision": "float64"}), arrays


MIGRATIONS[4] = _version_4_to_5
