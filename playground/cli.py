"""The command line: train without a window, list the examples, open a file in the window.

    nn-playground run FILE_OR_EXAMPLE [--steps N | --epochs N] [--seed S] [--out DIR] [--json]
    nn-playground list [--json]
    nn-playground export FILE_OR_EXAMPLE [--out DIR] [--name NAME]
    nn-playground download mnist|fashion_mnist [--folder DIR]
    nn-playground compare FILE_OR_EXAMPLE --vary SETTING=V1,V2 ... [--steps N | --epochs N] [--json]
    nn-playground search FILE_OR_EXAMPLE --param SETTING=LOW:HIGH ... [--trials N] [--json]
    nn-playground search-worker STUDY --storage URL
    nn-playground FILE_OR_EXAMPLE           open it in the window

(``nn-playground`` is main.py's ``main``; "examples" are the ready experiments of
``playground.presets``; a lesson of ``playground.lessons`` opens by its name as an example
does, and ``list`` marks the lessons.)

``COMMANDS`` follows main.py's registry: name -> (help, add_arguments(parser), handler(args)
-> exit code). Nothing here needs a display. ``python -m playground.cli`` runs the same
commands without main.py.

Exit codes: 0 done; 1 the file or example cannot be read, or the outputs cannot be written;
2 the command line is wrong; 3 training diverged (the outputs are still written).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from playground import files, lessons, presets
from playground.checks import one_line
from playground.cli_args import (EXIT_BAD_INPUT, EXIT_CODES_HELP, EXIT_DIVERGED, EXIT_OK,
                                 EXIT_USAGE, add_experiment_argument, count, seed)
from playground.cli_inputs import experiment_named, output_folder
from playground.cli_compare import (COMPARE_HELP, SEARCH_HELP, WORKER_HELP, add_compare_arguments,
                                    add_search_arguments, add_worker_arguments, compare_command,
                                    search_command, worker_command)
from playground.fields import FIELDS_BY_NAME

# ---- run ---------------------------------------------------------------------------------------
RUN_HELP = ("train an experiment file or an example without a window and write the updated "
            "file, the history as CSV and PNG pictures of the decision boundary and the loss")


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Train an experiment without a window. Continues from the weights, optimizer state "
        "and history saved in the file, exactly as the window would.")
    parser.epilog = (f"Without --steps or --epochs it trains until the file's stop condition "
                     f"(stop at epoch / test loss), or {_default_epochs()} epochs when it has "
                     f"none. Writes DIR/NAME.nnp, DIR/history.csv, DIR/boundary.png and "
                     f"DIR/loss.png. {EXIT_CODES_HELP}.")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add_experiment_argument(parser)
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--steps", type=count, metavar="N", help="train N more steps")
    length.add_argument("--epochs", type=count, metavar="N", help="train N more epochs")
    parser.add_argument("--seed", type=seed, metavar="S",
                        help="start again from fresh weights drawn with seed S (the saved "
                             "weights and history are not used)")
    parser.add_argument("--out", metavar="DIR",
                        help="folder for the outputs (default: NAME-run in the current folder)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object with the results (steps, epochs, losses, "
                             "accuracies, steps_per_second, diverged, files) and nothing else "
                             "on stdout")


def _default_epochs() -> int:
    from playground.headless import DEFAULT_EPOCHS
    return DEFAULT_EPOCHS


def run_command(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    found = experiment_named(args.experiment, stderr)
    out = found and output_folder(args.out, f"{found[1]}-run", stderr)
    if not out:
        return EXIT_BAD_INPUT
    document, name = found
    from playground.headless import run_to_folder
    try:
        outcome = run_to_folder(document, out, name, steps=args.steps, epochs=args.epochs,
                                seed=args.seed, progress_stream=stderr)
    except OSError as error:
        print(f"error: cannot write the outputs to {out}: {error}", file=stderr)
        return EXIT_BAD_INPUT
    except ValueError as error:
        print(f"error: {one_line(error)}", file=stderr)
        return EXIT_BAD_INPUT
    result = outcome.as_json()
    result["experiment"] = str(args.experiment)
    if args.json:
        stdout.write(json.dumps(result) + "\n")
    else:
        _print_outcome(result, stdout)
    if outcome.diverged:
        if not args.json:
            print(f"warning: {outcome.message or 'training diverged'}", file=stderr)
        return EXIT_DIVERGED
    return EXIT_OK


def _print_outcome(r: dict, out) -> None:
    def num(v, pct=False):
        if v is None:
            return "-"
        return f"{v * 100:.1f}%" if pct else f"{v:.6g}"

    print(f"trained {r['steps_run']} steps in {r['seconds']:.2f} s "
          f"({r['steps_per_second']:,.0f} steps/s); now at step {r['steps']}, "
          f"epoch {r['epochs']} ({r['stopped']})", file=out)
    print(f"train loss {num(r['train_loss'])}  test loss {num(r['test_loss'])}  "
          f"train accuracy {num(r['train_accuracy'], True)}  "
          f"test accuracy {num(r['test_accuracy'], True)}", file=out)
    for path in r["files"].values():
        print(f"wrote {path}", file=out)


# ---- list --------------------------------------------------------------------------------------
LIST_HELP = "list the example experiments and the lessons shipped with the app"


def add_list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("List the example experiments, then the lessons (marked [lesson], "
                          "or [lab lesson] for those that open in the optimizer lab); open one "
                          "in the window with 'nn-playground NAME' or train it with "
                          "'nn-playground run NAME'.")
    parser.add_argument("--json", action="store_true",
                        help="print the list as JSON (each entry's 'kind' is 'example', "
                             "'lesson' or 'lab lesson')")


def _lesson_row(lesson) -> dict:
    if lesson.is_lab:
        return {"name": lesson.name, "title": lesson.title, "kind": "lab lesson",
                "concept": lesson.concept, "dataset": None, "description": lesson.look_at,
                "path": None}
    return {"name": lesson.name, "title": lesson.title, "kind": "lesson",
            "concept": lesson.concept,
            "dataset": lesson.changes.get("dataset", FIELDS_BY_NAME["dataset"].default),
            "description": lesson.look_at, "path": str(lessons.path(lesson))}


def _download_needed(preset) -> str | None:
    """The command that downloads a preset's data set when the cache lacks it, else None."""
    from playground.image_data import DOWNLOADED_SOURCES
    name = preset.changes.get("dataset")
    if name not in DOWNLOADED_SOURCES:
        return None
    from playground import downloads
    return None if downloads.is_present(name) else downloads.download_hint(name)


def list_command(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    stdout = stdout or sys.stdout
    rows = [{"name": p.name, "title": p.title, "kind": "example",
             "dataset": p.changes.get("dataset", "spiral"),
             "description": p.description, "path": str(p.path)} for p in presets.PRESETS]
    rows += [{"name": p.name, "title": p.title, "kind": "image example",
              "dataset": p.changes.get("dataset"), "description": p.description,
              "path": str(p.path), "download": _download_needed(p)}
             for p in presets.IMAGE_PRESETS]
    rows += [_lesson_row(lesson) for lesson in lessons.LESSONS]
    if getattr(args, "json", False):
        stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")
        return EXIT_OK
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        if r["kind"] == "example":
            print(f"{r['name']:<{width}}  {r['title']} ({r['dataset']})", file=stdout)
        elif r["kind"] == "image example":
            print(f"{r['name']:<{width}}  [images] {r['title']} ({r['dataset']})"
                  + (f" \u2014 first: {r['download']}" if r["download"] else ""), file=stdout)
        else:
            print(f"{r['name']:<{width}}  [{r['kind']}] {r['title']} \u2014 {r['concept']}",
                  file=stdout)
    return EXIT_OK


# ---- export ------------------------------------------------------------------------------------
EXPORT_HELP = ("write a standalone PyTorch script, its weights (NPZ) and the history CSV into a "
               "folder (default NAME-pytorch)")


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Export an experiment's network as a standalone PyTorch script with "
                          "its weights in an NPZ beside it, and its history as CSV: "
                          "DIR/model.py, DIR/model.npz and DIR/history.csv, where DIR is "
                          "NAME-pytorch in the current folder unless --out says otherwise.")
    parser.epilog = EXIT_CODES_HELP
    add_experiment_argument(parser)
    parser.add_argument("--out", metavar="DIR",
                        help="folder for the files (default: NAME-pytorch in the current "
                             "folder)")
    parser.add_argument("--name", default="model",
                        help="file name of the script and its weights, without .py / .npz "
                             "(default model: DIR/model.py and DIR/model.npz)")


def export_command(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    found = experiment_named(args.experiment, stderr)
    if found is None:
        return EXIT_BAD_INPUT
    document, name = found
    from playground import export
    out = Path(args.out) if args.out else Path(f"{name}-pytorch")
    try:
        script, npz = export.export_pytorch(document, out, args.name)
        csv = export.write_history_csv(out / "history.csv", document.history or {})
    except ValueError as error:
        print(f"error: {one_line(error)}", file=stderr)
        return EXIT_USAGE
    except OSError as error:
        print(f"error: cannot write to {out}: {error}", file=stderr)
        return EXIT_BAD_INPUT
    for path in (script, npz, csv):
        print(f"wrote {path}", file=stdout)
    return EXIT_OK


# ---- download ----------------------------------------------------------------------------------
DOWNLOAD_HELP = ("download MNIST or Fashion-MNIST into the cache (checked against its "
                 "checksums), for the image examples that use them")


def add_download_arguments(parser: argparse.ArgumentParser) -> None:
    from playground.downloads import add_download_arguments as add
    add(parser)


def download_command(args: argparse.Namespace, stdout=None, stderr=None) -> int:
    from playground.downloads import download_command as download
    return download(args, stdout, stderr)


COMMANDS = {
    "run": (RUN_HELP, add_run_arguments, run_command),
    "download": (DOWNLOAD_HELP, add_download_arguments, download_command),
    "list": (LIST_HELP, add_list_arguments, list_command),
    "export": (EXPORT_HELP, add_export_arguments, export_command),
    "compare": (COMPARE_HELP, add_compare_arguments, compare_command),
    "search": (SEARCH_HELP, add_search_arguments, search_command),
    "search-worker": (WORKER_HELP, add_worker_arguments, worker_command),
}



# ---- opening a file in the window ------------------------------------------------------------
def document_for_window(name_or_path: str | None, stderr=None):
    """(document or None, path or None, exit code) for ``nn-playground FILE_OR_EXAMPLE``: the
    document to open (None: the default experiment), the path to save back to (None for an
    example, which opens untitled) and 0, or (None, None, 1) after printing why it cannot be
    opened."""
    stderr = stderr or sys.stderr
    if name_or_path is None:
        return None, None, EXIT_OK
    try:
        document, _, path = lessons.resolve(name_or_path)
    except (files.FileFormatError, FileNotFoundError, KeyError, ValueError) as error:
        print(f"error: {one_line(error)}", file=stderr)
        return None, None, EXIT_BAD_INPUT
    from playground import image_pipeline
    missing = image_pipeline.unavailable(document.values.get("dataset"))
    if missing:     # the window could not show it: say how to get the data instead
        print(f"error: {name_or_path}: {missing}", file=stderr)
        return None, None, EXIT_BAD_INPUT
    return document, path, EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """The commands without main.py (``python -m playground.cli COMMAND ...``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m playground.cli",
                                     description="NN Playground without a window.",
                                     epilog=EXIT_CODES_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, add_arguments, handler) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        add_arguments(p)
        p.set_defaults(handler=handler)
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
