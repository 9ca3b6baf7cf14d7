"""The data panel: which data set, how much noise, how many points, the split, the batch size,
the input features and normalization. Every control calls ``experiment.set``; every experiment
change is pushed back into the controls under a signal blocker.

Two pages of data sets, chosen above them: the 2-D point sets and the image sets (digits,
shapes, and MNIST and Fashion-MNIST where the download cache holds them). An image set shows
only the settings that apply to it (the shapes: number, noise and seed; every image set: the
split and the batch size), and the augmentation preview when the experiment has augmentation
settings. The image page also holds the set the experiment imported last (File > Import
images..., or a file that holds one): its thumbnail, and its name, size and classes under the
thumbnails; it stays there when another set is chosen, so one click goes back to it. Its
"Import images..." button asks for the window's import (``import_requested``)."""
import numpy as np
from PySide6.QtCore import QEvent, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground import catalog
from playground.fields import FIELDS_BY_NAME
from playground.image_data import is_imported
from playground.image_folder import experiment_changes
from playground.tips import CONTROL_TIPS
from widgets import theme
from widgets.controls import (IntBox, ValueSlider, attempt, clear_refusal, hint_label,
                              scrolling_body, send, show_refusal)
from widgets.data_features import InputFeatures
from widgets.data_subset import ClassSubset
from widgets.data_thumbnails import (THUMB, THUMB_MAX, dataset_thumbnail, dataset_tip,
                                     image_available, image_thumbnail, imported_text,
                                     unavailable_text)

#: Thumbnail side and the side of a point's marker on it (widgets.data_thumbnails); a panel
#: with height to spare (a 1920 x 1080 window) draws larger thumbnails, up to THUMB_MAX,
#: keeping THUMB_SLACK.
THUMB_SLACK = 4
THUMB_COLUMNS = 3
#: Least width of a data slider's groove (its value is written beside it).
SLIDER_MIN_WIDTH = 64
POINT_LADDER = (20, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000)
#: Beyond it, for the image sets that have that many (MNIST, Fashion-MNIST: up to 60,000).
LARGE_LADDER = (7500, 10000, 15000, 20000, 30000, 40000, 50000, 60000)
BATCH_LADDER = (1, 2, 3, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 200, 256, 500, 1000,
                2000, 5000)
#: Each row's tooltip (the row's label and its control share it): its field's doc (playground.fields, the one place for the help text).
ROW_TIPS = {row: FIELDS_BY_NAME[name].doc for row, name in (
    ("Classes", "n_classes"), ("Noise", "noise"), ("Points", "n_points"),
    ("Training", "train_ratio"), ("Batch size", "batch_size"))}
#: Thumbnail labels of the image sets (their full names are the tooltips).
IMAGE_SHORT_LABELS = {"digits": "Digits", "shapes": "Shapes", "mnist": "MNIST",
                      "fashion_mnist": "Fashion"}
#: The data rows each image set uses (the others are hidden for it); the split and the batch
#: size apply to all.
IMAGE_ROWS = {"shapes": ("Noise", "Points", "Training", "Batch size"),
              "mnist": ("Points", "Training", "Batch size"),
              "fashion_mnist": ("Points", "Training", "Batch size")}
IMAGE_ROWS_DEFAULT = ("Training", "Batch size")
#: How many of the training images the augmentation preview offers.
AUGMENT_PREVIEW_IMAGES = 500
IMAGE_TIPS = {"Points": "How many images are used, training and test images together (for "
                        "MNIST and Fashion-MNIST the first ones of their training part)",
              "Noise": "How much random noise is added to each drawn shape"}
REGENERATE_TIPS = {"shapes": "New random shapes and a new split from the next data seed",
                   "image": "A new random split of the images into training and test images "
                            "from the next data seed"}


class DataPanel(QWidget):
    """Data set picker with thumbnails and the data, batch and feature settings."""

    #: the "Import images..." button was clicked (the window opens its import dialog)
    import_requested = Signal()

    def __init__(self, experiment, parent: QWidget | None = None, session=None):
        """``session``: the training session whose image data the augmentation preview shows
        (None: no preview)."""
        super().__init__(parent)
        self.experiment = experiment
        self.session = session
        inner = QWidget()
        layout = QVBoxLayout(inner)
        # Dense enough that every example fits a 1280 x 720 window without scrolling.
        layout.setContentsMargins(10, 4, 10, 4)
        layout.setSpacing(6)

        header = QHBoxLayout()
        header.setSpacing(2)
        # Which page of data sets is shown (choosing one is a click on a thumbnail): the two
        # page buttons are the section's title.
        self.kind_buttons: dict[str, QToolButton] = {}
        kinds = QButtonGroup(self)
        for kind, text, tip in (("points", "Points", "Data sets of 2-D points: dense "
                                 "networks and their decision boundary"),
                                ("images", "Images", "Data sets of images: conv nets, "
                                 "their filters, feature maps and mistakes")):
            button = QToolButton()
            button.setText(text)
            button.setCheckable(True)
            button.setToolTip(tip)
            button.setProperty("role", "kind")
            button.clicked.connect(lambda _=False, k=kind: self.show_kind(k))
            kinds.addButton(button)
            header.addWidget(button)
            self.kind_buttons[kind] = button
        header.addStretch(1)
        self.regenerate = QToolButton()
        self.regenerate.setIcon(theme.icon("refresh"))
        # An icon only, beside the page buttons in the panel's narrowest width; its name is
        # for screen readers, its tooltip says what it does.
        self.regenerate.setAccessibleName("Regenerate")
        self.regenerate.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.regenerate.setToolTip(CONTROL_TIPS["regenerate"])
        self.regenerate.clicked.connect(self._on_regenerate_clicked)
        header.addWidget(self.regenerate)
        layout.addLayout(header)
        self.dataset_buttons: dict[str, QToolButton] = {}
        self._dataset_group = QButtonGroup(self)
        self.dataset_pages = QStackedWidget()
        for names in (catalog.dataset_names(), catalog.image_dataset_names()):
            page = QWidget()
            grid = QGridLayout(page)
            grid.setContentsMargins(0, 0, 0, 0)
            grid.setSpacing(2)
            for i, name in enumerate(names):
                button = self._dataset_button(name)
                button.clicked.connect(lambda _=False, n=name: self._on_dataset_clicked(n))
                self.dataset_buttons[name] = button
                grid.addWidget(button, i // THUMB_COLUMNS, i % THUMB_COLUMNS)
            grid.setRowStretch(grid.rowCount(), 1)
            self.dataset_pages.addWidget(page)
        #: the imported set shown on the image page (None before the experiment has one)
        self.imported_name: str | None = None
        self.imported_button = self._dataset_button(None)
        self.imported_button.hide()
        self.imported_button.clicked.connect(self._on_imported_clicked)
        self.imported_caption = hint_label("")
        self.imported_caption.hide()
        self.import_button = QPushButton("Import images\u2026")
        self.import_button.setToolTip("Learn your own pictures: a folder with one sub-folder "
                                      "per class, or IDX files (as File > Import images...)")
        self.import_button.clicked.connect(self.import_requested.emit)
        grid.addWidget(self.imported_button, len(names) // THUMB_COLUMNS,
                       len(names) % THUMB_COLUMNS)
        grid.addWidget(self.imported_caption, grid.rowCount(), 0, 1, THUMB_COLUMNS)
        grid.addWidget(self.import_button, grid.rowCount(), 0, 1, THUMB_COLUMNS)
        layout.addWidget(self.dataset_pages)

        form = QGridLayout()
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(3)
        self.classes = IntBox(int(FIELDS_BY_NAME["n_classes"].low),
                              int(FIELDS_BY_NAME["n_classes"].high))
        self.classes.valueChanged.connect(self._on_classes_value_changed)
        self.noise = ValueSlider(np.round(np.linspace(0, 0.5, 51), 2), lambda v: f"{v:.2f}")
        self.noise.value_chosen.connect(lambda v: send(experiment, "noise", float(v), self.noise))
        self.points = ValueSlider(POINT_LADDER, lambda v: f"{int(v)}")
        self.points.value_chosen.connect(lambda v: send(experiment, "n_points", int(v),
                                                        self.points))
        self.train_ratio = ValueSlider(np.round(np.arange(0.1, 0.91, 0.05), 2),
                                       lambda v: f"{round(v * 100)}%")
        self.train_ratio.value_chosen.connect(
            lambda v: send(experiment, "train_ratio", float(v), self.train_ratio))
        self.batch = ValueSlider((1,), self._batch_text)
        self.batch.value_chosen.connect(lambda v: send(experiment, "batch_size", int(v),
                                                       self.batch))
        rows = (("Classes", self.classes), ("Noise", self.noise), ("Points", self.points),
                ("Training", self.train_ratio), ("Batch size", self.batch))
        self.row_labels = {}
        for r, (text, control) in enumerate(rows):
            self.row_labels[text] = QLabel(text)
            self.row_labels[text].setToolTip(ROW_TIPS[text])
            control.setToolTip(ROW_TIPS[text])
            if isinstance(control, ValueSlider):
                control.slider.setToolTip(ROW_TIPS[text])
            # every other row is left free: a refused value is explained under its control
            form.addWidget(self.row_labels[text], 2 * r, 0)
            form.addWidget(control, 2 * r, 1)
        form.setColumnStretch(1, 1)
        self._form = form
        # Room for the widest batch text ("4500 (all)" of 5000 points) beside a shorter slider,
        # in the narrowest column: a squeezed value label would cut its text. Every slider
        # gets the same, so their grooves line up.
        widest = QFontMetrics(theme.font(0, bold=True)).horizontalAdvance("8888 (all)")
        for slider in (self.noise, self.points, self.train_ratio, self.batch):
            slider.label.setMinimumWidth(widest + 2)
            slider.slider.setMinimumWidth(SLIDER_MIN_WIDTH)
        layout.addLayout(form)
        #: an image set's classes to learn and its training images per class
        self.class_subset = ClassSubset(experiment)
        layout.addWidget(self.class_subset)

        #: what only 2-D points have: input features and their normalization
        self.input_features = InputFeatures(experiment, spacing=layout.spacing())
        layout.addWidget(self.input_features)
        self.features_title = self.input_features.title
        self.feature_boxes = self.input_features.boxes
        self.features_note = self.input_features.note
        self.normalize = self.input_features.normalize
        #: the augmentation preview of an image experiment (made when one is first shown)
        self.augment_panel = None
        self._augment_key = None
        self._augment_slot = QVBoxLayout()
        self._augment_slot.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._augment_slot)
        layout.addStretch(1)

        self.scroll = scrolling_body(self, inner)
        self._thumb = THUMB
        self._features_height = self.input_features.sizeHint().height() + layout.spacing()
        self.scroll.viewport().installEventFilter(self)
        experiment.state_changed.connect(self._on_experiment_state_changed)
        for name in ("dataset", "n_classes", "noise", "n_points", "train_ratio", "batch_size"):
            self._on_experiment_state_changed(name)
        if session is not None and "augmentation" in FIELDS_BY_NAME:
            session.network_rebuilt.connect(self._on_session_network_rebuilt)
            self._on_session_network_rebuilt()

    def _dataset_button(self, name: str | None) -> QToolButton:
        """A data set's thumbnail button (``name`` None: the imported set's, drawn later)."""
        button = QToolButton()
        button.setProperty("role", "dataset")
        button.setCheckable(True)
        button.setIconSize(QSize(THUMB, THUMB))
        button.setFont(theme.font(-1))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        if name is not None:
            button.setIcon(QIcon(self._thumbnail(name, THUMB)))
            button.setText(IMAGE_SHORT_LABELS[name] if catalog.is_image_dataset(name)
                           else catalog.dataset_label(name, short=True))
            button.setToolTip(dataset_tip(name))
        self._dataset_group.addButton(button)
        return button

    def _show_imported(self, name: str) -> None:
        """Make imported set ``name`` the image page's imported entry."""
        if name == self.imported_name:
            return
        if self.imported_name is not None:
            self.dataset_buttons.pop(self.imported_name, None)
        self.imported_name = name
        self.dataset_buttons[name] = self.imported_button
        from playground.image_data import imported_title
        title = imported_title(name)
        button = self.imported_button
        button.setText(title if len(title) <= 9 else title[:8] + "\u2026")
        button.setIcon(QIcon(self._thumbnail(name, self._thumb)))
        button.setIconSize(QSize(self._thumb, self._thumb))
        text = imported_text(name)
        button.setToolTip(f"Imported images, {text}")
        button.setAccessibleName(f"Imported: {title}")
        self.imported_caption.setText(f"Imported: {text}")
        self.imported_caption.setToolTip(catalog.dataset_label(name))
        button.show()
        self.imported_caption.show()

    @staticmethod
    def _thumbnail(name: str, size: int) -> QPixmap:
        return image_thumbnail(name, size) if catalog.is_image_dataset(name) else \
            dataset_thumbnail(name, size)

    def show_kind(self, kind: str) -> None:
        """Show the page of ``kind`` ("points" or "images") data sets; the experiment keeps
        its data set until a thumbnail is clicked."""
        shown = 0 if kind == "points" else 1
        # The page not shown asks for no room (the image sets need fewer rows).
        ignored = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        for i in range(self.dataset_pages.count()):
            page = self.dataset_pages.widget(i)
            page.setSizePolicy(QSizePolicy() if i == shown else ignored)
        self.dataset_pages.setCurrentIndex(shown)
        self.dataset_pages.updateGeometry()
        for key, button in self.kind_buttons.items():
            with QSignalBlocker(button):
                button.setChecked(key == kind)

    def shown_kind(self) -> str:
        return "points" if self.dataset_pages.currentIndex() == 0 else "images"

    def thumbnail_size(self) -> int:
        """The side of the data-set thumbnails now, in pixels."""
        return self._thumb

    def eventFilter(self, obj, event) -> bool:         # noqa: N802 (Qt's name)
        if obj is self.scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_thumbnails()
        return False

    def _fit_thumbnails(self) -> None:
        """Thumbnails grow into the height the panel can spare, the same whether or not the
        data set shows the Classes row (choosing another data set never resizes them)."""
        # (the point sets' page is the taller: it sets the room; the images follow its size)
        rows = -(-len(catalog.dataset_names()) // THUMB_COLUMNS)
        need = self.scroll.widget().sizeHint().height() - rows * (self._thumb - THUMB)
        points_page, shown_page = self.dataset_pages.widget(0), self.dataset_pages.currentWidget()
        if shown_page is not points_page:     # as tall as with the point sets' page
            need += points_page.sizeHint().height() - shown_page.sizeHint().height()
        # Rows a data set hides still count: the thumbnails keep the size of the fullest panel.
        for control in (self.classes, self.noise, self.points):
            if control.isHidden():
                need += control.sizeHint().height() + self._form.verticalSpacing()
        if self.input_features.isHidden():
            need += self._features_height
        if self.augment_panel is not None and self.augment_panel.isVisible():
            need -= self.augment_panel.sizeHint().height()
        spare = self.scroll.viewport().height() - need - THUMB_SLACK
        size = int(min(max(THUMB + spare // rows, THUMB), THUMB_MAX))
        if size == self._thumb:
            return
        self._thumb = size
        for name, button in self.dataset_buttons.items():
            button.setIcon(QIcon(self._thumbnail(name, size)))
            button.setIconSize(QSize(size, size))

    # ---- intent ---------------------------------------------------------------------------
    def _on_dataset_clicked(self, name: str) -> None:
        button = self.dataset_buttons[name]
        if not image_available(name):       # nothing changes: the open data set stays
            show_refusal(button, unavailable_text(name))
            button.setToolTip(dataset_tip(name))
            for key, other in self.dataset_buttons.items():     # (the page stays in front)
                with QSignalBlocker(other):
                    other.setChecked(key == self.experiment.dataset)
            return
        send(self.experiment, "dataset", name, button)
        self._on_experiment_state_changed("dataset")

    def _on_imported_clicked(self) -> None:
        """Back to the imported set, with the layers adapted as on importing it."""
        name, button = self.imported_name, self.imported_button
        if name != self.experiment.dataset:
            attempt(button, self.experiment.update,
                    experiment_changes(self.experiment.values(), name))
        self._on_experiment_state_changed("dataset")

    def _on_classes_value_changed(self, value: int) -> None:
        if not send(self.experiment, "n_classes", value, self.classes):
            self._on_experiment_state_changed("n_classes")

    def _on_regenerate_clicked(self) -> None:
        send(self.experiment, "data_seed", (self.experiment.data_seed + 1) % (2**31 - 1),
             self.regenerate)

    def _batch_text(self, v) -> str:
        return f"{int(v)} (all)" if int(v) >= self.experiment.n_train else f"{int(v)}"

    # ---- model -> controls ----------------------------------------------------------------
    def _on_experiment_state_changed(self, name: str) -> None:
        e = self.experiment
        if name == "dataset":
            if is_imported(e.dataset) and catalog.is_image_dataset(e.dataset):
                self._show_imported(e.dataset)
            for key, button in self.dataset_buttons.items():
                with QSignalBlocker(button):
                    button.setChecked(key == e.dataset)
            takes_classes = catalog.dataset_takes_classes(e.dataset)
            self.classes.setVisible(takes_classes)
            self.row_labels["Classes"].setVisible(takes_classes)
            if not takes_classes:
                clear_refusal(self.classes)
            self._show_rows_of(e.dataset)
        elif name == "n_classes":
            with QSignalBlocker(self.classes):
                self.classes.setValue(e.n_classes)
        elif name == "noise":
            self.noise.set_value(e.noise)
        elif name == "n_points":
            self.points.set_value(e.n_points)
            self._refresh_batch_ladder()
        elif name == "train_ratio":
            self.train_ratio.set_value(e.train_ratio)
            self._refresh_batch_ladder()
        elif name == "batch_size":
            self.batch.set_value(e.batch_size)
        elif name == "augmentation" and self.augment_panel is not None:
            self.augment_panel.set_settings(self._augmentation())

    # ---- augmentation (image experiments) ----------------------------------------------------
    def _on_session_network_rebuilt(self) -> None:
        """An image experiment shows the augmentation preview of its training images."""
        data = self.session.data
        images = getattr(self.session, "modality", "points") == "images" and \
            data is not None and data.images_train is not None and len(data.images_train) > 0
        if not images:
            if self.augment_panel is not None:
                self.augment_panel.hide()
            return
        from playground.image_data import imported_data
        n = min(len(data.images_train), AUGMENT_PREVIEW_IMAGES)
        preview = imported_data(data.images_train[:n],
                                data.labels_train[:n].astype(np.int64), data.class_names)
        if self._augment_key != (id(data), n):
            self._augment_key = (id(data), n)
            if self.augment_panel is None:
                from widgets.augment_preview import AugmentPreviewPanel
                self.augment_panel = AugmentPreviewPanel(preview, self._augmentation(),
                                                         stacked=True)
                self.augment_panel.settings_changed.connect(
                    self._on_augment_panel_settings_changed)
                self._augment_slot.addWidget(self.augment_panel)
            else:
                self.augment_panel.set_data(preview)
        self.augment_panel.set_settings(self._augmentation())
        self.augment_panel.show()

    def _augmentation(self):
        from playground.augmentation import Augmentation
        return Augmentation(**dict(self.experiment.get("augmentation") or {}))

    def _on_augment_panel_settings_changed(self, settings) -> None:
        if not send(self.experiment, "augmentation", dict(settings.hyper), self.augment_panel):
            self.augment_panel.set_settings(self._augmentation())

    def _show_rows_of(self, name: str) -> None:
        """Show the settings that apply to data set ``name`` and its page of thumbnails."""
        image = catalog.is_image_dataset(name)
        self.show_kind("images" if image else "points")
        rows = (IMAGE_ROWS.get(name, IMAGE_ROWS_DEFAULT) if image else
                ("Noise", "Points", "Training", "Batch size"))
        controls = {"Noise": self.noise, "Points": self.points,
                    "Training": self.train_ratio, "Batch size": self.batch}
        for text, control in controls.items():
            control.setVisible(text in rows)
            self.row_labels[text].setVisible(text in rows)
            if text not in rows:
                clear_refusal(control)
        self.row_labels["Points"].setText("Images" if image else "Points")
        most = catalog.max_points(name, int(FIELDS_BY_NAME["n_points"].high))
        ladder = tuple(v for v in POINT_LADDER + LARGE_LADDER if v <= most)
        if tuple(self.points.values()) != ladder:
            self.points.set_values(ladder)
            self.points.set_value(self.experiment.n_points)
        for text in ("Points", "Noise"):
            tip = IMAGE_TIPS[text] if image else ROW_TIPS[text]
            for w in (self.row_labels[text], controls[text], controls[text].slider):
                w.setToolTip(tip)
        self.input_features.setVisible(not image)
        if image:
            clear_refusal(next(iter(self.feature_boxes.values())))
        self.regenerate.setToolTip(CONTROL_TIPS["regenerate"] if not image else
                                   REGENERATE_TIPS["shapes" if name == "shapes" else "image"])

    def _refresh_batch_ladder(self) -> None:
        n_train = self.experiment.n_train
        ladder = sorted({v for v in BATCH_LADDER if v < n_train} | {n_train})
        self.batch.set_values(ladder)
        self.batch.set_value(self.experiment.batch_size)
