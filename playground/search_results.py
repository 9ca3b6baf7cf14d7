"""What a hyperparameter search found (Qt-free): its trials as plain rows, the best one, how
much each setting matters, the metric over two settings, and a trial's experiment to open."""
from __future__ import annotations

import math

import numpy as np

from playground import files
from playground.checks import quoted
from playground.compare import value_text
from playground.search_space import spec_of


def trial_row(t) -> dict:
    """A finished trial as plain data: number, state, value, settings, seconds, status."""
    value = t.value if t.values else None
    status = t.user_attrs.get("status") or t.state.name.lower()
    if t.state.name == "PRUNED":
        status = "pruned"
    elif t.state.name == "FAIL" and status == "done":
        status = "failed"
    return {"number": t.number, "state": t.state.name.lower(), "status": status,
            "value": None if value is None or not math.isfinite(value) else float(value),
            "params": dict(t.params), "seconds": t.user_attrs.get("seconds"),
            "message": t.user_attrs.get("message", "")}


def trials_table(study) -> list[dict]:
    return [trial_row(t) for t in study.get_trials(deepcopy=False)]


def best(study) -> dict | None:
    from optuna.trial import TrialState
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        return None
    return trial_row(study.best_trial)


def importances(study) -> dict:
    """How much each setting matters to the metric (Optuna's fANOVA), {} with too few trials."""
    import optuna
    from optuna.trial import TrialState
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if len(complete) < 3 or len(complete[0].params) < 1:
        return {}
    try:
        return {k: float(v) for k, v in optuna.importance.get_param_importances(study).items()}
    except (RuntimeError, ValueError, ZeroDivisionError):
        return {}


def heatmap(study, x: str, y: str, bins: int = 6) -> dict:
    """The metric over two settings: {"x": edges, "y": edges, "values": (bins, bins) mean
    metric of the complete trials in each cell (NaN where none)}; log-spaced edges for
    log-scale ranges, one cell per choice for choices."""
    from optuna.trial import TrialState
    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    spec = spec_of(study)
    params = {p.name: p for p in spec.params}
    axes = []
    for name in (x, y):
        p = params.get(name)
        if p is None:
            raise ValueError(f"{quoted(name)} is not searched in this study.")
        if p.choices:
            axes.append(("choices", list(p.choices)))
        elif p.log:
            axes.append(("edges", np.geomspace(p.low, p.high, bins + 1).tolist()))
        else:
            axes.append(("edges", np.linspace(p.low, p.high, bins + 1).tolist()))

    def cell(axis, v):
        kind, a = axis
        if kind == "choices":
            return a.index(v)
        return int(min(max(np.searchsorted(a, v, side="right") - 1, 0), len(a) - 2))

    shape = tuple(len(a) if k == "choices" else len(a) - 1 for k, a in axes)
    total, count = np.zeros(shape[::-1]), np.zeros(shape[::-1])
    for t in trials:
        i, j = cell(axes[0], t.params[x]), cell(axes[1], t.params[y])
        total[j, i] += t.value
        count[j, i] += 1
    with np.errstate(invalid="ignore"):
        values = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return {"x": axes[0][1], "y": axes[1][1], "values": values, "counts": count}


def document_of(study, number: int) -> files.Document:
    """Trial ``number``'s experiment, ready to open and train (fresh weights)."""
    spec = spec_of(study)
    trial = study.trials[number]
    values = spec.values_of(dict(trial.params))
    title = ", ".join(f"{k}={value_text(v, 4)}" for k, v in trial.params.items())
    return files.Document(values, meta={"title": f"trial {number}: {title}"})
