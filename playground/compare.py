"""Run comparison: variants of one experiment that differ in some settings, trained side by side.

``variants(values, vary)`` makes one variant per combination of the varied settings (for
``{"optimizer": ("sgd", "adam"), "learning_rate": (0.01, 0.1)}``: four), each checked by the
experiment's own rules. ``Comparison`` runs them in worker processes (``playground.processes``),
each exactly as ``python main.py run`` would train it alone (same numbers, bit for bit): from
fresh weights, or from the weights its ``Variant.start`` gives (a transferred network:
``playground.transfer.scratch_variants``), gathers their progress while they train and their
final metrics, and writes a table (CSV) and a picture of their curves (PNG). A variant that
diverges or crashes is recorded as such; the others go on.

    comparison = Comparison(document, variants(document.values, {"seed": (1, 2, 3)}), epochs=20)
    comparison.run()                      # or start() / poll() / cancel() from a window
    comparison.write_csv("runs.csv")
"""
from __future__ import annotations

import csv
import io
import itertools
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from playground import comparison_file, files, image_data
from playground.checks import FileFormatError, quoted
from playground.experiment import Experiment, InvalidValue
from playground.fields import FIELDS_BY_NAME
from playground.processes import ProcessPool, cores

#: Settings a comparison may vary: the ones with a single value (not layers or feature lists).
VARIABLE_KINDS = (int, float, str, bool)
METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
#: A running variant reports its newest history row at most this often (seconds).
REPORT_SECONDS = 0.1
MAX_VARIANTS = 64


@dataclass(frozen=True)
class Variant:
    """One run of a comparison: its name, the settings it changes and where its weights start.

    start : None for fresh weights drawn from the seed; else a ``files.Document`` whose trainer
        state holds the starting weights (a transferred network), or a picklable callable
        returning one, called in the worker process (e.g. ``transfer.FromSource``, which trains
        the source network there first). The document's settings must be the variant's.
    """
    name: str
    changes: dict
    start: object = None


@dataclass
class VariantResult:
    """What became of a variant. ``status``: "waiting", "running", "done", "diverged",
    "failed" or "cancelled"; ``history``: {column: list} rows so far."""
    variant: Variant
    status: str = "waiting"
    outcome: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    seconds: float = math.nan
    message: str = ""
    #: the trainer state the variant started from, when it did not start from fresh weights
    #: (sent back by its worker; saved with the experiment's comparison)
    start_state: dict | None = None

    def metric(self, name: str) -> float:
        v = self.outcome.get(name)
        if v is None and self.history.get(name):
            v = self.history[name][-1]
        return math.nan if v is None else float(v)


# ---- which variants ---------------------------------------------------------------------------
def parse_value(name: str, text: str):
    """A command-line value for setting ``name``, of the setting's type."""
    f = FIELDS_BY_NAME.get(name)
    if f is None:
        raise ValueError(f"Unknown setting {quoted(name)}.")
    if f.kind not in VARIABLE_KINDS:
        raise ValueError(f"{f.title} cannot be varied or searched (it is not a single "
                         f"value).")
    text = text.strip()
    try:
        if f.kind is bool:
            if text.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                raise ValueError
            return text.lower() in ("true", "1", "yes", "on")
        if f.kind is int:
            number = float(text)
            if not number.is_integer():
                raise ValueError
            return int(number)
        return f.kind(text)
    except ValueError:
        raise ValueError(f"{f.title} takes a {f.kind.__name__}, not {quoted(text)}.") from None


def parse_vary(texts: list[str]) -> dict:
    """{"optimizer": ("sgd", "adam"), ...} from ["optimizer=sgd,adam", ...]."""
    vary = {}
    for text in texts:
        name, sep, values = text.partition("=")
        name = name.strip()
        if not sep or not name or not values.strip():
            raise ValueError(f"--vary takes SETTING=VALUE,VALUE..., not {quoted(text)}.")
        if name in vary:
            raise ValueError(f"{quoted(name)} is varied twice; give its values once.")
        parsed = tuple(parse_value(name, v) for v in values.split(","))
        if len(set(parsed)) != len(parsed):
            raise ValueError(f"{quoted(name)} lists a value twice.")
        vary[name] = parsed
    return vary


def variants(values: dict, vary: dict) -> list[Variant]:
    """One variant per combination of the varied values, named by what it changes; each is
    checked against the experiment's rules (an impossible combination is refused by name)."""
    if not vary:
        raise ValueError("Vary at least one setting.")
    names = list(vary)
    combos = list(itertools.product(*(vary[n] for n in names)))
    if len(combos) > MAX_VARIANTS:
        raise ValueError(f"{len(combos)} variants are too many; at most {MAX_VARIANTS}.")
    out = []
    for combo in combos:
        changes = dict(zip(names, combo))
        name = ", ".join(f"{n}={value_text(v)}" for n, v in changes.items())
        try:
            Experiment({**values, **changes})
        except InvalidValue as error:
            raise ValueError(f"The variant {name}: {error}") from None
        out.append(Variant(name, changes))
    return out


def optimizer_variants(values: dict, optimizers=("sgd", "momentum", "rmsprop", "adam")) -> list:
    """"Compare the optimizers on this data": each optimizer at its recommended rate."""
    from playground import catalog
    out = []
    for name in optimizers:
        changes = {"optimizer": name, "optimizer_params": {}}
        rate = catalog.recommended_learning_rate(name)
        if rate is not None:
            changes["learning_rate"] = rate
        Experiment({**values, **changes})
        out.append(Variant(catalog.label(name), changes))
    return out


def seed_variants(values: dict, n: int = 5) -> list[Variant]:
    """"Same network, five seeds": seeds 1..n (the weights and the batch order change)."""
    first = int(values.get("seed", 1))
    return [Variant(f"seed {first + i}", {"seed": first + i}) for i in range(n)]


def value_text(v, digits: int | None = None) -> str:
    """A setting's value as a name shows it: floats in %g (``digits`` significant digits)."""
    if isinstance(v, float):
        return f"{v:.{digits}g}" if digits else f"{v:g}"
    return str(v)


def csv_of(rows: list[dict]) -> str:
    """CSV text of table rows (every key of the rows is a column; floats written exactly,
    None as an empty cell)."""
    names = []
    for row in rows:
        names.extend(k for k in row if k not in names)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else (repr(v) if isinstance(v, float) else v))
                         for k, v in row.items()})
    return out.getvalue()


# ---- one variant, in its worker process --------------------------------------------------------
def train_variant(payload: dict, report) -> dict:
    """Train one variant (in a worker process) from fresh weights or from ``payload["start"]``
    (see ``Variant.start``); report the newest history row while it trains; return its
    outcome and whole history as plain data (and the starting state, when it was given)."""
    from playground.headless import HeadlessRun
    image_data.register_carried(payload)        # an imported set travels with the payload
    values = Experiment(payload["values"]).values()
    start_state = starting_state(payload.get("start"), values)
    run = HeadlessRun(files.Document(values, start_state), resolution=2)
    steps, epochs = payload.get("steps"), payload.get("epochs")
    last = [0.0]

    def progress(_):
        now = time.monotonic()
        if now - last[0] >= REPORT_SECONDS:
            last[0] = now
            report(_last_row(run.history))

    t0 = time.perf_counter()
    if epochs is not None:
        stopped = run.train_epochs(epochs, progress) or "epochs"
    elif steps is not None:
        stopped = run.train(steps, progress) or "steps"
    else:
        stopped = run.train_until_stop(progress=progress)
    seconds = time.perf_counter() - t0
    outcome = run.outcome(run.trainer.step_count, seconds, stopped).as_json()
    outcome.pop("files", None)
    return {"outcome": outcome, "seconds": seconds, "start_state": start_state,
            "history": {k: v.tolist() for k, v in run.history.as_dict().items()}}


def starting_state(start, values: dict) -> dict | None:
    """The trainer state a variant starts from (None: fresh weights), its document checked to
    be of the variant's settings and its weights to fit the variant's network (ValueError
    naming the settings or the sizes otherwise)."""
    if start is None:
        return None
    document = start() if callable(start) else start
    if document.trainer is None:
        raise ValueError("the variant's starting network has no weights")
    theirs = Experiment(document.values).values()
    differ = [k for k in values if theirs.get(k) != values[k]]
    if differ:
        raise ValueError(f"the variant's starting network is of other settings "
                         f"({', '.join(differ)})")
    try:
        comparison_file.check_start(document.trainer, values)
    except FileFormatError as error:
        raise ValueError(f"the variant's starting network: {error.problem}") from None
    return document.trainer


def _last_row(history) -> dict:
    return {k: [float(v[-1])] for k, v in history.as_dict().items() if len(v)}


# ---- the comparison ---------------------------------------------------------------------------
class Comparison:
    """Variants of ``document`` trained in up to ``workers`` processes.

    steps / epochs : how long each variant trains (at most one; neither: until the file's
        stop condition, or ``headless.DEFAULT_EPOCHS`` epochs)
    """

    def __init__(self, document: files.Document, variant_list: list[Variant],
                 steps: int | None = None, epochs: int | None = None,
                 workers: int | None = None):
        if steps is not None and epochs is not None:
            raise ValueError("give steps or epochs, not both")
        if not variant_list:
            raise ValueError("a comparison needs at least one variant")
        self.values = Experiment(document.values).values()
        if steps is None and epochs is None and not (self.values["stop_at_epoch"] or
                                                     self.values["stop_at_test_loss"]):
            from playground.headless import DEFAULT_EPOCHS
            epochs = DEFAULT_EPOCHS
        self.steps, self.epochs = steps, epochs
        self.results = [VariantResult(v) for v in variant_list]
        self.workers = max(1, min(workers or cores(), len(variant_list)))
        self.pool: ProcessPool | None = None
        self._started: dict[int, float] = {}

    # ---- driving ---------------------------------------------------------------------------
    def start(self) -> None:
        self.pool = ProcessPool(self.workers)
        for i, r in enumerate(self.results):
            payload = {"values": {**self.values, **r.variant.changes}, "steps": self.steps,
                       "epochs": self.epochs, "start": r.variant.start,
                       **image_data.carried(self.values)}
            self.pool.submit(i, train_variant, payload)
        self._mark_running()

    def poll(self, timeout: float = 0.0) -> list[int]:
        """Take in what the workers sent; the indices of the variants that changed."""
        if self.pool is None:
            return []
        changed = set()
        for m in self.pool.poll(timeout):
            r = self.results[m.task_id]
            changed.add(m.task_id)
            if m.kind == "progress":
                for k, v in m.data.items():
                    r.history.setdefault(k, []).extend(v)
            elif m.kind == "done":
                r.outcome, r.history = m.data["outcome"], m.data["history"]
                r.seconds, r.start_state = m.data["seconds"], m.data.get("start_state")
                r.status = "diverged" if r.outcome["diverged"] else "done"
                r.message = r.outcome.get("message", "")
            else:
                r.status, r.message = "failed", str(m.data)
                r.seconds = time.perf_counter() - self._started.get(m.task_id, time.perf_counter())
        changed.update(self._mark_running())
        return sorted(changed)

    def run(self, on_change=None) -> list[VariantResult]:
        """Start and wait for every variant (``on_change(index)`` after each update)."""
        self.start()
        try:
            while self.running:
                for i in self.poll(timeout=0.2):
                    if on_change is not None:
                        on_change(i)
        except BaseException:
            self.cancel()
            raise
        return self.results

    def cancel(self) -> None:
        """Stop every variant still training (its process too); they are "cancelled"."""
        if self.pool is not None:
            self.pool.cancel()
        for r in self.results:
            if r.status in ("waiting", "running"):
                r.status = "cancelled"

    @property
    def running(self) -> bool:
        return any(r.status in ("waiting", "running") for r in self.results)

    def _mark_running(self) -> list[int]:
        changed = []
        running = set(self.pool._running) if self.pool is not None else set()
        for i in running:
            if self.results[i].status == "waiting":
                self.results[i].status = "running"
                self._started[i] = time.perf_counter()
                changed.append(i)
        return changed

    # ---- what it shows ------------------------------------------------------------------------
    def varied(self) -> list[str]:
        """The settings the variants change that a table can show as one value (a network's
        layers or a class list are named by the variant's name instead)."""
        names = []
        for r in self.results:
            for k, v in r.variant.changes.items():
                if k not in names and isinstance(v, VARIABLE_KINDS):
                    names.append(k)
        return names

    def table(self) -> list[dict]:
        """One row per variant: its name, varied single-valued settings, status, final
        metrics, seconds."""
        rows = []
        for r in self.results:
            row = {"variant": r.variant.name}
            for k in self.varied():
                row[k] = r.variant.changes.get(k, self.values.get(k))
            row["status"] = r.status
            row["steps"] = r.outcome.get("steps")
            row["epochs"] = r.outcome.get("epochs")
            for m in METRICS:
                v = r.metric(m)
                row[m] = None if not math.isfinite(v) else v
            row["seconds"] = None if not math.isfinite(r.seconds) else round(r.seconds, 3)
            row["message"] = r.message
            rows.append(row)
        return rows

    def csv_text(self) -> str:
        return csv_of(self.table())

    def write_csv(self, path):
        from playground.disk import write_atomically
        return write_atomically(path, self.csv_text().encode("utf-8"))

    def picture(self, column: str = "test_loss", log_scale: bool | None = None):
        from playground.pictures import comparison_picture
        if column == "test_loss" and not any(r.history.get("test_loss") and
                                             np.isfinite(r.history["test_loss"]).any()
                                             for r in self.results):
            column = "train_loss"
        log = self.values["log_loss"] if log_scale is None else log_scale
        return comparison_picture([(r.variant.name, r.history) for r in self.results], column,
                                  log_scale=log and "loss" in column)

    # ---- saved with the experiment ---------------------------------------------------------
    def section(self) -> dict:
        """The comparison as the experiment file's ``comparison`` section (see
        ``playground.comparison_file``); variants still training are saved as cancelled."""
        variants = []
        for r in self.results:
            status = r.status if r.status in ("done", "diverged", "failed") else "cancelled"
            history = {k: np.asarray(v, np.float64) for k, v in r.history.items()}
            rows = min((len(v) for v in history.values()), default=0)
            from playground.history import COLUMNS
            history = {c: history.get(c, np.full(rows, np.nan))[:rows] for c in COLUMNS}
            variants.append({"name": r.variant.name, "changes": dict(r.variant.changes),
                             "status": status, "seconds": r.seconds, "message": r.message,
                             "outcome": dict(r.outcome), "history": history,
                             "start_state": r.start_state})
        return {"steps": self.steps, "epochs": self.epochs, "variants": variants}

    @classmethod
    def restored(cls, document: files.Document) -> "Comparison":
        """The comparison a file saved (its results, not running); a variant that started
        from given weights (a transferred network) starts from them again when run anew."""
        section = document.comparison
        if section is None:
            raise ValueError("this experiment has no saved comparison")
        values = Experiment(document.values).values()
        variant_list = []
        for v in section["variants"]:
            state = v.get("start_state")
            start = None if state is None else files.Document(
                Experiment({**values, **v["changes"]}).values(), state)
            variant_list.append(Variant(v["name"], dict(v["changes"]), start))
        c = cls(document, variant_list, steps=section["steps"], epochs=section["epochs"])
        for r, v in zip(c.results, section["variants"]):
            r.status, r.message, r.outcome = v["status"], v["message"], dict(v["outcome"])
            r.seconds = math.nan if v["seconds"] is None else float(v["seconds"])
            r.history = {k: list(map(float, a)) for k, a in v["history"].items()}
            r.start_state = v.get("start_state")
        return c

    def document_of(self, index: int) -> files.Document:
        """Variant ``index`` as an experiment of its own, at step 0: fresh weights, or the
        weights it started from once its worker sent them (open it and play)."""
        r = self.results[index]
        values = Experiment({**self.values, **r.variant.changes}).values()
        return replace(files.Document(values, r.start_state), meta={"title": r.variant.name})
