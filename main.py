"""NN Playground: build a dense neural network by point and click and watch it learn.

    nn-playground                           open the window on the default experiment
    nn-playground FILE_OR_EXAMPLE           open an experiment file (.nnp) or an example in it
    nn-playground [FILE] --screenshot PATH [--steps N] [--size WxH]
                                            train N steps offscreen and save the window as PNG
    nn-playground [FILE] [--presentation] [--zoom PERCENT] [--theme light|dark|system]
                                            (also with --screenshot) presentation mode (full
                                            screen, larger, high contrast), the interface's
                                            zoom and theme (app settings, not in the file)
    nn-playground run FILE_OR_EXAMPLE [--steps N | --epochs N] [--seed S] [--out DIR] [--json]
                                            train without a window, write file, CSV and PNGs
    nn-playground list [--json]             list the examples
    nn-playground export FILE_OR_EXAMPLE [--out DIR] [--name NAME]
                                            a standalone PyTorch script, its weights, the CSV

``nn-playground`` is the console command ``pip install -e .`` (``make setup``) puts in the
environment; ``python main.py`` with the environment's Python is the same thing.

Sub-commands (``nn-playground COMMAND ...``) are registered in ``COMMANDS`` (from
``playground.cli``; they need no display); the window is what runs when the first argument is
not one of them.
"""
import argparse
import os
import sys
import tempfile
import time

import textwrap

from playground.cli import COMMANDS as FILE_COMMANDS   # run, list, export: no Qt needed
from playground.cli import EXIT_CODES_HELP

#: name -> (help, add_arguments(parser), handler(args) -> exit code). Headless commands
#: (``run``, ``list``, ``export``) register here; they must not need a display.
COMMANDS: dict = dict(FILE_COMMANDS)

DEFAULT_SCREENSHOT_STEPS = 1500
SCREENSHOT_SETTLE_S = 0.3
SCREENSHOT_TIMEOUT_S = 120.0


def program_name() -> str:
    """How the user called us, for usage lines: ``nn-playground`` or ``main.py``."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return name if name and name not in ("-c", "__main__.py") else "main.py"


def window_parser() -> argparse.ArgumentParser:
    prog = program_name()
    commands = "\n".join(
        textwrap.fill(help_text, 92, initial_indent=f"  {name:<8} ", subsequent_indent=" " * 11)
        for name, (help_text, _, _) in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s [FILE_OR_EXAMPLE] [--presentation] [--zoom PERCENT] "
              "[--theme NAME]\n"
              "       %(prog)s [FILE_OR_EXAMPLE] --screenshot PATH [--steps N] [--size WxH] "
              "[--presentation] [--zoom PERCENT] [--theme NAME]\n"
              "       %(prog)s COMMAND ...",
        description="Build a dense neural network by point and click, train it, and watch it "
                    "learn.\nWithout a COMMAND this opens the window, on FILE_OR_EXAMPLE when "
                    "given.",
        epilog=f"commands ({prog} COMMAND --help for each):\n{commands}\n\n"
               "for instance:\n"
               f"  {prog} spiral.nnp          open a file in the window\n"
               f"  {prog} xor                 open the example 'xor' in the window\n"
               f"  {prog} list                the examples\n"
               f"  {prog} run spiral --epochs 100 --out runs/spiral --json\n"
               f"  {prog} export lesson.nnp --out torch-lesson\n\n"
               + textwrap.fill(f"{EXIT_CODES_HELP}.", 92))
    parser.add_argument("file", nargs="?", default=None, metavar="FILE_OR_EXAMPLE",
                        help="experiment file (.nnp) or the name of an example (see the "
                             "'list' command) to open (default: the built-in experiment)")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="build the window (offscreen without a display), train, save it "
                             "as PNG at PATH and exit")
    parser.add_argument("--steps", type=int, default=DEFAULT_SCREENSHOT_STEPS, metavar="N",
                        help=f"training steps before the screenshot "
                             f"(default {DEFAULT_SCREENSHOT_STEPS})")
    parser.add_argument("--size", type=_size, default=(1280, 720), metavar="WxH",
                        help="window size for the screenshot (default 1280x720)")
    parser.add_argument("--presentation", action="store_true",
                        help="start in presentation mode: full screen (in an offscreen "
                             "screenshot: the --size window), larger, high contrast")
    parser.add_argument("--zoom", type=_zoom, default=None, metavar="PERCENT",
                        help="zoom the interface, in percent: one of "
                             + ", ".join(str(z) for z in ZOOM_PERCENTS)
                             + " (default: the remembered zoom; 100 in a screenshot)")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default=None,
                        help="light, dark, or as the system says (default: the remembered "
                             "theme; in a screenshot, light)")
    return parser


#: The zooms --zoom accepts (widgets.theme.ZOOMS in percent; kept here so that --help needs
#: no Qt).
ZOOM_PERCENTS = (80, 90, 100, 110, 125, 150, 175, 200, 250, 300)


def _zoom(text: str) -> int:
    try:
        value = int(text.strip().rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"zoom must be a whole percentage such as 150, "
                                         f"not {text!r}")
    if value not in ZOOM_PERCENTS:
        raise argparse.ArgumentTypeError(
            f"zoom {value}% is not one of {', '.join(str(z) for z in ZOOM_PERCENTS)}")
    return value


def apply_look_arguments(window, args, full_screen: bool = True) -> None:
    """--theme, --zoom and --presentation on a window (before it is shown)."""
    looks = window.look_actions
    if args.theme:
        looks.set_theme(args.theme)
    if args.zoom is not None:
        looks.set_zoom(args.zoom / 100)
    if args.presentation:
        looks.enter_presentation(full_screen=full_screen)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, not {text!r}")
    if not (320 <= w <= 8000 and 240 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"size {text} is outside 320x240 .. 8000x8000")
    return w, h


def main(argv: list[str] | None = None) -> int:
    """The console command ``nn-playground``: a sub-command, or the window. Ctrl-C in a
    headless command or a screenshot run ends it with status 130 and one line, no traceback
    (the window handles it itself: see ``stop_on_signal``)."""
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:             # `nn-playground list | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: list[str]) -> int:
    if argv and argv[0] in COMMANDS:
        help_text, add_arguments, handler = COMMANDS[argv[0]]
        sub = argparse.ArgumentParser(prog=f"{program_name()} {argv[0]}",
                                      description=help_text)
        add_arguments(sub)
        return handler(sub.parse_args(argv[1:]))
    args = window_parser().parse_args(argv)
    if args.screenshot and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.steps < 0:
        print("--steps must be 0 or more", file=sys.stderr)
        return 2
    return run_window(args)


def load_experiment(path: str | None):
    """(experiment, document or None, file path or None) to open: the built-in default, or the
    file or example ``path`` names, read and checked. A bad file prints why and exits 1."""
    from playground import cli
    from playground.experiment import Experiment
    document, file_path, code = cli.document_for_window(path)   # prints the error itself
    if code:
        raise SystemExit(code)
    return Experiment(document.values if document else None), document, file_path


def lab_lesson_named(name: str | None) -> str | None:
    """``name`` when it names an optimizer-lab lesson (and no file of that name exists)."""
    if name is None or os.path.exists(name):
        return None
    from playground.lessons import LESSONS_BY_NAME
    lesson = LESSONS_BY_NAME.get(name)
    return name if lesson is not None and lesson.is_lab else None


def run_window(args) -> int:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from playground.stop_signals import StopSignals
    from widgets import theme
    from widgets.main_window import MainWindow

    # Read the file before any window exists: a bad one costs nothing and says why. A lab
    # lesson opens the optimizer lab beside the default experiment.
    lab_lesson = lab_lesson_named(args.file)
    try:
        experiment, document, file_path = load_experiment(None if lab_lesson else args.file)
    except SystemExit as exit:
        return int(exit.code or 0)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("NN Playground")
    app.setOrganizationName("NN Playground")
    theme.apply(app)
    if not args.screenshot:
        from widgets.compile_dialog import Float32Kernels, ensure_kernels
        stops = StopSignals(app)
        # Stopped while the kernels compile: nothing to keep yet, end at once.
        stops.received.connect(lambda signum: stop_before_window(signum))
        # a first start compiles, with a progress bar
        _, error, _ = ensure_kernels(app, precision=experiment.get("precision"))
        stops.uninstall()
        if error:
            print(f"The engine's kernels did not compile ({error}); training will say why.",
                  file=sys.stderr, flush=True)
        window = MainWindow(experiment)
        window.float32_kernels = Float32Kernels(app, window.experiment,
                                                done=experiment.get("precision") == "float32")
        if document is not None:
            window.file_actions.open_document(document, file_path)  # weights and history too
        if lab_lesson:
            window.lesson_menu.open(lab_lesson)
        window.fit_to_screen()
        apply_look_arguments(window, args)
        if not window.isVisible():
            window.show()
        QTimer.singleShot(0, window.file_actions.offer_recovery)  # only after a crash
        stops = StopSignals(app)
        stops.received.connect(lambda signum: stop_on_signal(app, window, signum))
        try:
            return app.exec()
        finally:
            stops.uninstall()
    with tempfile.TemporaryDirectory() as tmp:
        # A fresh layout, not the user's remembered one: screenshots are reproducible. No
        # autosave, and no recovery file of the user's is touched.
        settings = QSettings(os.path.join(tmp, "layout.ini"), QSettings.Format.IniFormat)
        window = MainWindow(experiment, settings=settings,
                            recovery_path=os.path.join(tmp, "recovery.nnp"), autosave_ms=0)
        if document is not None:
            window.file_actions.open_document(document, file_path)
        if lab_lesson:
            window.lesson_menu.open(lab_lesson)
        window.file_actions.ask_unsaved = lambda name: "discard"
        # On a real display presentation mode is full screen, and so is the picture.
        full_screen = args.presentation and \
            QApplication.platformName() not in ("offscreen", "minimal")
        window.resize(*args.size)
        if QApplication.platformName() not in ("offscreen", "minimal"):
            window.fit_to_screen()      # (on a real screen; offscreen, --size is the picture)
        apply_look_arguments(window, args, full_screen=full_screen)
        if lab_lesson:
            return save_lab_screenshot(app, window, args.screenshot, args.steps, args.size)
        return save_screenshot(app, window, args.screenshot, args.steps,
                               None if full_screen else window.size().toTuple())


def stop_before_window(signum: int) -> None:
    """Ctrl-C or SIGTERM while the first start compiles the kernels: no window, nothing unsaved
    yet; end at once (the compile thread ends with the process)."""
    from playground.stop_signals import signal_name
    print(f"Stopped by {signal_name(signum)} while the engine's kernels compiled.",
          file=sys.stderr, flush=True)
    os._exit(0)


def stop_on_signal(app, window, signum: int) -> None:
    """Ctrl-C, SIGTERM or a closed terminal: keep the unsaved work in the recovery file, stop
    training, close, and end with status 0 as closing the window does (so ``make run`` and
    xvfb-run end quietly too)."""
    from playground.stop_signals import signal_name
    recovery = window.close_without_asking()
    kept = (f"; the unsaved experiment is kept in {recovery} and offered back at the next "
            f"start" if recovery else "")
    print(f"Stopped by {signal_name(signum)}{kept}.", file=sys.stderr, flush=True)
    app.exit(0)


def save_lab_screenshot(app, window, path: str, steps: int, size: tuple[int, int]) -> int:
    """The optimizer lab a lab lesson opened, its racers ``steps`` steps along, as PNG."""
    lab = window.lab_actions.labs[-1]
    lab.resize(*size)
    lab.lab.show(min(int(steps), lab.lab.setup.steps))
    settle = time.monotonic() + SCREENSHOT_SETTLE_S
    while time.monotonic() < settle:
        app.processEvents()
        time.sleep(0.01)
    ok = lab.grab().save(path, "PNG")
    window.close()
    if not ok:
        print(f"Could not write {path}", file=sys.stderr)
        return 1
    print(f"Saved {path} ({size[0]}x{size[1]}, the lab at step {min(steps, lab.lab.setup.steps)})")
    return 0


def save_screenshot(app, window, path: str, steps: int, size: tuple[int, int] | None) -> int:
    """Train ``steps`` steps, wait for the frame that shows them, save the window as PNG
    (at ``size``, or at the size it has when None: full screen)."""
    if size is not None:
        window.resize(*size)
    if not window.isVisible():
        window.show()
    session = window.session
    if steps:
        session.step(steps)
    deadline = time.monotonic() + SCREENSHOT_TIMEOUT_S
    while time.monotonic() < deadline:
        app.processEvents()
        latest = session.latest
        if latest is not None and latest.generation == session.generation and (
                latest.step >= steps or session.diverged_at is not None):
            break                       # (a run that diverged stops short of ``steps``)
        time.sleep(0.005)
    else:
        print(f"Timed out waiting for {steps} training steps", file=sys.stderr)
    # Let throttled views (the curves redraw at most every 0.1 s) draw the last frame.
    settle = time.monotonic() + SCREENSHOT_SETTLE_S
    while time.monotonic() < settle:
        app.processEvents()
        time.sleep(0.01)
    picture = window.grab()
    ok = picture.save(path, "PNG")
    window.close()
    if not ok:
        print(f"Could not write {path}", file=sys.stderr)
        return 1
    step = session.latest.step if session.latest else 0
    print(f"Saved {path} ({picture.width()}x{picture.height()}, step {step})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
