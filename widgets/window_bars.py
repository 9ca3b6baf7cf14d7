"""The main window's two message bars: the banner across the top of the centre (divergence,
stop conditions, with Reset and Dismiss) and the status bar (epoch, step, steps per second,
learning rate, losses; messages shortened to what fits beside them)."""
from PySide6 import QtGui
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QStatusBar,
                               QWidget)

from widgets import theme
from widgets.controls import ValueLabel
from widgets.optimizer_panel import learning_rate_text


class Banner(QFrame):
    """A message across the top of the centre (divergence, stop conditions), with an action."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.PlainText)    # messages quote files' text
        self.text.setWordWrap(True)
        self.text.setFont(theme.font(1))
        # The message wraps to whatever width the centre has; it must never widen the window.
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.action = QPushButton("Reset")
        self.close_button = QPushButton("Dismiss")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.action)
        layout.addWidget(self.close_button)
        self.close_button.clicked.connect(self.hide)
        self.hide()

    def show_text(self, text: str, error: bool, offer_reset: bool | None = None) -> None:
        """Show ``text`` (red when ``error``, else in the information style), with the Reset
        button when ``offer_reset`` (default: for errors, which are training errors unless
        said otherwise)."""
        self.text.setText(text)
        self.action.setVisible(error if offer_reset is None else offer_reset)
        self.setProperty("kind", "error" if error else "info")
        # The style sheet colours the text by the frame's kind ("#banner[kind] QLabel"): the
        # children are polished again too, or they keep the colour of the first message.
        for widget in (self, self.text, self.action, self.close_button):
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        self.show()


class StatusView(QStatusBar):
    """Epoch, step, steps per second, the learning rate in use, train and test loss; on the
    left, messages, shortened to what fits (``showMessage``)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.fields: dict[str, QLabel] = {}
        # Fixed-size labels: a label that resizes with its text makes the whole window redo
        # its layout at every frame. Each is made for the widest text it normally shows.
        # (A rarer, longer text is drawn smaller rather than widening the label.) What is left
        # of the bar shows messages, such as an example's description.
        for key, title, widest in (("epoch", "Epoch", "Epoch: 888,888"),
                                   ("step", "Step", "Step: 88,888,888"),
                                   ("rate", "Steps/s", "Steps/s: 888,888"),
                                   ("learning_rate", "LR", "LR: 8.88e-08"),
                                   ("train_loss", "Train loss", "Train loss: 8888.8888"),
                                   ("test_loss", "Test loss", "Test loss: 8888.8888")):
            label = ValueLabel(widest)
            self.fields[key] = label
            self.addPermanentWidget(label)
            label.setProperty("title", title)
        self.clear_numbers()

    #: The numbers the bar drops first, in order, when it is too narrow for all of them (a
    #: small screen, or zoomed in): the losses stay.
    DROP_ORDER = ("rate", "learning_rate", "step", "epoch")
    KEPT = ("train_loss", "test_loss")
    GAP = 12            # px between two numbers and at the ends (Qt's status-bar spacing)

    def minimumSizeHint(self) -> QSize:
        """As narrow as the losses: the other numbers give way (``resizeEvent``), so that the
        bar never makes the window wider than a small screen."""
        hint = super().minimumSizeHint()
        kept = sum(self.fields[k].width() + self.GAP for k in self.KEPT) + self.GAP
        return QSize(min(hint.width(), kept), hint.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_numbers(self.width())

    def _fit_numbers(self, width: int) -> None:
        """Show every number that fits in ``width``, dropping DROP_ORDER's first."""
        shown = set(self.fields)
        need = sum(label.width() + self.GAP for label in self.fields.values()) + self.GAP
        for key in self.DROP_ORDER:
            if need <= width:
                break
            shown.discard(key)
            need -= self.fields[key].width() + self.GAP
        for key, label in self.fields.items():
            if label.isHidden() == (key in shown):
                label.setVisible(key in shown)

    def clear_numbers(self) -> None:
        for label in self.fields.values():
            label.setText(f"{label.property('title')}: \u2013")

    def set_snapshot(self, snapshot) -> None:
        f = self.fields
        f["epoch"].setText(f"Epoch: {snapshot.epoch:,}")
        f["step"].setText(f"Step: {snapshot.step:,}")
        rate = snapshot.steps_per_second        # 0 while paused: no rate to show
        f["rate"].setText(f"Steps/s: {rate:,.0f}" if rate > 0 else "Steps/s: \u2013")
        f["learning_rate"].setText(f"LR: {learning_rate_text(snapshot.learning_rate)}")
        f["train_loss"].setText(f"Train loss: {_number(snapshot.train_loss)}")
        f["test_loss"].setText(f"Test loss: {_number(snapshot.test_loss)}")

    def showMessage(self, text: str, timeout: int = 0) -> None:
        """Show ``text`` whole when it fits beside the numbers, else its first sentence, or
        what comes before its first colon ("Training diverged at step 133"), else cut with an
        ellipsis; the whole text is then the bar's tooltip (and the banner shows it)."""
        # (before the bar is laid out there is nothing to measure: the text goes whole)
        fitted = fit_message(text, self.fontMetrics(), self.message_width()) \
            if self.isVisible() else text
        # a tooltip renders what looks like rich text: messages quote files' text
        self.setToolTip(QtGui.Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal)
                        if fitted != text else "")
        super().showMessage(fitted, timeout)

    def message_width(self) -> int:
        """Pixels for a message: from the bar's left edge to the first number, less margins."""
        shown = [label.geometry().left() for label in self.fields.values()
                 if label.isVisible()]
        return max(0, (min(shown) if shown else self.width()) - 16)


def fit_message(text: str, metrics, width: int) -> str:
    """The longest of ``text``, its first sentence and its part before the first colon that
    is ``width`` pixels wide at most in ``metrics``; else the shortest of them, elided."""
    candidates = [text]
    if ". " in text:
        candidates.append(text[:text.index(". ") + 1])
    if ": " in text:
        candidates.append(text[:text.index(": ")])
    for candidate in candidates:
        if metrics.horizontalAdvance(candidate) <= width:
            return candidate
    return metrics.elidedText(candidates[-1], Qt.TextElideMode.ElideRight, width)


def _number(v) -> str:
    return theme.number(v)
