"""``nn-playground compare FILE --vary SETTING=V1,V2 ...``: variants trained side by side.

Each combination of the varied values is one variant, trained from fresh weights in its own
worker process (at most --workers at a time, the cores by default). Writes DIR/comparison.csv
(a row per variant: its settings, status, final losses and accuracies, seconds) and
DIR/comparison.png (their curves); ``--json`` prints the same table as JSON.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from playground import presets
from playground.checks import FileFormatError, one_line

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2

COMPARE_HELP = ("train variants of an experiment that differ in some settings side by side, "
                "in parallel processes, and write their table and curves")


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"must be from 1 to 64, got {value}")
    return value


def add_compare_arguments(parser: argparse.ArgumentParser) -> None:
    from playground.cli import _count
    parser.description = (
        "Train variants of an experiment side by side. Each combination of the --vary values "
        "is one variant; all start from fresh weights and train as 'run' would train them.")
    parser.epilog = ("Example: compare xor --vary optimizer=sgd,adam,rmsprop "
                     "--vary learning_rate=0.01,0.1 --epochs 30 --json. Presets: --optimizers "
                     "(SGD, momentum, RMSProp, Adam at their usual rates), --seeds N (the same "
                     "network with N seeds). A variant that diverges or fails is reported as "
                     "such; the others go on. Exit codes: 0 done; 1 the file cannot be read, "
                     "the outputs cannot be written or every variant failed; 2 wrong command "
                     "line; 130 stopped with Ctrl-C (no process is left behind).")
    parser.add_argument("experiment", metavar="FILE_OR_EXAMPLE",
                        help="an .nnp experiment file, or an example's name (see 'list')")
    parser.add_argument("--vary", action="append", default=[], metavar="SETTING=V1,V2",
                        help="a setting and its values (repeat for more settings)")
    parser.add_argument("--optimizers", action="store_true",
                        help="compare the optimizers on this data")
    parser.add_argument("--seeds", type=_count, metavar="N",
                        help="the same network with N seeds")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--steps", type=_count, metavar="N", help="train each variant N steps")
    length.add_argument("--epochs", type=_count, metavar="N",
                        help="train each variant N epochs")
    parser.add_argument("--workers", type=_workers, metavar="N",
                        help="worker processes at a time (default: the number of cores)")
    parser.add_argument("--out", metavar="DIR",
                        help="folder for the outputs (default: NAME-compare)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (the variants' table and the files) and "
                             "nothing else on stdout")


def compare_command(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from playground import compare
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        document, name, _ = presets.resolve(args.experiment)
    except (FileFormatError, FileNotFoundError, KeyError) as error:
        print(f"error: {one_line(error)}", file=stderr)
        return EXIT_BAD_INPUT
    chosen = sum(bool(x) for x in (args.vary, args.optimizers, args.seeds))
    if chosen != 1:
        print("error: give --vary (one or more), --optimizers or --seeds N", file=stderr)
        return EXIT_USAGE
    try:
        if args.optimizers:
            variant_list = compare.optimizer_variants(document.values)
        elif args.seeds:
            variant_list = compare.seed_variants(document.values, args.seeds)
        else:
            variant_list = compare.variants(document.values, compare.parse_vary(args.vary))
        comparison = compare.Comparison(document, variant_list, steps=args.steps,
                                        epochs=args.epochs, workers=args.workers)
    except ValueError as error:
        print(f"error: {one_line(error)}", file=stderr)
        return EXIT_USAGE
    out = Path(args.out) if args.out else Path(f"{name}-compare")
    if out.exists() and not out.is_dir():
        print(f"error: --out {out} exists and is not a folder", file=stderr)
        return EXIT_BAD_INPUT
    print(f"{len(variant_list)} variants in {comparison.workers} worker processes",
          file=stderr)

    def on_change(i):
        r = comparison.results[i]
        if r.status not in ("waiting", "running"):
            loss = r.metric("test_loss")
            loss = r.metric("train_loss") if not math.isfinite(loss) else loss
            print(f"  {r.status:9s} {r.variant.name}  loss {loss:.4g}"
                  + (f"  ({r.message})" if r.status == "failed" else ""), file=stderr)

    comparison.run(on_change)
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = {"table": comparison.write_csv(out / "comparison.csv"),
                   "curves": out / "comparison.png"}
        comparison.picture().save(written["curves"])
    except OSError as error:
        print(f"error: cannot write the outputs to {out}: {error}", file=stderr)
        return EXIT_BAD_INPUT
    table = comparison.table()
    if args.json:
        stdout.write(json.dumps({"experiment": str(args.experiment), "variants": table,
                                 "files": {k: str(v) for k, v in written.items()}}) + "\n")
    else:
        for row in table:
            metrics = "  ".join(f"{k} {row[k]:.4g}" for k in ("train_loss", "test_loss",
                                                               "test_accuracy")
                                if row.get(k) is not None)
            print(f"{row['status']:9s} {row['variant']}  {metrics}", file=stdout)
        for path in written.values():
            print(f"wrote {path}", file=stdout)
    if all(r.status == "failed" for r in comparison.results):
        return EXIT_BAD_INPUT
    return EXIT_OK
