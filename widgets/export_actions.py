"""The File menu's Export submenu: a PyTorch script, the history as CSV, and a picture of any
view as PNG or SVG.

``ExportActions`` is mixed into ``widgets.file_actions.FileActions`` and uses what that class
provides: ``window``, ``path`` and ``name``, ``document()``, the dialogs ``ask_folder``,
``ask_save_path`` and ``show_error`` (which tests replace), ``message``, ``_action`` and
``_last_folder``. ``save_view_picture`` writes the picture of one widget.
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QGraphicsView, QMenu, QWidget

from playground.files import APP_NAME


class ExportActions:
    """The Export submenu of ``FileActions``: ``export_menu``, ``export_pytorch_action``,
    ``export_history_action`` and one action per view and picture format."""

    def _build_export_menu(self) -> None:
        self.export_menu = QMenu("E&xport", self.window)
        self.export_menu.aboutToShow.connect(self._fill_export_menu)
        self.export_pytorch_action = self._action("PyTorch Script\u2026", self.export_pytorch,
                                                  tip="A standalone PyTorch script and its "
                                                      "weights, to continue training there")
        self.export_history_action = self._action("History as CSV\u2026", self.export_history)
        self._fill_export_menu()

    def export_pytorch(self) -> bool:
        folder = self.ask_folder("Export a PyTorch script into")
        if not folder:
            return False
        from playground import export
        name = _identifier(self.path.stem if self.path else self.name)
        try:
            doc = self.document()
            script, _ = export.export_pytorch(doc, folder, name)
            export.write_history_csv(Path(folder) / f"{name}_history.csv", doc.history or {})
        except (OSError, ValueError) as error:
            self.show_error("Cannot export", str(error))
            return False
        self.message(f"Wrote {script} and its weights")
        return True

    def export_history(self) -> bool:
        path = self.ask_save_path(str(self._last_folder() / f"{safe_stem(self.name)}.csv"),
                                  "CSV files (*.csv)")
        if not path:
            return False
        from playground import export
        try:
            export.write_history_csv(path, self.document().history or {})
        except OSError as error:
            self.show_error("Cannot export", str(error))
            return False
        self.message(f"Wrote {path}")
        return True

    def views(self) -> dict[str, QWidget]:
        """The views a picture can be taken of: {title: widget} (docks by their titles, and the
        central widget as "Network")."""
        from PySide6.QtWidgets import QDockWidget
        out = {}
        central = self.window.centralWidget()
        if central is not None:
            out["Network"] = central
        for dock in self.window.findChildren(QDockWidget):
            if dock.widget() is not None and dock.windowTitle():
                out[dock.windowTitle()] = dock.widget()
        return out

    def export_view(self, title: str, suffix: str = ".png") -> bool:
        widget = self.views().get(title)
        if widget is None:
            return False
        filt = "SVG images (*.svg)" if suffix == ".svg" else "PNG images (*.png)"
        path = self.ask_save_path(str(self._last_folder() / f"{safe_stem(title)}{suffix}"),
                                  filt)
        if not path:
            return False
        try:
            save_view_picture(widget, path)
        except (OSError, ValueError, RuntimeError) as error:
            self.show_error("Cannot export", str(error))
            return False
        self.message(f"Wrote {path}")
        return True

    def _fill_export_menu(self) -> None:
        self.export_menu.clear()
        self.export_menu.addAction(self.export_pytorch_action)
        self.export_menu.addAction(self.export_history_action)
        self.export_menu.addSeparator()
        for title in self.views():
            for suffix, kind in ((".png", "PNG"), (".svg", "SVG")):
                self.export_menu.addAction(self._action(
                    f"{title} as {kind}\u2026", lambda t=title, s=suffix: self.export_view(t, s)))


# ---- helpers --------------------------------------------------------------------------------
def safe_stem(name: str) -> str:
    """``name`` as a file name stem: characters other than letters, digits, " -_" become "_"."""
    stem = "".join(c if c.isalnum() or c in " -_" else "_" for c in name).strip()
    return stem or "experiment"


def _identifier(name: str) -> str:
    ident = "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_") or "model"
    return ident if ident[0].isalpha() else f"model_{ident}"


def save_view_picture(widget: QWidget, path: str | os.PathLike) -> Path:
    """A picture of ``widget`` at ``path``: PNG or SVG by the suffix. pyqtgraph views go
    through pyqtgraph's exporters (the plot alone, vector SVG); other widgets are grabbed
    (PNG) or painted into an SVG generator."""
    import pyqtgraph as pg
    import pyqtgraph.exporters  # registers pg.exporters
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"pictures are saved as .png or .svg, not {path.suffix or 'no suffix'}")
    graphics = widget if isinstance(widget, pg.GraphicsView) else \
        next(iter(widget.findChildren(pg.GraphicsView)), None)
    if graphics is not None and len(widget.findChildren(pg.GraphicsView)) > 1:
        graphics = None                     # several plots: picture the whole widget
    if graphics is not None and suffix == ".png":
        exporter = pg.exporters.ImageExporter(graphics.scene())
        exporter.parameters()["width"] = max(2 * int(graphics.width()), 400)
        exporter.export(str(path))
    elif graphics is not None:
        try:
            with _closed_paths_spelled_out():
                pg.exporters.SVGExporter(graphics.scene()).export(str(path))
        except ValueError:
            _render_svg(graphics, path)     # Qt's own generator: coarser, but never fails
    elif suffix == ".svg":
        _render_svg(widget, path)
    elif not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    if not path.exists():
        raise OSError(f"could not write {path}")
    return path


class _closed_paths_spelled_out:
    """While exporting: pyqtgraph 0.14's SVG exporter cannot parse the close-path command
    ("... Z") that Qt 6 writes (pyqtgraph issue #3495). Within this block each "Z" is written
    as a line back to its subpath's start, which draws the same shape."""

    def __enter__(self):
        import sys
        self.module = sys.modules.get("pyqtgraph.exporters.SVGExporter")
        self.original = getattr(self.module, "correctCoordinates", None)
        if self.original is not None:
            original = self.original

            def correct(node, defs, item, options):
                for element in node.getElementsByTagName("path"):
                    element.setAttribute("d", _spell_out_closes(element.getAttribute("d")))
                return original(node, defs, item, options)

            self.module.correctCoordinates = correct
        return self

    def __exit__(self, *exc):
        if self.original is not None:
            self.module.correctCoordinates = self.original
        return False


def _spell_out_closes(d: str) -> str:
    """SVG path data with every "Z" token replaced by "L<start of its subpath>"."""
    if "Z" not in d and "z" not in d:
        return d
    out, start = [], None
    for token in d.split():
        if token[0] in "Mm":
            start = token[1:]
        if token in ("Z", "z") and start is not None:
            out.append("L" + start)
        elif token not in ("Z", "z"):
            out.append(token)
    return " ".join(out)


def _render_svg(widget: QWidget, path: Path) -> None:
    """Paint ``widget`` (children included) into an SVG file as vector graphics."""
    from PySide6.QtCore import QPoint, QRect, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(widget.width(), widget.height()))
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setTitle(APP_NAME)
    painter = QPainter(generator)
    try:
        if isinstance(widget, QGraphicsView):
            widget.render(painter)            # the visible part of the scene, as vectors
        else:
            QWidget.render(widget, painter, QPoint())
    finally:
        painter.end()
