"""What one undo step is, without Qt widgets: the rules ``widgets.undo`` builds its stack on.

An experiment edit is recorded as the whole state before and after it (``Edit``), so undoing
it (``experiment.update(edit.before)``) restores every field exactly, including the ones the
experiment adjusted on its own (a new optimizer's learning rate, a batch size cut to a smaller
training set). One call of ``Experiment.update`` is one edit however many fields it changed:
the first ``state_changed`` of a call already sees them all (``EditRecorder``).

Slider drags: every value a dragged slider passes through is an edit; while the same drag goes
on, edits of the same fields merge into one (``merged``), so a drag undoes in one step.
"""
from contextlib import contextmanager
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields

from playground import catalog
from playground.fields import FIELDS, FIELDS_BY_NAME, LAYER_KIND_LABELS, Layer

#: How a number reads in an undo step's text.
NUMBER_FORMAT = "{:.4g}"


@dataclass(frozen=True)
class Edit:
    """One change of the experiment: every field's value before and after it.

    fields : names of the fields that changed, in the table's order
    drag   : a key shared by the edits of one slider drag (None: not dragged), for ``merged``
    """
    before: dict
    after: dict
    fields: tuple
    drag: object = None
    text: str = field(default="", compare=False)


@dataclass(frozen=True)
class WeightEdit:
    """A typed weight or bias: W[row, col] of weight layer ``layer`` (row None: bias col).

    ``structure`` names the network it belongs to (``network_structure``): a rebuilt network of
    another shape has no such weight, so undoing it there does nothing."""
    layer: int
    row: int | None
    col: int
    before: float
    after: float
    structure: tuple

    @property
    def text(self) -> str:
        where = (f"bias {self.col + 1} of layer {self.layer + 1}" if self.row is None else
                 f"weight {self.row + 1}\u2192{self.col + 1} of layer {self.layer + 1}")
        return f"Type {where}: {_value(self.before)} \u2192 {_value(self.after)}"


def network_structure(n_inputs: int, hidden_units, n_outputs: int) -> tuple:
    """What a typed weight's index depends on: the layer sizes from inputs to outputs."""
    return (int(n_inputs), *(int(u) for u in hidden_units), int(n_outputs))


def diff(before: dict, after: dict, drag=None) -> Edit | None:
    """The edit from ``before`` to ``after`` (whole experiment values), None if equal."""
    changed = tuple(f.name for f in FIELDS if before.get(f.name) != after.get(f.name))
    if not changed:
        return None
    return Edit(dict(before), dict(after), changed, drag, describe(before, after, changed))


def merged(first: Edit, then: Edit) -> Edit | None:
    """``first`` followed by ``then`` as one step, or None when they stay two steps.

    They merge when both come from the same slider drag and change the same fields."""
    if first.drag is None or first.drag != then.drag or first.fields != then.fields:
        return None
    return Edit(first.before, then.after, first.fields, first.drag,
                describe(first.before, then.after, first.fields))


def is_no_op(edit: Edit) -> bool:
    """True when a merged drag ended where it started."""
    return all(edit.before[name] == edit.after[name] for name in edit.fields)


def describe(before: dict, after: dict, changed: tuple) -> str:
    """A short line for the undo history ("Learning rate 0.01 \u2192 0.03", "Add layer 3")."""
    if changed == ("layers",):
        return _describe_layers(before["layers"], after["layers"])
    if "dataset" in changed:
        return f"Data set: {catalog.dataset_label(after['dataset'])}"
    if "optimizer" in changed:
        return f"Optimizer: {catalog.label(after['optimizer'])}"
    if "seed" in changed and len(changed) == 1:
        return "New random weights"
    if len(changed) == 1:
        name = changed[0]
        return f"{FIELDS_BY_NAME[name].title} {_value(before[name])} \u2192 " \
               f"{_value(after[name])}"
    titles = [FIELDS_BY_NAME[n].title.lower() for n in changed]
    return "Change " + ", ".join(titles[:3]) + (" and more" if len(titles) > 3 else "")


def _describe_layers(old: tuple, new: tuple) -> str:
    # where the two lists first differ: the place of an inserted or removed layer
    at = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    norm = _describe_point_batch_norm(old, new, at)
    if norm:
        return norm
    if len(new) == len(old) + 1:
        return f"Add hidden layer {at + 1}"
    if len(new) == len(old) - 1:
        return f"Remove hidden layer {at + 1}"
    if len(new) != len(old):
        return f"Hidden layers: {len(old)} \u2192 {len(new)}"
    changes = [(i, a, b) for i, (a, b) in enumerate(zip(old, new)) if a != b]
    if len(changes) != 1:
        return "Change hidden layers"
    i, a, b = changes[0]
    return f"Layer {i + 1}: {_describe_layer(a, b)}"


def _describe_point_batch_norm(old: tuple, new: tuple, at: int) -> str | None:
    """A 2-D network's batch norm turned on or off, or its momentum changed, said of the
    dense layer it follows as the builder numbers it ("Layer 2: batch norm on"); None for
    any other change."""
    if any(layer.kind not in ("dense", "batchnorm") for layer in old + new):
        return None
    longer = new if len(new) > len(old) else old
    column = sum(1 for layer in longer[:at] if layer.is_dense)
    dense_old, dense_new = (sum(1 for layer in x if layer.is_dense) for x in (old, new))
    if dense_new == dense_old + 1 and new[:len(old)] == old:      # a column with its norm
        return f"Add hidden layer {dense_new}"
    if dense_old == dense_new + 1 and old[:len(new)] == new:
        return f"Remove hidden layer {dense_old}"
    if abs(len(new) - len(old)) == 1 and at < len(longer) and longer[at].kind == "batchnorm":
        return f"Layer {column}: batch norm {'on' if longer is new else 'off'}"
    if len(new) == len(old) and at < len(new) and old[at].kind == new[at].kind == "batchnorm" \
            and old[at + 1:] == new[at + 1:]:
        return (f"Layer {column}: batch-norm momentum {_value(old[at].momentum)} \u2192 "
                f"{_value(new[at].momentum)}")
    return None


def _describe_layer(a: Layer, b: Layer) -> str:
    if b.kind != a.kind:
        return f"{LAYER_KIND_LABELS.get(b.kind, b.kind)} layer"
    if a.is_dense:
        if b.units == a.units + 1:
            return "add a neuron"
        if b.units == a.units - 1:
            return "remove a neuron"
        if b.units != a.units:
            return f"{a.units} \u2192 {b.units} neurons"
        if b.activation != a.activation:
            return f"activation {catalog.label(b.activation)}"
        if b.init != a.init:
            return f"initializer {catalog.label(b.init)}"
    name = next(f.name for f in dataclass_fields(Layer) if getattr(a, f.name) != getattr(b, f.name))
    return f"{name.replace('_', ' ')} {_value(getattr(a, name))} \u2192 {_value(getattr(b, name))}"


def _value(v) -> str:
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, float):
        return NUMBER_FORMAT.format(v)
    if isinstance(v, str):
        return catalog.label(v) if v else "\u2013"
    if isinstance(v, dict):
        return ", ".join(f"{k} {_value(x)}" for k, x in v.items()) or "defaults"
    if isinstance(v, tuple):
        return ", ".join(_value(x) for x in v) or "none"
    return str(v)


class EditRecorder:
    """Turns an experiment's ``state_changed`` signals into ``Edit`` steps.

    ``record`` is called with each ``state_changed``; it returns the Edit of the call of
    ``Experiment.update`` that emitted it (the first signal of a call), or None for that call's
    other signals and while ``paused`` (undo and redo applying a step, a file being opened).
    ``drag``: a callable giving the current slider drag's key (None when no drag is on)."""

    def __init__(self, experiment, drag=lambda: None):
        self.experiment = experiment
        self.drag = drag
        self._last = experiment.values()
        self._paused = 0

    def record(self) -> Edit | None:
        now = self.experiment.values()
        if self._paused:
            return None
        edit = diff(self._last, now, self.drag())
        self._last = now
        return edit

    def apply(self, values: dict) -> None:
        """Put the experiment back to ``values`` (an Edit's before or after), unrecorded."""
        with self.paused():
            self.experiment.update(values)

    @contextmanager
    def paused(self):
        """Nothing is recorded inside; afterwards recording goes on from the state then."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1
            self._last = self.experiment.values()
