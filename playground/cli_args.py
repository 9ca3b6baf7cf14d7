"""What the commands of ``playground.cli`` and ``playground.cli_compare`` share: the exit codes
and the arguments that read the same in every command.

Both modules import this one, so neither needs to import the other for them.
"""
from __future__ import annotations

import argparse

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_DIVERGED = 0, 1, 2, 3

EXIT_CODES_HELP = ("exit codes: 0 done; 1 the file or example cannot be read or the outputs "
                   "cannot be written; 2 wrong command line; 3 training diverged (outputs "
                   "still written); 130 stopped with Ctrl-C")


def whole_number(low: int, high: int):
    """An argparse ``type`` that reads a whole number from ``low`` to ``high``; any other text
    is an ``ArgumentTypeError`` saying what was expected."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value}")
        return value
    return parse


count = whole_number(0, 10**9)          # steps, epochs, trials and other counts
seed = whole_number(0, 2**31 - 1)       # the seed of fresh weights (run --seed)
workers = whole_number(1, 64)           # worker processes at a time


def add_experiment_argument(parser: argparse.ArgumentParser) -> None:
    """The FILE_OR_EXAMPLE argument of every command that reads an experiment."""
    parser.add_argument("experiment", metavar="FILE_OR_EXAMPLE",
                        help="an .nnp experiment file, or an example's name (see 'list')")
