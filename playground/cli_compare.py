"""``nn-playground compare FILE --vary SETTING=V1,V2 ...``: variants trained side by side.

Each combination of the varied values is one variant, trained from fresh weights in its own
worker process (at most --workers at a time, the cores by default). Writes DIR/comparison.csv
(a row per variant: its settings, status, final losses and accuracies, seconds) and
DIR/comparison.png (their curves); ``--json`` prints the same table as JSON.

``compare transfer_shapes`` (an example or lesson with a ready transfer comparison,
``playground.transfer.plan_of``; or ``--transfer``) trains transfer against learning from
scratch, seed by seed, and prints both final test accuracies per seed.
"""
from __future__ import annotations

import argparse
import json
import math
import sys

from playground.checks import one_line
from playground.cli_args import (EXIT_BAD_INPUT, EXIT_OK, EXIT_USAGE, add_experiment_argument,
                                 count, workers)
from playground.cli_inputs import experiment_named, output_folder

COMPARE_HELP = ("train variants of an experiment that differ in some settings side by side, "
                "in parallel processes, and write their table and curves")


def add_compare_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Train variants of an experiment side by side. Each combination of the --vary values "
        "is one variant; all start from fresh weights and train as 'run' would train them.")
    parser.epilog = ("Example: compare xor --vary optimizer=sgd,adam,rmsprop "
                     "--vary learning_rate=0.01,0.1 --epochs 30 --json. Presets: --optimizers "
                     "(SGD, momentum, RMSProp, Adam at their usual rates), --seeds N (the same "
                     "network with N seeds), --transfer (the example's transfer against "
                     "learning from scratch; what 'compare transfer_shapes' does, its curves "
                     "the test accuracy). A variant that diverges or fails is reported as "
                     "such; the others go on. Exit codes: 0 done; 1 the file cannot be read, "
                     "the outputs cannot be written or every variant failed; 2 wrong command "
                     "line; 130 stopped with Ctrl-C (no process is left behind).")
    add_experiment_argument(parser)
    parser.add_argument("--vary", action="append", default=[], metavar="SETTING=V1,V2",
                        help="a setting and its values (repeat for more settings)")
    parser.add_argument("--optimizers", action="store_true",
                        help="compare the optimizers on this data")
    parser.add_argument("--seeds", type=count, metavar="N",
                        help="the same network with N seeds")
    parser.add_argument("--transfer", action="store_true",
                        help="the example's ready comparison of transfer against learning "
                             "from scratch (the default for an example that has one)")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--steps", type=count, metavar="N", help="train each variant N steps")
    length.add_argument("--epochs", type=count, metavar="N",
                        help="train each variant N epochs")
    parser.add_argument("--workers", type=workers, metavar="N",
                        help="worker processes at a time (default: the number of cores)")
    parser.add_argument("--out", metavar="DIR",
                        help="folder for the outputs (default: NAME-compare)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (the variants' table and the files) and "
                             "nothing else on stdout")


def compare_command(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from playground import compare, transfer
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    found = experiment_named(args.experiment, stderr)
    if found is None:
        return EXIT_BAD_INPUT
    document, name = found
    plan = transfer.plan_of(document)
    chosen = sum(bool(x) for x in (args.vary, args.optimizers, args.seeds, args.transfer))
    use_plan = args.transfer or (chosen == 0 and plan is not None)
    if use_plan and plan is None:
        print(f"error: {name} has no ready transfer comparison (examples with one: "
              f"{', '.join(transfer.PLANS)})", file=stderr)
        return EXIT_USAGE
    if chosen > 1 or not (chosen or use_plan):
        print("error: give --vary (one or more), --optimizers, --seeds N or --transfer",
              file=stderr)
        return EXIT_USAGE
    steps = args.steps
    if use_plan and steps is None and args.epochs is None:
        steps = plan.steps
    try:
        if use_plan:
            variant_list = plan.variants(document.values)
        elif args.optimizers:
            variant_list = compare.optimizer_variants(document.values)
        elif args.seeds:
            variant_list = compare.seed_variants(document.values, args.seeds)
        else:
            variant_list = compare.variants(document.values, compare.parse_vary(args.vary))
        comparison = compare.Comparison(document, variant_list, steps=steps,
                                        epochs=args.epochs, workers=args.workers)
    except ValueError as error:
        print(f"error: {one_line(error)}", file=stderr)
        return EXIT_USAGE
    out = output_folder(args.out, f"{name}-compare", stderr)
    if out is None:
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
        comparison.picture("test_accuracy" if use_plan else "test_loss").save(written["curves"])
    except OSError as error:
        print(f"error: cannot write the outputs to {out}: {error}", file=stderr)
        return EXIT_BAD_INPUT
    table = comparison.table()
    pairs = transfer.pairs(comparison) if use_plan else None
    if args.json:
        stdout.write(json.dumps({"experiment": str(args.experiment), "variants": table,
                                 **({} if pairs is None else {"transfer": pairs}),
                                 "files": {k: str(v) for k, v in written.items()}}) + "\n")
    else:
        for row in table:
            metrics = "  ".join(f"{k} {row[k]:.4g}" for k in ("train_loss", "test_loss",
                                                               "test_accuracy")
                                if row.get(k) is not None)
            print(f"{row['status']:9s} {row['variant']}  {metrics}", file=stdout)
        for row in pairs or ():
            print(f"seed {row['seed']}: test accuracy {_accuracy(row['transfer'])} with "
                  f"transfer, {_accuracy(row['scratch'])} from scratch", file=stdout)
        for path in written.values():
            print(f"wrote {path}", file=stdout)
    if all(r.status == "failed" for r in comparison.results):
        return EXIT_BAD_INPUT
    return EXIT_OK


def _accuracy(value) -> str:
    return "(none)" if value is None else f"{value:.3f}"


# ---- search ---------------------------------------------------------------------------------------
SEARCH_HELP = ("search settings with Optuna (grid, random, TPE or Gaussian process), trials in "
               "parallel worker processes, and write the trials and the best experiment")
WORKER_HELP = "join an existing search's study from this machine and run its trials"


def add_search_arguments(parser: argparse.ArgumentParser) -> None:
    from playground import search
    parser.description = (
        "Search settings of an experiment. Each trial trains it from fresh weights with the "
        "trial's settings; the pruner stops hopeless trials early.")
    parser.epilog = (
        "Example: search xor --param learning_rate=1e-4:1 --param optimizer=sgd,adam "
        "--trials 30 --epochs 20. Rates are searched on a log scale (add :linear or :log to "
        "say). The study is kept in --storage (default DIR/search.journal, a journal file; "
        "or a database URL such as sqlite:///study.db): 'search-worker NAME --storage URL' on "
        "this or another machine joins it. Exit codes: 0 done; 1 the file cannot be read or "
        "the outputs cannot be written; 2 wrong command line; 130 stopped with Ctrl-C (the "
        "finished trials stay in the study).")
    add_experiment_argument(parser)
    parser.add_argument("--param", action="append", default=[],
                        metavar="SETTING=LOW:HIGH|A,B", help="a searched setting (repeat)")
    parser.add_argument("--trials", type=count, default=20, metavar="N",
                        help="trials in all (default 20)")
    parser.add_argument("--sampler", choices=search.SAMPLERS, default="tpe",
                        help="how settings are chosen (default tpe)")
    parser.add_argument("--metric", choices=tuple(search.METRICS), default="test_loss",
                        help="what a trial is judged by (default test_loss)")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--steps", type=count, metavar="N", help="train each trial N steps")
    length.add_argument("--epochs", type=count, metavar="N",
                        help="train each trial N epochs (default 20)")
    parser.add_argument("--no-pruning", action="store_true",
                        help="train every trial to its end")
    parser.add_argument("--seed", type=count, default=0, metavar="S",
                        help="seed of the sampler (default 0)")
    parser.add_argument("--workers", type=workers, metavar="N",
                        help="worker processes (default: the number of cores)")
    parser.add_argument("--storage", metavar="URL", help="the study's storage")
    parser.add_argument("--study", metavar="NAME", help="the study's name (default: NAME)")
    parser.add_argument("--out", metavar="DIR",
                        help="folder for the outputs (default: NAME-search)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (best trial, trials, importances, files)")


def search_command(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from playground import files, search
    from playground.processes import cores
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    found = experiment_named(args.experiment, stderr)
    out = found and output_folder(args.out, f"{found[1]}-search", stderr)
    if not out:
        return EXIT_BAD_INPUT
    document, name = found
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        print(f"error: cannot write the outputs to {out}: {error}", file=stderr)
        return EXIT_BAD_INPUT
    storage = args.storage or str(out / "search.journal")
    try:
        params = tuple(search.parse_param(p) for p in args.param)
        epochs = args.epochs if args.steps is None else None
        spec = search.SearchSpec(document, params, args.metric, args.steps,
                                 20 if epochs is None and args.steps is None else epochs,
                                 args.sampler, args.seed, not args.no_pruning)
        run = search.Search(spec, storage, args.study or name, n_trials=max(1, args.trials),
                            workers=args.workers or min(cores(), max(1, args.trials)))
    except ValueError as error:
        print(f"error: {one_line(error)}", file=stderr)
        return EXIT_USAGE
    print(f"study {run.name!r} in {storage}: {args.trials} trials, {run.workers} worker "
          f"processes", file=stderr)

    def on_trial(row):
        value = "" if row["value"] is None else f"{args.metric} {row['value']:.4g}"
        settings = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                             for k, v in row["params"].items())
        print(f"  trial {row['number']:3d} {row['status']:9s} {value}  {settings}", file=stderr)

    run.run(on_trial)
    for text in run.failed:
        print(f"warning: a worker failed: {text}", file=stderr)
    trials = search.trials_table(run.study)
    best = search.best(run.study)
    written = {}
    try:
        from playground.compare import csv_of
        written["trials"] = out / "trials.csv"
        from playground.disk import write_atomically
        write_atomically(written["trials"], csv_of(
            [{"number": t["number"], "status": t["status"], args.metric: t["value"],
              **t["params"], "seconds": t["seconds"], "message": t["message"]}
             for t in trials]).encode("utf-8"))
        if best is not None:
            written["best"] = files.save(out / f"{name}-best{files.EXTENSION}",
                                         search.document_of(run.study, best["number"]))
    except OSError as error:
        print(f"error: cannot write the outputs to {out}: {error}", file=stderr)
        return EXIT_BAD_INPUT
    result = {"experiment": str(args.experiment), "study": run.name, "storage": storage,
              "metric": args.metric, "direction": spec.direction, "best": best,
              "trials": trials, "importances": search.importances(run.study),
              "files": {k: str(v) for k, v in written.items()}}
    if args.json:
        stdout.write(json.dumps(result) + "\n")
    else:
        if best is not None:
            print(f"best: trial {best['number']} {args.metric} {best['value']:.4g} "
                  f"{best['params']}", file=stdout)
        for k, v in result["importances"].items():
            print(f"importance of {k}: {v:.2f}", file=stdout)
        for path in written.values():
            print(f"wrote {path}", file=stdout)
    return EXIT_OK


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Join a search started with 'search' (here or on another machine "
                          "that shares the storage) and run its trials until it has enough.")
    parser.add_argument("study", metavar="STUDY", help="the study's name")
    parser.add_argument("--storage", required=True, metavar="URL",
                        help="the study's storage: a journal file or a database URL")
    parser.add_argument("--trials", type=count, metavar="N",
                        help="trials the study should have in all (default: as many as it "
                             "has or 20, whichever is more)")


def worker_command(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    import os

    from playground import search
    stderr = stderr or sys.stderr
    try:
        study, spec = search.load_study(args.storage, args.study)
    except ValueError as error:
        print(f"error: {one_line(error)}", file=stderr)
        return EXIT_BAD_INPUT
    n = args.trials or max(20, len(study.trials))
    print(f"worker {os.getpid()} joined {args.study!r}", file=stderr)
    search.work(study, spec, n, worker=os.getpid(),
                on_trial=lambda t: print(f"  trial {t.number} {t.state.name.lower()}",
                                         file=stderr))
    return EXIT_OK
