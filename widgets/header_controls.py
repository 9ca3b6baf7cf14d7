"""The compact controls of the network's column headers and of the layer cards: a round + / -
button, a compact combo box (the initializers' with their names written out), and a number box
bound to one experiment field that hides when the field does not apply."""
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QToolButton

from playground import catalog
from playground.fields import FIELDS_BY_NAME
from widgets import theme
from widgets.controls import DecimalBox, LogSpinBox, send

#: Initializer names written out (the combo box is wide enough for them).
INITIALIZER_NAMES = {"zeros": "Zeros", "constant": "Constant", "random_normal": "Small normal",
                     "random_uniform": "Small uniform", "glorot_uniform": "Glorot uniform",
                     "glorot_normal": "Glorot normal", "he_uniform": "He uniform",
                     "he_normal": "He normal", "lecun_normal": "LeCun normal"}


def round_button(icon_name: str, tip: str) -> QToolButton:
    """A small round button with a theme icon ("plus", "minus") and its tooltip."""
    button = QToolButton()
    button.setProperty("role", "round")
    button.setIcon(theme.icon(icon_name))
    button.setToolTip(tip)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def compact_combo(items, tips: dict | None = None) -> QComboBox:
    """A compact combo box of (key, text) ``items``: full names, each item's tooltip from
    ``tips``; the key is the item's data."""
    combo = QComboBox()
    combo.setProperty("role", "compact")
    combo.setFont(theme.font(-1))
    for key, text in items:
        combo.addItem(text, key)
        if tips and key in tips:
            combo.setItemData(combo.count() - 1, tips[key], Qt.ItemDataRole.ToolTipRole)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(4)
    # The list may be wider than the closed box, so no name is ever cut.
    combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
    return combo


def initializer_combo() -> QComboBox:
    """A compact combo box of the initializers, each with its doc as the tooltip."""
    return compact_combo(((k, INITIALIZER_NAMES.get(k, catalog.label(k)))
                          for k in catalog.initializer_names()),
                         {k: catalog.initializer_doc(k) for k in catalog.initializer_names()})


def select(combo: QComboBox, key) -> None:
    """Show the item of ``key`` (the first when none has it) without signalling."""
    with QSignalBlocker(combo):
        combo.setCurrentIndex(max(0, combo.findData(key)))


def setting_box(experiment, name: str, decimals: int | None = None) -> QDoubleSpinBox:
    """A compact box for one experiment-wide setting shown beside a layer's choice: the
    small-random scale beside the initializer, the leaky slope beside the activation. Every
    header or card that shows it edits the same field (one ``experiment.set``: one undo step);
    its tooltip is the field's doc. ``decimals``: even steps of that many decimals (None: the
    1, 2, 3, 5 ladder)."""
    f = FIELDS_BY_NAME[name]
    if decimals is None:
        box = LogSpinBox(f.low, f.high)
    else:
        # typed values outside the range reach the experiment, which says why it refuses them
        box = DecimalBox(f.low, f.high, step=10 ** -decimals * 10, decimals=decimals)
    box.setProperty("role", "compact")
    box.setFont(theme.font(-1))
    box.setAlignment(Qt.AlignmentFlag.AlignRight)
    box.setToolTip(f"{f.title} (shared by every layer): {f.doc}")
    box.setFixedWidth(58)
    box.editingFinished.connect(lambda: _send_setting(experiment, name, box))
    return box


def _send_setting(experiment, name: str, box: QDoubleSpinBox) -> None:
    if not send(experiment, name, float(box.value()), box):
        show_setting(box, experiment.get(name), box.isVisible())


def show_setting(box: QDoubleSpinBox, value: float, visible: bool) -> None:
    """Put the model's ``value`` in ``box`` without signalling; show it when ``visible``."""
    with QSignalBlocker(box):
        box.setValue(value)
    box.setVisible(visible)
